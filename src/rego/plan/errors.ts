import type { Location, Term } from "../ast/types.js";
import { RegoCompileError } from "../errors.js";

const NOWHERE: Location = { file: "", row: 0, col: 0 };

/** A planner error: the input is valid Rego the planner cannot (or must not) lower. */
export function planError(message: string, loc?: Location): RegoCompileError {
  return new RegoCompileError([{ code: "rego_compile_error", message, location: loc ?? NOWHERE }]);
}

/** Dotted name of a call operator (`count`, `time.now_ns`, `data.lib.f`), or undefined. */
export function operatorName(op: Term): string | undefined {
  if (op.type === "var") return op.name;
  if (op.type !== "ref" || op.terms.length === 0) return undefined;
  const parts: string[] = [];
  for (const [i, t] of op.terms.entries()) {
    if (i === 0 && t.type === "var") parts.push(t.name);
    else if (i > 0 && t.type === "string") parts.push(t.value);
    else return undefined;
  }
  return parts.join(".");
}
