/**
 * CRLs of one trust domain from files and HTTP(S) URLs. Every origin keeps its last good CRLs;
 * an update is accepted only when every CRL in it parses and is signed by a CA of the trust
 * domain (bundle or configured intermediate), and no CRL goes back in time (thisUpdate older than
 * the one it replaces). Files are watched; URLs are polled and always re-fetched before the
 * earliest nextUpdate. Changes are announced so that verified-chain caches are flushed.
 */
import { readFile } from "node:fs/promises";
import type { BundleSource } from "../bundle/types.js";
import { fetchBodyOr } from "../refresh/fetch.js";
import { poll } from "../refresh/poll.js";
import { SourceBase } from "../refresh/source.js";
import { watchFile as watchAndLoad } from "../refresh/watch-file.js";
import { type ParsedCert, type ParsedCrl, tryParseDer } from "../x509/index.js";
import { acceptCrls, crlBlobs } from "./accept.js";
import { CrlError, type CrlSet, type CrlSource } from "./types.js";

export interface CrlSourceOptions {
  files?: string[];
  urls?: string[];
  /** The trust domain's CA certificates that may sign CRLs: its bundle and intermediates. */
  issuers: BundleSource[];
  /** Poll interval for URLs, ms (default 3600000); a fetch also happens before nextUpdate. */
  refreshMs?: number;
  /** Re-fetch this long before the earliest nextUpdate, ms (default 300000). */
  refreshBeforeNextUpdateMs?: number;
  retryMs?: number;
  minRefreshMs?: number;
  /** Pinned CA (PEM) for https: URLs. */
  ca?: string | Buffer;
  timeoutMs?: number;
  maxBytes?: number;
  watch?: boolean;
  debounceMs?: number;
  pollMs?: number;
}

const FETCH_ERROR_CODES = {
  status: "crl_http_status",
  too_large: "crl_too_large",
  failed: "crl_fetch_failed",
} as const;

function fetchBytes(url: URL, opts: CrlSourceOptions): Promise<Buffer> {
  const fetch = { ca: opts.ca, timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes ?? 16 * 1024 * 1024 };
  return fetchBodyOr(url, fetch, (kind, message) => new CrlError(FETCH_ERROR_CODES[kind], message, url.href));
}

class CrlSourceImpl extends SourceBase<CrlSet, CrlError> implements CrlSource {
  private readonly slots = new Map<string, ParsedCrl[]>();
  private generation = 0;
  private readonly origins: string[];

  /** Reloaders of each origin, run again when the issuers change while an origin has no CRLs yet. */
  readonly reloaders = new Map<string, () => void>();

  constructor(private readonly opts: CrlSourceOptions) {
    super(() => new CrlError("crl_closed", "source closed before loading"));
    this.origins = [...(opts.files ?? []), ...(opts.urls ?? [])];
    for (const issuer of opts.issuers) {
      const off = issuer.onChange(() => {
        for (const [origin, reload] of this.reloaders) if (!this.slots.has(origin)) reload();
      });
      this.state.addCloser(off);
    }
    if (this.origins.length === 0) this.publish();
  }

  /** Earliest nextUpdate over the CRLs of one origin. */
  earliestNextUpdate(origin: string): number | undefined {
    const times = (this.slots.get(origin) ?? []).flatMap((c) =>
      c.nextUpdate ? [c.nextUpdate.getTime()] : [],
    );
    return times.length ? Math.min(...times) : undefined;
  }

  private async issuers(): Promise<ParsedCert[]> {
    const out: ParsedCert[] = [];
    for (const src of this.opts.issuers) {
      let b = src.current();
      if (!b) {
        try {
          b = await src.ready();
        } catch {
          continue;
        }
      }
      for (const der of b.authorities) {
        const r = tryParseDer(der);
        if (r.ok) out.push(r.cert);
      }
    }
    return out;
  }

  async load(origin: string, content: Buffer): Promise<void> {
    if (this.state.isClosed()) return;
    try {
      const crls = await acceptCrls(crlBlobs(content, origin), await this.issuers(), origin);
      const previous = this.slots.get(origin) ?? [];
      for (const crl of crls) {
        const old = previous.find(
          (p) => Buffer.compare(Buffer.from(p.issuer.raw), Buffer.from(crl.issuer.raw)) === 0,
        );
        if (old && crl.thisUpdate.getTime() < old.thisUpdate.getTime()) {
          throw new CrlError(
            "crl_rollback",
            `CRL of ${crl.issuer.text} is older than the one in force`,
            origin,
          );
        }
      }
      const same =
        previous.length === crls.length &&
        previous.every((p, i) => p.sha256 === (crls[i] as ParsedCrl).sha256);
      this.slots.set(origin, crls);
      if (!same || !this.state.current()) this.publish();
    } catch (e) {
      this.fail(e instanceof CrlError ? e : new CrlError("crl_malformed", String(e), origin));
    }
  }

  fail(error: CrlError): void {
    // ready() fails only for an origin that never loaded; the others keep their last good CRLs.
    this.state.fail(error, !this.slots.has(error.origin));
  }

  private publish(): void {
    if (this.origins.some((o) => !this.slots.has(o))) return;
    this.generation++;
    this.state.publish(
      Object.freeze({
        crls: Object.freeze(this.origins.flatMap((o) => this.slots.get(o) ?? [])),
        generation: this.generation,
      }),
    );
  }
}

function watchFile(src: CrlSourceImpl, path: string, opts: CrlSourceOptions): void {
  const load = async (): Promise<void> => {
    try {
      await src.load(path, await readFile(path));
    } catch (e) {
      src.fail(new CrlError("crl_read_failed", (e as Error).message ?? String(e), path));
    }
  };
  const reload = watchAndLoad(path, load, src, opts);
  src.reloaders.set(path, () => void reload());
}

function pollUrl(src: CrlSourceImpl, href: string, opts: CrlSourceOptions): void {
  const url = new URL(href);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new CrlError("crl_fetch_failed", "CRL URL must be http: or https:", href);
  }
  const retryMs = opts.retryMs ?? 30_000;
  const tick = async (): Promise<number> => {
    let failed = false;
    try {
      await src.load(href, await fetchBytes(url, opts));
    } catch (e) {
      failed = true;
      src.fail(e instanceof CrlError ? e : new CrlError("crl_fetch_failed", String(e), href));
    }
    let ms = opts.refreshMs ?? 3_600_000;
    const nu = src.earliestNextUpdate(href);
    if (nu !== undefined) {
      // Fetch ahead of nextUpdate; once inside the margin (the server has nothing newer yet), retry
      // at the retry pace instead of hammering the endpoint.
      const due = nu - Date.now() - (opts.refreshBeforeNextUpdateMs ?? 300_000);
      ms = Math.min(ms, due > 0 ? due : retryMs);
    }
    if (failed || src.current() === undefined) ms = Math.min(ms, retryMs);
    return ms;
  };
  src.reloaders.set(href, poll(tick, src, opts.minRefreshMs ?? 1000));
}

/** CRLs of one trust domain from files and/or URLs. Throws CrlError for a non-http(s) URL. */
export function crlSource(opts: CrlSourceOptions): CrlSource {
  const src = new CrlSourceImpl(opts);
  for (const f of opts.files ?? []) watchFile(src, f, opts);
  for (const u of opts.urls ?? []) pollUrl(src, u, opts);
  return src;
}

/** CRLs given in memory (tests, embedding); signature-checked like the others. */
export async function staticCrls(
  content: Buffer | string,
  issuers: BundleSource[],
  origin = "static",
): Promise<CrlSource> {
  const src = new CrlSourceImpl({ issuers, files: [origin], watch: false });
  await src.load(origin, typeof content === "string" ? Buffer.from(content) : content);
  return src;
}
