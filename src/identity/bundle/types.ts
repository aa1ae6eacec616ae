/**
 * Trust bundles: the CA certificates trusted for ONE trust domain, behind a small Source interface
 * so that static data, watched files and HTTPS endpoints plug in the same way.
 */

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

export interface BundleSource {
  /** The last good bundle, or undefined before the first successful load. Cheap. */
  current(): X509Bundle | undefined;
  /** Resolves with the first good bundle; rejects with BundleError when the initial load fails.
   *  The source keeps trying: after a later good update, onChange fires and ready() resolves. */
  ready(): Promise<X509Bundle>;
  /** Called after every accepted update (not for unchanged content). Returns an unsubscribe. */
  onChange(listener: (bundle: X509Bundle) => void): () => void;
  /** Called for every rejected update; the last good bundle stays in force. */
  onError(listener: (error: BundleError) => void): () => void;
  /** Stops watching or polling. */
  close(): void;
}
