/**
 * WIT key sources: static text, a watched file, or an HTTPS URL refreshed every spiffe_refresh_hint
 * seconds (default 300) — the same shared machinery as X.509 bundles (../../refresh). A failed or
 * invalid update keeps the last good key set and is reported through onError; a lower
 * spiffe_sequence is a rollback and is refused; unchanged keys are not announced.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { pollByRefreshHint, type RefreshHintOptions } from "../../refresh/refresh-hint.js";
import { VersionedSource } from "../../refresh/versioned.js";
import { watchFile } from "../../refresh/watch-file.js";
import type { WitKeySourceSpec } from "../config.js";
import { MAX_KEY_SET_BYTES, parseWitKeys, type WitKeyContent, type WitKeyFormat } from "./parse.js";
import { WitKeyError, type WitKeyErrorCode, type WitKeySet, type WitKeySource } from "./types.js";

const ERROR_CODES = {
  closed: "witkeys_closed",
  sequence_rollback: "witkeys_sequence_rollback",
  status: "witkeys_http_status",
  too_large: "witkeys_too_large",
  failed: "witkeys_fetch_failed",
} as const satisfies Record<string, WitKeyErrorCode>;

/** State of one WIT key source: the shared versioned-source machine with the key set's rules. */
export class WitKeyState
  extends VersionedSource<WitKeyContent, WitKeySet, WitKeyError>
  implements WitKeySource
{
  constructor(origin: string) {
    super(origin, {
      fingerprint(c) {
        const h = createHash("sha256");
        for (const kid of [...c.keys.keys()].sort()) {
          const k = c.keys.get(kid)!;
          h.update(`${kid.length}:${kid}|${k.alg ?? ""}|`);
          h.update(k.key.export({ type: "spki", format: "der" }));
        }
        return h.digest("hex");
      },
      snapshot: (c, generation) =>
        Object.freeze({
          keys: new Map(c.keys),
          sequence: c.sequence,
          refreshHint: c.refreshHint,
          generation,
        }),
      error: (kind, message) => new WitKeyError(ERROR_CODES[kind], message, origin),
    });
  }

  /** Parses and accepts a document, or reports why not (the last good set stays). True if in force. */
  load(text: string, format: WitKeyFormat): boolean {
    const r = parseWitKeys(text, format);
    if (!r.ok) {
      this.reject(new WitKeyError(r.code, r.message, this.origin));
      return false;
    }
    return this.accept(r.content);
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

export interface HttpsWitKeysOptions extends RefreshHintOptions {
  ca?: string | Buffer;
  timeoutMs?: number;
}

/** A key set fetched from an https: URL and refreshed (../../refresh/refresh-hint). Throws WitKeyError for another scheme. */
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
  const fetch = {
    ca: opts.ca,
    timeoutMs: opts.timeoutMs,
    maxBytes: MAX_KEY_SET_BYTES,
    headers: { accept: "application/json" },
  };
  pollByRefreshHint(state, parsed, fetch, (body) => state.load(body.toString("utf8"), format), opts);
  return state;
}

/** Builds the source a configuration entry describes. */
export function witKeySourceFromSpec(spec: WitKeySourceSpec): WitKeySource {
  if (spec.file !== undefined) return fileWitKeys(spec.file, spec.format, { watch: spec.watch });
  return httpsWitKeys(spec.url as string, spec.format, { ca: spec.ca, refreshMs: spec.refreshMs });
}
