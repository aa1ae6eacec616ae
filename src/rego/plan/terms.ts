/** Helpers on constant AST terms. */
import type { Term } from "../ast/types.js";

/** True when `t` is a scalar or a collection of constants (no vars, refs or calls). */
export function isConstant(t: Term): boolean {
  switch (t.type) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return true;
    case "array":
    case "set":
      return t.items.every((i) => isConstant(i));
    case "object":
      return t.items.every(([key, v]) => isConstant(key) && isConstant(v));
    default:
      return false;
  }
}

/** A canonical text for a constant term, ignoring locations. */
export function constKey(t: Term): string {
  return JSON.stringify(t, (k, v) => (k === "loc" ? undefined : v));
}
