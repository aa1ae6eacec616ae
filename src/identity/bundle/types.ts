/**
 * Trust bundles: the CA certificates trusted for ONE trust domain, behind a small Source interface
 * so that static data, watched files and HTTPS endpoints plug in the same way.
 */
import type { Source } from "../refresh/source.js";

export interface X509Bundle {
  /** DER of every trusted authority. Empty: every identity of the trust domain is rejected. */
  readonly authorities: readonly Buffer[];
  /** spiffe_sequence when the bundle came from SPIFFE bundle JSON. */
  readonly sequence?: number;
  /** spiffe_refresh_hint in seconds when given. */
  readonly refreshHint?: number;
  /** Increases on every accepted update of a source: part of cache keys. */
  readonly generation: number;
}

export type BundleErrorCode =
  | "bundle_read_failed"
  | "bundle_pem_invalid"
  | "bundle_certificate_invalid"
  | "bundle_fetch_failed"
  | "bundle_http_status"
  | "bundle_too_large"
  | "bundle_sequence_rollback"
  | "bundle_closed"
  | `bundle_json_${string}`;

export class BundleError extends Error {
  override readonly name = "BundleError";
  constructor(
    readonly code: BundleErrorCode,
    message: string,
    /** Where the bundle came from (file path, URL). */
    readonly origin = "",
  ) {
    super(origin ? `trust bundle ${origin}: ${message}` : `trust bundle: ${message}`);
  }
}

/**
 * One trust domain's bundle: current() is the last good bundle; ready() rejects with BundleError
 * when the initial load fails (the source keeps trying); onChange after every accepted update (not
 * for unchanged content); onError for every rejected update, the last good bundle staying in force.
 */
export type BundleSource = Source<X509Bundle, BundleError>;
