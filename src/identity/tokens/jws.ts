/**
 * What WIT and WPT verification share: compact-JWS shape limits, unverified decoding (only to pick
 * the key and reject early; every claim used afterwards comes from the verified payload), the `typ`
 * rule, the algorithm denylist, hashing and the failure value.
 */
import { createHash } from "node:crypto";
import { decodeProtectedHeader } from "jose";
import type { TokenFailure } from "./types.js";

/** Larger tokens are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Status 400 for every credential problem; 503 only when a dependency (the replay store) fails. */
export function failure(code: string, check: string, message: string, status = 400): TokenFailure {
  return { ok: false, code, check, message, status };
}

/** base64url(SHA-256(ASCII(value))): wth, ath, tth, oth. */
export function tokenHash(value: string): string {
  return createHash("sha256").update(value, "ascii").digest("base64url");
}

/**
 * True when `part` is canonical unpadded base64url: a length that is not 1 mod 4 and zero unused
 * bits in the last character. Lenient decoders map several texts to the same bytes; refusing the
 * others keeps one token text per token (wth, cache and replay keys stay meaningful).
 */
function canonicalBase64url(part: string): boolean {
  const rest = part.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = part.charCodeAt(part.length - 1);
  const value = B64URL.indexOf(String.fromCharCode(last));
  return (value & (rest === 2 ? 0x0f : 0x03)) === 0;
}
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Structural check of a header value that must hold exactly one compact JWS. */
export function compactShape(value: string): "ok" | "multiple" | "malformed" {
  // Envoy joins repeated headers with ","; a compact JWS never contains one.
  if (value.includes(",")) return "multiple";
  if (value.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(value)) return "malformed";
  if (!value.split(".").every(canonicalBase64url)) return "malformed";
  return "ok";
}

/**
 * `typ` per RFC 7515 §4.1.9: media type names are case-insensitive, and a value without "/" means
 * "application/" + value. So "wit+jwt", "WIT+JWT" and "application/wit+jwt" are the same type;
 * anything else (including parameters) is not.
 */
export function typIs(typ: unknown, expected: string): boolean {
  if (typeof typ !== "string") return false;
  const t = typ.toLowerCase();
  return t === expected || t === `application/${expected}`;
}

/** `none`, MAC algorithms and anything that is not a string are never acceptable. */
export function forbiddenAlg(alg: unknown): boolean {
  return typeof alg !== "string" || alg.toLowerCase() === "none" || /^HS\d*$/i.test(alg);
}

export type Header = Record<string, unknown>;

export function decodeHeader(compact: string): Header | undefined {
  try {
    return decodeProtectedHeader(compact) as Header;
  } catch {
    return undefined;
  }
}

/** Unverified claims: a JSON object or undefined. */
export function decodeClaims(compact: string): Record<string, unknown> | undefined {
  const part = compact.split(".")[1] ?? "";
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a verified payload (bytes) into a claims object. */
export function parseClaims(payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A value from a token, safe to put in a message: printable ASCII, quoted, at most 32 characters. */
export function shown(v: unknown): string {
  const text = String(v).replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(text.length > 32 ? `${text.slice(0, 32)}...` : text);
}

/** A JWT NumericDate: a finite number (RFC 7519 §2). */
export function isNumericDate(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
