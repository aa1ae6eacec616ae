/** CRL sources: the revocation lists of one trust domain, behind the same Source shape as bundles. */
import type { Source } from "../refresh/source.js";
import type { ParsedCrl } from "../x509/index.js";

export interface CrlSet {
  readonly crls: readonly ParsedCrl[];
  /** Increases on every accepted update: part of cache keys. */
  readonly generation: number;
}

export type CrlErrorCode =
  | "crl_read_failed"
  | "crl_fetch_failed"
  | "crl_http_status"
  | "crl_too_large"
  | "crl_malformed"
  | "crl_issuer_unknown"
  | "crl_bad_signature"
  | "crl_rollback"
  | "crl_closed";

export class CrlError extends Error {
  override readonly name = "CrlError";
  constructor(
    readonly code: CrlErrorCode,
    message: string,
    readonly origin = "",
  ) {
    super(origin ? `CRL ${origin}: ${message}` : `CRL: ${message}`);
  }
}

/**
 * The CRLs of one trust domain: current() is what was last accepted from every origin; ready()
 * resolves when every origin has loaded once and rejects with the first origin's CrlError.
 */
export type CrlSource = Source<CrlSet, CrlError>;
