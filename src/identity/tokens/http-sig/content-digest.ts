/**
 * Content-Digest (RFC 9530 §2): a Dictionary of hash algorithm -> Byte Sequence of the digest of
 * the message content. Only the algorithms the registry marks "Active" are checked: sha-256 and
 * sha-512 (RFC 9530 §7.2). Deprecated ones (md5, sha, unixsum, unixcksum, adler, crc32c) and
 * unknown keys are ignored, so a field carrying nothing else is refused: it cannot be checked.
 * Every active digest present must match (a sender has no reason to send a wrong one).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { parseDictionary, type SfDictionary, serializeDictionary, sf } from "./structured-fields.js";

export const DIGEST_ALGORITHMS = { "sha-256": "sha256", "sha-512": "sha512" } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export type DigestCheck =
  | { readonly ok: true; readonly algorithms: readonly DigestAlgorithm[] }
  | {
      readonly ok: false;
      readonly reason: "malformed" | "unsupported" | "mismatch";
      readonly detail: string;
    };

function isDigestAlgorithm(key: string): key is DigestAlgorithm {
  return Object.hasOwn(DIGEST_ALGORITHMS, key);
}

export function digest(algorithm: DigestAlgorithm, body: Uint8Array): Buffer {
  return createHash(DIGEST_ALGORITHMS[algorithm]).update(body).digest();
}

/** Checks a Content-Digest field value against the content bytes. Never throws. */
export function checkContentDigest(fieldValue: string, body: Uint8Array): DigestCheck {
  const parsed = parseDictionary(fieldValue);
  if (!parsed.ok) return { ok: false, reason: "malformed", detail: parsed.error };
  const checked: DigestAlgorithm[] = [];
  for (const [key, member] of parsed.value) {
    if (!isDigestAlgorithm(key)) continue;
    if (member.kind !== "item" || member.value.type !== "bytes") {
      return { ok: false, reason: "malformed", detail: `${key} is not a byte sequence` };
    }
    const expected = digest(key, body);
    const got = Buffer.from(member.value.value);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      return { ok: false, reason: "mismatch", detail: `${key} does not match the content` };
    }
    checked.push(key);
  }
  if (checked.length === 0) {
    return { ok: false, reason: "unsupported", detail: "no sha-256 or sha-512 digest to check" };
  }
  return { ok: true, algorithms: checked };
}

/** Serializes a Content-Digest field value for the content (signer side). */
export function contentDigestField(
  body: Uint8Array,
  algorithms: readonly DigestAlgorithm[] = ["sha-256"],
): string {
  const dict: SfDictionary = new Map(algorithms.map((a) => [a, sf.item(sf.bytes(digest(a, body)))] as const));
  return serializeDictionary(dict);
}
