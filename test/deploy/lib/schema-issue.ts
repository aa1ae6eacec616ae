/** One finding of the strict Envoy schema checker; `code` is stable, tests match on it. */
export type SchemaIssueCode =
  | "UNKNOWN_FIELD"
  | "DUPLICATE_FIELD"
  | "NULL_VALUE"
  | "WRONG_TYPE"
  | "BAD_NUMBER"
  | "BAD_ENUM"
  | "BAD_DURATION"
  | "BAD_TIMESTAMP"
  | "BAD_BYTES"
  | "BAD_ANY"
  | "UNKNOWN_TYPE_URL"
  | "ONEOF_CONFLICT"
  | "DEPRECATED"
  | "RULE_VIOLATION";

export interface SchemaIssue {
  code: SchemaIssueCode;
  /** JSON-path-like location, e.g. `static_resources.listeners[0].name`. */
  path: string;
  message: string;
}

export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => `${i.code} at ${i.path || "<root>"}: ${i.message}`).join("\n");
}
