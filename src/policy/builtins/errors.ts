/** Errors raised by host builtins, with OPA's error codes. */

export type BuiltinErrorCode = "eval_builtin_error" | "eval_type_error";

export class BuiltinError extends Error {
  readonly code: BuiltinErrorCode;
  constructor(code: BuiltinErrorCode, message: string) {
    super(message);
    this.name = "BuiltinError";
    this.code = code;
  }
}

/** A builtin's own failure: "<name>: <message>" is added by the registry. */
export function fail(message: string): never {
  throw new BuiltinError("eval_builtin_error", message);
}

/** An operand of the wrong type, worded like OPA: "operand 1 must be string but got number". */
export function typeFail(operand: number, want: string, got: unknown): never {
  throw new BuiltinError(
    "eval_type_error",
    `operand ${operand} must be ${want} but got ${regoTypeName(got)}`,
  );
}

export function regoTypeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "boolean":
      return "boolean";
    case "number":
    case "bigint":
      return "number";
    case "string":
      return "string";
    case "object":
      return "object";
    default:
      return "undefined";
  }
}
