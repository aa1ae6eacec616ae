// Native builtins, exported as opa_b_<name> (dots -> "_"). Each returns a value or 0 (undefined);
// a failure's reason is kept by errors.ts.
export * from "./types";
export * from "./errors";
export * from "./numbers";
export * from "./sets";
export * from "./strings";
export * from "./collections";
export * from "./encoding";
export * from "./regex";
export * from "./net";
export * from "./sprintf";
