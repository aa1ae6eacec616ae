/**
 * Stable reason codes for X.509 parsing, path validation and revocation. Callers and tests match
 * on the code, never on message text.
 */

export type X509ErrorCode =
  // input syntax
  | "x509_malformed"
  | "x509_truncated"
  | "x509_trailing_data"
  | "x509_pem_malformed"
  | "x509_pem_no_certificate"
  | "x509_unsupported_version"
  | "x509_bad_serial"
  | "x509_invalid_extension"
  | "x509_duplicate_extension"
  // time
  | "x509_expired"
  | "x509_not_yet_valid"
  // chain
  | "x509_unknown_issuer"
  | "x509_bad_signature"
  | "x509_not_ca"
  | "x509_pathlen_exceeded"
  | "x509_keyusage_keycertsign_missing"
  | "x509_leaf_is_ca"
  | "x509_leaf_keycertsign"
  | "x509_leaf_keyusage"
  | "x509_eku_mismatch"
  | "x509_name_constraints"
  | "x509_unsupported_name_constraint"
  | "x509_unknown_critical_extension"
  | "x509_chain_too_long"
  | "x509_path_search_exhausted"
  | "x509_weak_key"
  | "x509_weak_algorithm"
  | "x509_unsupported_algorithm"
  // SANs and names
  | "x509_no_uri_san"
  | "x509_multiple_uri_sans"
  | "x509_name_mismatch"
  // revocation
  | "x509_revoked"
  | "x509_crl_stale"
  | "x509_crl_not_yet_valid"
  | "x509_crl_missing"
  | "x509_crl_bad_signature"
  | "x509_crl_issuer_not_authorized"
  | "x509_crl_malformed"
  | "x509_crl_unsupported";

export class X509Error extends Error {
  override readonly name = "X509Error";
  constructor(
    readonly code: X509ErrorCode,
    message: string,
  ) {
    super(`x509: ${message}`);
  }
}

/** Turns anything thrown into an X509Error (unexpected exceptions become `fallback`). */
export function asX509Error(e: unknown, fallback: X509ErrorCode = "x509_malformed"): X509Error {
  if (e instanceof X509Error) return e;
  return new X509Error(fallback, e instanceof Error ? e.message : String(e));
}
