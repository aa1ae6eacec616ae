/**
 * Stable reason codes for the ext_authz stage (audit lines, x-wimse-authz-reason, metrics).
 * Identity failures use the identity stage's own codes (AuthResult.code) and policy errors the
 * policy stage's (EvaluationOutcome error code); these are the ones decided here.
 */
export const Reason = {
  allowed: "allowed",
  policyDenied: "policy_denied",
  noAttributes: "no_attributes",
  noHttpRequest: "no_http_request",
  tooManyHeaders: "too_many_headers",
  headerTooLarge: "header_too_large",
  headersTooLarge: "headers_too_large",
  headerBinary: "header_binary",
  headerNameInvalid: "header_name_invalid",
  pathMalformed: "path_malformed",
  queryMalformed: "query_malformed",
  bodyInvalidJson: "body_invalid_json",
  bodyInvalidForm: "body_invalid_form",
  bodyInvalidMultipart: "body_invalid_multipart",
  internalError: "internal_error",
  /** A Workload-Identity-Token arrived but this checker has no token stage. */
  tokensNotConfigured: "tokens_not_configured",
  /** A verified token without a transport identity while tokens.require_transport is set. */
  transportIdentityRequired: "transport_identity_required",
} as const;

export type ReasonCode = (typeof Reason)[keyof typeof Reason];

/** A request the stage refuses before identity or policy run. */
export class RequestRejection {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}
