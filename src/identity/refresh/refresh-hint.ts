/**
 * Polling of a versioned document at an https: URL (SPIFFE bundle endpoint style, SPIFFE Trust
 * Domain and Bundle §5): fetched now, then every spiffe_refresh_hint seconds of the value in force
 * (or a fixed interval, or a default). A failed fetch or a refused body keeps the last good value,
 * is reported through the source and retried sooner.
 */
import { type FetchOptions, fetchBodyOr } from "./fetch.js";
import { poll } from "./poll.js";
import type { Versioned, VersionedSource, VersionedValue } from "./versioned.js";

export interface RefreshHintOptions {
  /** Fixed refresh interval, ms, overriding spiffe_refresh_hint. */
  refreshMs?: number;
  /** Refresh when the document gives no hint. Default 300000 (5 minutes). */
  defaultRefreshMs?: number;
  /** Lower bound of the refresh interval. Default 1000. */
  minRefreshMs?: number;
  /** Retry interval after a failure (capped by the refresh interval). Default 30000. */
  retryMs?: number;
}

/** Starts polling `url` for `source`. `load` parses and accepts (or reports) one body: true when in force. */
export function pollByRefreshHint<C extends Versioned, T extends VersionedValue, E extends Error>(
  source: VersionedSource<C, T, E>,
  url: URL,
  fetch: FetchOptions,
  load: (body: Buffer) => boolean,
  opts: RefreshHintOptions,
): void {
  const refreshMs = () => {
    if (opts.refreshMs !== undefined) return opts.refreshMs;
    const hint = source.current()?.refreshHint;
    return hint !== undefined ? hint * 1000 : (opts.defaultRefreshMs ?? 300_000);
  };
  const retryMs = () => Math.min(refreshMs(), opts.retryMs ?? 30_000);
  const tick = async (): Promise<number> => {
    let body: Buffer;
    try {
      body = await fetchBodyOr(url, fetch, (kind, message) => source.errorOf(kind, message));
    } catch (e) {
      source.reject(e as E);
      return retryMs();
    }
    return load(body) ? refreshMs() : retryMs();
  };
  poll(tick, source, opts.minRefreshMs ?? 1000);
}
