/**
 * WIT key sources: static text, a watched file, or an HTTPS URL refreshed every spiffe_refresh_hint
 * seconds (default 300) — the same shared machinery as X.509 bundles (../../refresh). A failed or
 * invalid update keeps the last good key set and is reported through onError; a lower
 * spiffe_sequence is a rollback and is refused; unchanged keys are not announced.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { FetchError, fetchBody } from "../../refresh/fetch.js";
import { poll } from "../../refresh/poll.js";
import { SourceState } from "../../refresh/state.js";
import { watchFile } from "../../refresh/watch-file.js";
import type { WitKeySourceSpec } from "../config.js";
import { MAX_KEY_SET_BYTES, parseWitKeys, type WitKeyContent, type WitKeyFormat } from "./parse.js";
import { WitKeyError, type WitKeySet, type WitKeySource } from "./types.js";

function fingerprint(c: WitKeyContent): string {
  const h = createHash("sha256");
  for (const kid of [...c.keys.keys()].sort()) {
    const k = c.keys.get(kid)!;
    h.update(`${kid.length}:${kid}|${k.alg ?? ""}|`);
    h.update(k.key.export({ type: "spki", format: "der" }));
  }
  return h.digest("hex");
}

/** State of one WIT key source. */
export class WitKeyState implements WitKeySource {
  private readonly state: SourceState<WitKeySet, WitKeyError>;
  private lastFingerprint = "";
  private generation = 0;

  constructor(readonly origin: string) {
    this.state = new SourceState(
      () => new WitKeyError("witkeys_closed", "source closed before loading", origin),
    );
  }

  current(): WitKeySet | undefined {
    return this.state.current();
  }
  ready(): Promise<WitKeySet> {
    return this.state.ready();
  }
  onChange(listener: (s: WitKeySet) => void): () => void {
    return this.state.onChange(listener);
  }
  onError(listener: (e: WitKeyError) => void): () => void {
    return this.state.onError(listener);
  }
  addCloser(fn: () => void): void {
    this.state.addCloser(fn);
  }
  isClosed(): boolean {
    return this.state.isClosed();
  }
  close(): void {
    this.state.close();
  }

  /** Parses and accepts a document, or reports why not (the last good set stays). True if accepted. */
  load(text: string, format: WitKeyFormat): boolean {
    const r = parseWitKeys(text, format);
    if (!r.ok) {
      this.reject(new WitKeyError(r.code, r.message, this.origin));
      return false;
    }
    return this.accept(r.content);
  }

  /** True when the content is in force afterwards (new or unchanged). */
  accept(content: WitKeyContent): boolean {
    if (this.state.isClosed()) return false;
    const current = this.state.current();
    if (
      current?.sequence !== undefined &&
      content.sequence !== undefined &&
      content.sequence < current.sequence
    ) {
      this.reject(
        new WitKeyError(
          "witkeys_sequence_rollback",
          `spiffe_sequence ${content.sequence} is lower than the current ${current.sequence}`,
          this.origin,
        ),
      );
      return false;
    }
    const fp = fingerprint(content);
    if (current && fp === this.lastFingerprint) {
      if (content.refreshHint !== current.refreshHint || content.sequence !== current.sequence) {
        this.state.replaceQuietly({
          ...current,
          refreshHint: content.refreshHint,
          sequence: content.sequence,
        });
      }
      return true;
    }
    this.lastFingerprint = fp;
    this.generation++;
    this.state.publish(
      Object.freeze({
        keys: new Map(content.keys),
        sequence: content.sequence,
        refreshHint: content.refreshHint,
        generation: this.generation,
      }),
    );
    return true;
  }

  reject(error: WitKeyError): void {
    this.state.fail(error);
  }
}

/** A key set given in memory (tests, embedding). */
export function staticWitKeys(text: string, format: WitKeyFormat, origin = "static"): WitKeySource {
  const state = new WitKeyState(origin);
  state.load(text, format);
  return state;
}

export interface FileWitKeysOptions {
  watch?: boolean;
  debounceMs?: number;
  pollMs?: number;
}

/** A key set read from a file and re-read when it changes. */
export function fileWitKeys(path: string, format: WitKeyFormat, opts: FileWitKeysOptions = {}): WitKeySource {
  const state = new WitKeyState(path);
  const load = async (): Promise<void> => {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      state.reject(new WitKeyError("witkeys_read_failed", (e as Error).message ?? String(e), path));
      return;
    }
    if (buf.length > MAX_KEY_SET_BYTES) {
      state.reject(new WitKeyError("witkeys_too_large", `larger than ${MAX_KEY_SET_BYTES} bytes`, path));
      return;
    }
    state.load(buf.toString("utf8"), format);
  };
  watchFile(path, load, state, opts);
  return state;
}

export interface HttpsWitKeysOptions {
  ca?: string | Buffer;
  /** Fixed refresh interval, ms (overrides spiffe_refresh_hint). */
  refreshMs?: number;
  /** Default 300000. */
  defaultRefreshMs?: number;
  /** Default 1000. */
  minRefreshMs?: number;
  /** Default 30000. */
  retryMs?: number;
  timeoutMs?: number;
}

const FETCH_ERROR_CODES = {
  status: "witkeys_http_status",
  too_large: "witkeys_too_large",
  failed: "witkeys_fetch_failed",
} as const;

/** A key set fetched from an https: URL and refreshed. Throws WitKeyError for another scheme. */
export function httpsWitKeys(
  url: string,
  format: WitKeyFormat,
  opts: HttpsWitKeysOptions = {},
): WitKeySource {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:") {
    throw new WitKeyError("witkeys_fetch_failed", "a WIT key URL must be https:", url);
  }
  const state = new WitKeyState(parsed.href);
  const refreshMs = () => {
    if (opts.refreshMs !== undefined) return opts.refreshMs;
    const hint = state.current()?.refreshHint;
    return hint !== undefined ? hint * 1000 : (opts.defaultRefreshMs ?? 300_000);
  };
  const tick = async (): Promise<number> => {
    try {
      const body = await fetchBody(parsed, {
        ca: opts.ca,
        timeoutMs: opts.timeoutMs,
        maxBytes: MAX_KEY_SET_BYTES,
        headers: { accept: "application/json" },
      });
      if (state.load(body.toString("utf8"), format)) return refreshMs();
      return Math.min(refreshMs(), opts.retryMs ?? 30_000);
    } catch (e) {
      state.reject(
        e instanceof FetchError
          ? new WitKeyError(FETCH_ERROR_CODES[e.kind], e.message, parsed.href)
          : new WitKeyError("witkeys_fetch_failed", String(e), parsed.href),
      );
      return Math.min(refreshMs(), opts.retryMs ?? 30_000);
    }
  };
  poll(tick, state, opts.minRefreshMs ?? 1000);
  return state;
}

/** Builds the source a configuration entry describes. */
export function witKeySourceFromSpec(spec: WitKeySourceSpec): WitKeySource {
  if (spec.file !== undefined) return fileWitKeys(spec.file, spec.format, { watch: spec.watch });
  return httpsWitKeys(spec.url as string, spec.format, { ca: spec.ca, refreshMs: spec.refreshMs });
}
