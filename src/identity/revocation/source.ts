/**
 * CRLs of one trust domain from files and HTTP(S) URLs. Every origin keeps its last good CRLs;
 * an update is accepted only when every CRL in it parses and is signed by a CA of the trust
 * domain (bundle or configured intermediate), and no CRL goes back in time (thisUpdate older than
 * the one it replaces). Files are watched; URLs are polled and always re-fetched before the
 * earliest nextUpdate. Changes are announced so that verified-chain caches are flushed.
 */
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { dirname } from "node:path";
import type { BundleSource } from "../bundle/types.js";
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

function fetchBytes(url: URL, opts: CrlSourceOptions): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  const origin = url.href;
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", ca: opts.ca, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new CrlError("crl_http_status", `HTTP status ${res.statusCode}`, origin));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy(new CrlError("crl_too_large", `body larger than ${maxBytes} bytes`, origin));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new CrlError("crl_fetch_failed", "request timed out", origin)));
    req.on("error", (e) =>
      reject(e instanceof CrlError ? e : new CrlError("crl_fetch_failed", e.message, origin)),
    );
    req.end();
  });
}

class CrlSourceImpl implements CrlSource {
  private readonly slots = new Map<string, ParsedCrl[]>();
  private set: CrlSet | undefined;
  private generation = 0;
  private closed = false;
  private readonly changeListeners = new Set<(s: CrlSet) => void>();
  private readonly errorListeners = new Set<(e: CrlError) => void>();
  private readonly closers: (() => void)[] = [];
  private readonly origins: string[];
  private readonly readyPromise: Promise<CrlSet>;
  private resolveReady: ((s: CrlSet) => void) | undefined;
  private rejectReady: ((e: CrlError) => void) | undefined;

  /** Reloaders of each origin, run again when the issuers change while an origin has no CRLs yet. */
  readonly reloaders = new Map<string, () => void>();

  constructor(private readonly opts: CrlSourceOptions) {
    this.origins = [...(opts.files ?? []), ...(opts.urls ?? [])];
    for (const issuer of opts.issuers) {
      const off = issuer.onChange(() => {
        for (const [origin, reload] of this.reloaders) if (!this.slots.has(origin)) reload();
      });
      this.closers.push(off);
    }
    this.readyPromise = new Promise((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.readyPromise.catch(() => undefined);
    if (this.origins.length === 0) this.publish();
  }

  current(): CrlSet | undefined {
    return this.set;
  }
  ready(): Promise<CrlSet> {
    return this.set ? Promise.resolve(this.set) : this.readyPromise;
  }
  onChange(listener: (s: CrlSet) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }
  onError(listener: (e: CrlError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }
  addCloser(fn: () => void): void {
    this.closers.push(fn);
  }
  isClosed(): boolean {
    return this.closed;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closers) fn();
    this.rejectReady?.(new CrlError("crl_closed", "source closed before loading"));
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
    if (this.closed) return;
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
      if (!same || !this.set) this.publish();
    } catch (e) {
      this.fail(e instanceof CrlError ? e : new CrlError("crl_malformed", String(e), origin));
    }
  }

  fail(error: CrlError): void {
    if (this.closed) return;
    if (!this.slots.has(error.origin)) {
      this.rejectReady?.(error);
      this.rejectReady = undefined;
      this.resolveReady = undefined;
    }
    for (const l of this.errorListeners) safe(() => l(error));
  }

  private publish(): void {
    if (this.origins.some((o) => !this.slots.has(o))) return;
    this.generation++;
    const set: CrlSet = Object.freeze({
      crls: Object.freeze(this.origins.flatMap((o) => this.slots.get(o) ?? [])),
      generation: this.generation,
    });
    this.set = set;
    this.resolveReady?.(set);
    this.resolveReady = undefined;
    this.rejectReady = undefined;
    for (const l of this.changeListeners) safe(() => l(set));
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // Listener failures never break the source.
  }
}

function watchFile(src: CrlSourceImpl, path: string, opts: CrlSourceOptions): void {
  let busy: Promise<void> | undefined;
  let again = false;
  const reload = async (): Promise<void> => {
    if (busy) {
      again = true;
      return busy;
    }
    busy = (async () => {
      do {
        again = false;
        try {
          await src.load(path, await readFile(path));
        } catch (e) {
          src.fail(new CrlError("crl_read_failed", (e as Error).message ?? String(e), path));
        }
      } while (again && !src.isClosed());
      busy = undefined;
    })();
    return busy;
  };
  src.reloaders.set(path, () => void reload());
  void reload();
  if (opts.watch === false) return;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload(), opts.debounceMs ?? 100);
      timer.unref();
    });
    watcher.on("error", () => undefined);
  } catch {
    // Unwatchable directory: the poll still reloads.
  }
  const pollMs = opts.pollMs ?? 60_000;
  const poll = pollMs > 0 ? setInterval(() => void reload(), pollMs) : undefined;
  poll?.unref();
  src.addCloser(() => {
    watcher?.close();
    if (timer) clearTimeout(timer);
    if (poll) clearInterval(poll);
  });
}

function pollUrl(src: CrlSourceImpl, href: string, opts: CrlSourceOptions): void {
  const url = new URL(href);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new CrlError("crl_fetch_failed", "CRL URL must be http: or https:", href);
  }
  let timer: NodeJS.Timeout | undefined;
  const minMs = opts.minRefreshMs ?? 1000;
  const next = (failed: boolean) => {
    if (src.isClosed()) return;
    let ms = opts.refreshMs ?? 3_600_000;
    const nu = src.earliestNextUpdate(href);
    if (nu !== undefined) {
      // Fetch ahead of nextUpdate; once inside the margin (the server has nothing newer yet), retry
      // at the retry pace instead of hammering the endpoint.
      const due = nu - Date.now() - (opts.refreshBeforeNextUpdateMs ?? 300_000);
      ms = Math.min(ms, due > 0 ? due : (opts.retryMs ?? 30_000));
    }
    if (failed) ms = Math.min(ms, opts.retryMs ?? 30_000);
    timer = setTimeout(() => void tick(), Math.max(minMs, ms));
    timer.unref();
  };
  const tick = async () => {
    let failed = false;
    try {
      await src.load(href, await fetchBytes(url, opts));
    } catch (e) {
      failed = true;
      src.fail(e instanceof CrlError ? e : new CrlError("crl_fetch_failed", String(e), href));
    }
    next(failed || src.current() === undefined);
  };
  src.reloaders.set(href, () => {
    if (timer) clearTimeout(timer);
    void tick();
  });
  void tick();
  src.addCloser(() => {
    if (timer) clearTimeout(timer);
  });
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
