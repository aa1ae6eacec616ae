// Native builtins, exported as opa_b_<name> (dots -> "_"). Each returns a value or 0 (undefined).
export * from "./types";
