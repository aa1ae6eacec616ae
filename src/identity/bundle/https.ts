/**
 * A bundle fetched from an HTTPS URL, SPIFFE bundle endpoint style (SPIFFE Trust Domain and Bundle
 * §5): the server is authenticated with the Web PKI or with a pinned CA; the body is SPIFFE bundle
 * JSON (or PEM); the bundle is re-fetched every spiffe_refresh_hint seconds (default 300). A failed
 * fetch or an invalid body keeps the last good bundle, is reported and retried sooner
 * (../refresh/refresh-hint).
 */
import { pollByRefreshHint, type RefreshHintOptions } from "../refresh/refresh-hint.js";
import type { BundleFormat } from "./parse.js";
import { BundleState } from "./state.js";
import { BundleError, type BundleSource } from "./types.js";

export interface HttpsBundleOptions extends RefreshHintOptions {
  /** PEM CA certificate(s) pinned for the endpoint; default: Node's Web PKI roots. */
  ca?: string | Buffer;
  format?: BundleFormat;
  /** Request timeout. Default 10000. */
  timeoutMs?: number;
  /** Maximum body size. Default 4 MiB. */
  maxBytes?: number;
}

export function httpsBundle(url: string, opts: HttpsBundleOptions = {}): BundleSource {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:") {
    throw new BundleError("bundle_fetch_failed", "bundle endpoint must be an https: URL", url);
  }
  const state = new BundleState(parsed.href);
  const fetch = {
    ca: opts.ca,
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxBytes ?? 4 * 1024 * 1024,
    headers: { accept: "application/json" },
  };
  pollByRefreshHint(
    state,
    parsed,
    fetch,
    (body) => state.load(body.toString("utf8"), opts.format ?? "spiffe"),
    opts,
  );
  return state;
}
