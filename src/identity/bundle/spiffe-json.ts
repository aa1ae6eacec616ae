/**
 * SPIFFE bundle JSON (SPIFFE Trust Domain and Bundle §4): a JWK Set whose entries with
 * `use: "x509-svid"` carry exactly one CA certificate in `x5c`. Entries with another or no `use`
 * are ignored (JWT-SVID keys, future uses). `spiffe_sequence` and `spiffe_refresh_hint` are
 * optional top-level members. Parsing never throws.
 */
import { X509Certificate } from "node:crypto";
import { decodeBase64Strict } from "../pem.js";

export interface SpiffeBundle {
  /** DER of every X.509 authority, in document order. */
  x509Authorities: Buffer[];
  sequence?: number;
  /** Seconds. */
  refreshHint?: number;
}

export type SpiffeBundleErrorCode =
  | "bundle_json_invalid"
  | "bundle_json_not_object"
  | "bundle_json_keys_missing"
  | "bundle_json_bad_entry"
  | "bundle_json_bad_x5c"
  | "bundle_json_bad_certificate"
  | "bundle_json_bad_sequence"
  | "bundle_json_bad_refresh_hint"
  | "bundle_json_too_large";

export type SpiffeBundleResult =
  | { ok: true; bundle: SpiffeBundle }
  | { ok: false; code: SpiffeBundleErrorCode; message: string };

const MAX_BYTES = 4 * 1024 * 1024;

function fail(code: SpiffeBundleErrorCode, message: string): SpiffeBundleResult {
  return { ok: false, code, message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The optional top-level `spiffe_sequence` and `spiffe_refresh_hint` of a SPIFFE bundle document
 * (also read for WIT key sets): non-negative integers when present; only present members are set.
 */
export function spiffeVersion(
  doc: Record<string, unknown>,
):
  | { ok: true; version: { sequence?: number; refreshHint?: number } }
  | { ok: false; member: "sequence" | "refresh_hint"; message: string } {
  const version: { sequence?: number; refreshHint?: number } = {};
  const seq = doc.spiffe_sequence;
  if (seq !== undefined) {
    if (!isNonNegativeInteger(seq)) {
      return { ok: false, member: "sequence", message: "spiffe_sequence is not a non-negative integer" };
    }
    version.sequence = seq;
  }
  const hint = doc.spiffe_refresh_hint;
  if (hint !== undefined) {
    if (!isNonNegativeInteger(hint)) {
      return {
        ok: false,
        member: "refresh_hint",
        message: "spiffe_refresh_hint is not a non-negative integer",
      };
    }
    version.refreshHint = hint;
  }
  return { ok: true, version };
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

export function parseSpiffeBundle(text: string): SpiffeBundleResult {
  if (text.length > MAX_BYTES) return fail("bundle_json_too_large", `bundle larger than ${MAX_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail("bundle_json_invalid", "not valid JSON");
  }
  if (!isRecord(doc)) return fail("bundle_json_not_object", "bundle is not a JSON object");
  if (!Array.isArray(doc.keys)) return fail("bundle_json_keys_missing", '"keys" is not an array');
  const version = spiffeVersion(doc);
  if (!version.ok) return fail(`bundle_json_bad_${version.member}`, version.message);
  const bundle: SpiffeBundle = { x509Authorities: [], ...version.version };
  for (const [i, key] of doc.keys.entries()) {
    if (!isRecord(key)) return fail("bundle_json_bad_entry", `keys[${i}] is not an object`);
    if (key.use !== "x509-svid") continue;
    const x5c = key.x5c;
    if (!Array.isArray(x5c) || x5c.length !== 1 || typeof x5c[0] !== "string") {
      return fail("bundle_json_bad_x5c", `keys[${i}]: an x509-svid entry needs exactly one x5c certificate`);
    }
    const der = decodeBase64Strict(x5c[0]);
    if (!der) return fail("bundle_json_bad_x5c", `keys[${i}].x5c[0] is not base64`);
    try {
      new X509Certificate(der);
    } catch {
      return fail("bundle_json_bad_certificate", `keys[${i}].x5c[0] is not a certificate`);
    }
    bundle.x509Authorities.push(der);
  }
  return { ok: true, bundle };
}

/** Writes a SPIFFE bundle JSON document for the given CA certificates. */
export function formatSpiffeBundle(
  authorities: readonly Uint8Array[],
  opts: { sequence?: number; refreshHint?: number } = {},
): string {
  const keys = authorities.map((der) => {
    const jwk = new X509Certificate(Buffer.from(der)).publicKey.export({ format: "jwk" });
    return { use: "x509-svid", ...jwk, x5c: [Buffer.from(der).toString("base64")] };
  });
  const doc: Record<string, unknown> = { keys };
  if (opts.sequence !== undefined) doc.spiffe_sequence = opts.sequence;
  if (opts.refreshHint !== undefined) doc.spiffe_refresh_hint = opts.refreshHint;
  return `${JSON.stringify(doc, null, 2)}\n`;
}
