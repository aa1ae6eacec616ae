/**
 * WIT key set documents: a JWK Set (RFC 7517 §5) or SPIFFE bundle JSON (SPIFFE Trust Domain and
 * Bundle §4). Selected entries — JWKS: `use` absent or "sig"; SPIFFE: `use` "jwt-svid" (the trust
 * domain's JWT authorities) or "wit" — must each be a valid public key with a unique `kid` and, when
 * `alg` is given, an algorithm that fits the key; one bad selected entry rejects the whole document
 * (the last good key set stays in force). Other entries (x509-svid, enc, unknown) are ignored.
 * Never throws.
 */
import { spiffeVersion } from "../../bundle/spiffe-json.js";
import { SUPPORTED_ALGORITHMS } from "../config.js";
import { algKeyMismatch, importPublicJwk } from "../jwk.js";
import type { WitKey, WitKeyErrorCode } from "./types.js";

export type WitKeyFormat = "jwks" | "spiffe";

export interface WitKeyContent {
  keys: Map<string, WitKey>;
  sequence?: number;
  refreshHint?: number;
}

export type WitKeyParseResult =
  | { ok: true; content: WitKeyContent }
  | { ok: false; code: WitKeyErrorCode; message: string };

export const MAX_KEY_SET_BYTES = 4 * 1024 * 1024;
const MAX_KEYS = 1024;

function fail(code: WitKeyErrorCode, message: string): WitKeyParseResult {
  return { ok: false, code, message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function selected(format: WitKeyFormat, use: unknown): boolean {
  return format === "jwks" ? use === undefined || use === "sig" : use === "jwt-svid" || use === "wit";
}

export function parseWitKeys(text: string, format: WitKeyFormat): WitKeyParseResult {
  if (text.length > MAX_KEY_SET_BYTES)
    return fail("witkeys_too_large", `larger than ${MAX_KEY_SET_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail("witkeys_invalid_json", "not valid JSON");
  }
  if (!isRecord(doc) || !Array.isArray(doc.keys)) {
    return fail("witkeys_not_a_key_set", 'expected a JSON object with a "keys" array');
  }
  if (doc.keys.length > MAX_KEYS) return fail("witkeys_too_large", `more than ${MAX_KEYS} keys`);
  const content: WitKeyContent = { keys: new Map() };
  if (format === "spiffe") {
    const version = spiffeVersion(doc);
    if (!version.ok) return fail(`witkeys_bad_${version.member}`, version.message);
    Object.assign(content, version.version);
  }
  for (const [i, entry] of doc.keys.entries()) {
    if (!isRecord(entry)) return fail("witkeys_bad_entry", `keys[${i}] is not an object`);
    if (!selected(format, entry.use)) continue;
    const kid = entry.kid;
    if (typeof kid !== "string" || kid.length === 0 || kid.length > 256) {
      return fail("witkeys_bad_entry", `keys[${i}] has no usable kid`);
    }
    const imported = importPublicJwk(entry);
    if (!imported.ok) {
      return fail(
        imported.reason === "private" ? "witkeys_private_key" : "witkeys_bad_entry",
        `keys[${i}]: ${imported.message}`,
      );
    }
    const alg = entry.alg;
    if (alg !== undefined) {
      if (typeof alg !== "string" || !(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
        return fail("witkeys_bad_entry", `keys[${i}]: unsupported alg ${JSON.stringify(alg)}`);
      }
      const mismatch = algKeyMismatch(alg, imported.jwk);
      if (mismatch) return fail("witkeys_bad_entry", `keys[${i}]: ${mismatch}`);
    }
    if (content.keys.has(kid))
      return fail("witkeys_duplicate_kid", `keys[${i}]: kid ${JSON.stringify(kid)} repeats`);
    content.keys.set(kid, { kid, alg: alg as string | undefined, ...imported.jwk });
  }
  return { ok: true, content };
}
