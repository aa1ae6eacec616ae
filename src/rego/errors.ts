import type { RegoError } from "./ast/types.js";

/** Thrown by every compiler stage; carries all errors found, each with file:row:col. */
export class RegoCompileError extends Error {
  readonly errors: RegoError[];
  constructor(errors: RegoError[]) {
    super(formatRegoErrors(errors));
    this.name = "RegoCompileError";
    this.errors = errors;
  }
}

/** OPA-style text: "1 error occurred: policy.rego:5:3: rego_unsafe_var_error: var x is unsafe". */
export function formatRegoErrors(errors: RegoError[]): string {
  const head = errors.length === 1 ? "1 error occurred" : `${errors.length} errors occurred`;
  const lines = errors.map(
    (e) => `${e.location.file}:${e.location.row}:${e.location.col}: ${e.code}: ${e.message}`,
  );
  return errors.length === 1 ? `${head}: ${lines[0]}` : `${head}:\n${lines.join("\n")}`;
}
