/**
 * A bundle fetched from an HTTPS URL, SPIFFE bundle endpoint style (SPIFFE Trust Domain and Bundle
 * §5): the server is authenticated with the Web PKI or with a pinned CA; the body is SPIFFE bundle
 * JSON (or PEM); the bundle is re-fetched every spiffe_refresh_hint seconds (default 300). A failed
 * fetch or an invalid body keeps the last good bundle, is reported and retried sooner.
 */
import { FetchError, fetchBody } from "../refresh/fetch.js";
import { poll } from "../refresh/poll.js";
import { type BundleFormat, parseBundleContent } from "./parse.js";
import { BundleState } from "./state.js";
import { BundleError, type BundleSource } from "./types.js";

export interface HttpsBundleOptions {
  /** PEM CA certificate(s) pinned for the endpoint; default: Node's Web PKI roots. */
  ca?: string | Buffer;
  format?: BundleFormat;
  /** Fixed refresh interval in ms, overriding spiffe_refresh_hint. */
  refreshMs?: number;
  /** Refresh when the bundle gives no hint. Default 300000 (5 minutes). */
  defaultRefreshMs?: number;
  /** Lower bound of the refresh interval. Default 1000. */
  minRefreshMs?: number;
  /** Retry interval after a failure (capped by the refresh interval). Default 30000. */
  retryMs?: number;
  /** Request timeout. Default 10000. */
  timeoutMs?: number;
  /** Maximum body size. Default 4 MiB. */
  maxBytes?: number;
}

const FETCH_ERROR_CODES = {
  status: "bundle_http_status",
  too_large: "bundle_too_large",
  failed: "bundle_fetch_failed",
} as const;

async function fetchText(url: URL, opts: HttpsBundleOptions): Promise<string> {
  try {
    const body = await fetchBody(url, {
      ca: opts.ca,
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes ?? 4 * 1024 * 1024,
      headers: { accept: "application/json" },
    });
    return body.toString("utf8");
  } catch (e) {
    if (e instanceof FetchError) throw new BundleError(FETCH_ERROR_CODES[e.kind], e.message, url.href);
    throw e;
  }
}

export function httpsBundle(url: string, opts: HttpsBundleOptions = {}): BundleSource {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:") {
    throw new BundleError("bundle_fetch_failed", "bundle endpoint must be an https: URL", url);
  }
  const state = new BundleState(parsed.href);
  const refreshMs = () => {
    if (opts.refreshMs !== undefined) return opts.refreshMs;
    const hint = state.current()?.refreshHint;
    return hint !== undefined ? hint * 1000 : (opts.defaultRefreshMs ?? 300_000);
  };

  const tick = async (): Promise<number> => {
    try {
      const text = await fetchText(parsed, opts);
      state.accept(parseBundleContent(text, opts.format ?? "spiffe", parsed.href));
      return refreshMs();
    } catch (e) {
      state.reject(
        e instanceof BundleError ? e : new BundleError("bundle_fetch_failed", String(e), parsed.href),
      );
      return Math.min(refreshMs(), opts.retryMs ?? 30_000);
    }
  };

  poll(tick, state, opts.minRefreshMs ?? 1000);
  return state;
}
