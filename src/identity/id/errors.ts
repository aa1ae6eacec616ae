/**
 * Typed errors for workload identifiers (wimse-mtls.md §5). Callers and tests match on `code`,
 * never on message text.
 */

export type WorkloadIdErrorCode =
  | "id_empty"
  | "id_too_long"
  | "id_bad_scheme"
  | "id_missing_trust_domain"
  | "id_trust_domain_too_long"
  | "id_bad_trust_domain"
  | "id_uppercase_trust_domain"
  | "id_ip_trust_domain"
  | "id_userinfo"
  | "id_port"
  | "id_query"
  | "id_fragment"
  | "id_percent_encoding"
  | "id_missing_path"
  | "id_trailing_slash"
  | "id_empty_segment"
  | "id_dot_segment"
  | "id_bad_char";

export class WorkloadIdError extends Error {
  override readonly name = "WorkloadIdError";
  constructor(
    readonly code: WorkloadIdErrorCode,
    message: string,
  ) {
    super(`workload id: ${message}`);
  }
}
