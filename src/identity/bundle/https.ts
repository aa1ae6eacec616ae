/**
 * A bundle fetched from an HTTPS URL, SPIFFE bundle endpoint style (SPIFFE Trust Domain and Bundle
 * §5): the server is authenticated with the Web PKI or with a pinned CA; the body is SPIFFE bundle
 * JSON (or PEM); the bundle is re-fetched every spiffe_refresh_hint seconds (default 300). A failed
 * fetch or an invalid body keeps the last good bundle, is reported and retried sooner.
 */
import { request } from "node:https";
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

function fetchText(url: URL, opts: HttpsBundleOptions): Promise<string> {
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const origin = url.href;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        ca: opts.ca,
        timeout: opts.timeoutMs ?? 10_000,
        headers: { accept: "application/json" },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new BundleError("bundle_http_status", `HTTP status ${res.statusCode}`, origin));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new BundleError("bundle_too_large", `body larger than ${maxBytes} bytes`, origin));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        res.on("error", (e) => reject(e));
      },
    );
    req.on("timeout", () => req.destroy(new BundleError("bundle_fetch_failed", "request timed out", origin)));
    req.on("error", (e) =>
      reject(e instanceof BundleError ? e : new BundleError("bundle_fetch_failed", e.message, origin)),
    );
    req.end();
  });
}

export function httpsBundle(url: string, opts: HttpsBundleOptions = {}): BundleSource {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:") {
    throw new BundleError("bundle_fetch_failed", "bundle endpoint must be an https: URL", url);
  }
  const state = new BundleState(parsed.href);
  const minMs = opts.minRefreshMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;

  const schedule = (ms: number) => {
    if (state.isClosed()) return;
    timer = setTimeout(() => void tick(), Math.max(minMs, ms));
    timer.unref();
  };

  const refreshMs = () => {
    if (opts.refreshMs !== undefined) return opts.refreshMs;
    const hint = state.current()?.refreshHint;
    return hint !== undefined ? hint * 1000 : (opts.defaultRefreshMs ?? 300_000);
  };

  const tick = async () => {
    try {
      const text = await fetchText(parsed, opts);
      state.accept(parseBundleContent(text, opts.format ?? "spiffe", parsed.href));
      schedule(refreshMs());
    } catch (e) {
      state.reject(
        e instanceof BundleError ? e : new BundleError("bundle_fetch_failed", String(e), parsed.href),
      );
      schedule(Math.min(refreshMs(), opts.retryMs ?? 30_000));
    }
  };

  void tick();
  state.addCloser(() => {
    if (timer) clearTimeout(timer);
  });
  return state;
}
