/**
 * providers.aws.sign_req(request, aws_config, time_ns): the request object with AWS Signature
 * Version 4 headers added (AWS's "Create a signed AWS API request": canonical request, string to
 * sign, HMAC-SHA256 key derivation, Authorization header). Nothing is sent.
 *
 * request: {method, url} strings, optional headers (object of strings), optional raw_body
 * (string, signed as is) or body (any value, signed as its JSON text). aws_config:
 * aws_access_key, aws_secret_access_key, aws_service, aws_region strings, optional
 * aws_session_token (sent and signed as x-amz-security-token) and disable_payload_signing
 * (boolean: the payload hash becomes UNSIGNED-PAYLOAD). time_ns: the signing time, integer
 * nanoseconds since the Unix epoch, not before 1970 (OPA also refuses non-integer text such as
 * 1e9; here the value arrives as a number, so negative values are refused instead).
 *
 * Signed headers: every request header, host, x-amz-content-sha256, x-amz-date (and the session
 * token). Path segments are URI-encoded once for S3 and twice for other services, as AWS
 * specifies; the query is sorted by name then value. Checked against AWS's published S3 examples.
 * Unlike AWS's rules, OPA signs the method as written and an empty path as "" (not "/"): for such
 * requests its signatures differ from these.
 */
import { createHash, createHmac } from "node:crypto";
import { isObject } from "./args.js";
import { BuiltinError } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const REQUEST_KEYS = ["method", "url"] as const;
const CONFIG_KEYS = ["aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"] as const;

function typeError(message: string): never {
  throw new BuiltinError("eval_type_error", message);
}

/** OPA's wording: the missing or invalid keys as a Rego set, sorted. */
function keySet(keys: readonly string[]): string {
  return `{${[...keys]
    .sort()
    .map((k) => JSON.stringify(k))
    .join(", ")}}`;
}

function required<K extends string>(
  v: unknown,
  keys: readonly K[],
  operand: number,
  what: string,
): Record<K, string> & Record<string, unknown> {
  if (!isObject(v)) return typeError(`operand ${operand} must be object`);
  const missing = keys.filter((k) => !Object.hasOwn(v, k));
  if (missing.length > 0)
    typeError(`operand ${operand} missing required ${what} parameters(s): ${keySet(missing)}`);
  const invalid = keys.filter((k) => typeof v[k] !== "string");
  if (invalid.length > 0)
    typeError(`operand ${operand} invalid values for required ${what} parameters(s): ${keySet(invalid)}`);
  return v as Record<K, string> & Record<string, unknown>;
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** RFC 3986 percent-encoding as AWS specifies it: unreserved characters kept, hex upper-case. */
function awsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalUri(url: URL, service: string): string {
  const segments = url.pathname.split("/").map((seg) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      decoded = seg;
    }
    const once = awsEncode(decoded);
    return service === "s3" ? once : awsEncode(once);
  });
  const path = segments.join("/");
  return path === "" ? "/" : path;
}

function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams.entries()].map(([k, v]) => [awsEncode(k), awsEncode(v)] as const);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** YYYYMMDDTHHMMSSZ of an integer nanosecond time. */
function amzDate(timeNs: unknown): string {
  if (
    typeof timeNs !== "number" ||
    !Number.isInteger(timeNs) ||
    timeNs < 0 ||
    !Number.isSafeInteger(Math.floor(timeNs / 1e6))
  ) {
    return typeError("operand 3 could not convert time_ns value into a unix timestamp");
  }
  const d = new Date(Math.floor(timeNs / 1e6));
  if (Number.isNaN(d.getTime())) typeError("operand 3 could not convert time_ns value into a unix timestamp");
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function payload(req: Record<string, unknown>): string {
  if (req.raw_body !== undefined) {
    if (typeof req.raw_body !== "string") typeError("operand 1 raw_body must be a string");
    return req.raw_body;
  }
  if (req.body !== undefined) return JSON.stringify(req.body);
  return "";
}

export function signRequest(request: unknown, config: unknown, timeNs: unknown): Record<string, unknown> {
  const req = required(request, REQUEST_KEYS, 1, "request");
  const cfg = required(config, CONFIG_KEYS, 2, "AWS config");
  const unsigned = cfg.disable_payload_signing ?? false;
  if (typeof unsigned !== "boolean")
    typeError("operand 2 invalid value for 'disable_payload_signing' in AWS config");
  const token = cfg.aws_session_token;
  if (token !== undefined && typeof token !== "string")
    typeError("operand 2 aws_session_token must be a string");
  const stamp = amzDate(timeNs);
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return typeError(`operand 1 url ${JSON.stringify(req.url)} is not a valid URL`);
  }
  const given = req.headers ?? {};
  if (!isObject(given)) return typeError("operand 1 headers must be an object");

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (typeof value !== "string") typeError(`operand 1 header ${JSON.stringify(name)} must be a string`);
    headers[name] = value;
  }
  const bodyHash = unsigned ? "UNSIGNED-PAYLOAD" : sha256Hex(payload(req));
  headers.host = url.host;
  headers["x-amz-content-sha256"] = bodyHash;
  headers["x-amz-date"] = stamp;
  if (token) headers["x-amz-security-token"] = token;

  const canonical = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    const v = value.trim().replace(/\s+/g, " ");
    canonical.set(key, canonical.has(key) ? `${canonical.get(key)},${v}` : v);
  }
  const names = [...canonical.keys()].sort();
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(url, cfg.aws_service),
    canonicalQuery(url),
    names.map((n) => `${n}:${canonical.get(n)}\n`).join(""),
    signedHeaders,
    bodyHash,
  ].join("\n");

  const date = stamp.slice(0, 8);
  const scope = `${date}/${cfg.aws_region}/${cfg.aws_service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${cfg.aws_secret_access_key}`, date);
  for (const part of [cfg.aws_region, cfg.aws_service, "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${cfg.aws_access_key}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return { ...req, headers };
}

export const aws: BuiltinFamily = {
  "providers.aws.sign_req": (request, config, timeNs) => signRequest(request, config, timeNs),
};
