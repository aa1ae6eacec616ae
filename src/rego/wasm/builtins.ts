/**
 * Builtins implemented natively by the runtime library: Rego name -> runtime export.
 * Every other builtin is delegated to the host through opa_builtinN.
 */
export const NATIVE_BUILTINS: ReadonlyMap<string, string> = new Map(
  ["is_null", "is_boolean", "is_number", "is_string", "is_array", "is_object", "is_set"].map((name) => [
    name,
    `opa_b_${name.replace(/\./g, "_")}`,
  ]),
);
