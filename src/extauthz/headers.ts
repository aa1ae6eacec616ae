/**
 * Request headers as the other stages see them: lower-cased names, repeated headers merged with
 * "," (Envoy's own convention), taken from `headers` or, with encode_raw_headers, `header_map`.
 * Enforces size and content limits: a header that is too large or carries binary data rejects
 * the request (fail closed) rather than being passed, truncated, to identity or policy.
 */
import type { AttributeContext_HttpRequest } from "../gen/envoy/service/auth/v3/attribute_context.js";
import { Reason, RequestRejection } from "./reasons.js";

export interface HeaderLimits {
  maxHeaderValueBytes: number;
  maxHeadersBytes: number;
  maxHeadersCount: number;
}

/** Visible ASCII, space, tab and non-ASCII text; no other control characters, no U+FFFD. */
const BINARY = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** RFC 9110 tchar, lower case only (by char code). */
const LOWER_TCHAR = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+.^_`|~-") LOWER_TCHAR[c.charCodeAt(0)] = 1;

/** /^:?[a-z0-9!#$%&'*+.^_`|~-]+$/: an optional ":" (pseudo-header), then one or more lower tchars. */
function isLowerName(name: string): boolean {
  const start = name.charCodeAt(0) === 0x3a ? 1 : 0;
  if (name.length <= start) return false;
  for (let i = start; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || LOWER_TCHAR[c] === 0) return false;
  }
  return true;
}

/**
 * The UTF-8 length of a value made of visible ASCII, space and tab only (nearly every header),
 * which is also known not to be binary; -1 for any other value, which takes the exact checks.
 */
function plainAsciiBytes(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x7f || (c < 0x20 && c !== 0x09)) return -1;
  }
  return value.length;
}

export function collectHeaders(
  http: AttributeContext_HttpRequest,
  limits: HeaderLimits,
): Record<string, string> | RequestRejection {
  const raw = http.headerMap?.headers;
  if (raw !== undefined && raw.length > 0) {
    const tally: Tally = { count: 0, total: 0 };
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const h of raw) {
      let value = h.value;
      if (h.rawValue.length > 0) {
        try {
          value = utf8.decode(h.rawValue);
        } catch {
          return new RequestRejection(
            Reason.headerBinary,
            `header ${h.key.toLowerCase()} is not valid UTF-8`,
          );
        }
      }
      const problem = add(out, h.key, value, limits, tally);
      if (problem) return problem;
    }
    return out;
  }
  const map = http.headers;
  const names = Object.keys(map);
  const asIs = collectAsIs(map, names, limits);
  if (asIs !== undefined) return asIs;
  // Some name needs lower-casing: a new dictionary, merging names that are then equal.
  const tally: Tally = { count: 0, total: 0 };
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of names) {
    const problem = add(out, name, map[name] as string, limits, tally);
    if (problem) return problem;
  }
  return out;
}

/** One header into `out` (name lower-cased, repeated names joined with ","), or its rejection. */
function add(
  out: Record<string, string>,
  rawName: string,
  value: string,
  limits: HeaderLimits,
  tally: Tally,
): RequestRejection | undefined {
  // Envoy sends lower-case names: a name that is already valid needs no toLowerCase copy.
  const valid = isLowerName(rawName);
  const name = valid ? rawName : rawName.toLowerCase();
  const problem = checkHeader(name, valid, value, limits, tally);
  if (problem) return problem;
  const prev = out[name];
  out[name] = prev === undefined ? value : `${prev},${value}`;
  return undefined;
}

interface Tally {
  count: number;
  total: number;
}

/**
 * Envoy's usual request: every name in the `headers` map already lower case and valid (its keys
 * are distinct, so nothing merges). The map itself is then the result, without its prototype (a
 * lookup of "constructor" must find nothing): no copy of twenty-odd headers per Check. Undefined
 * when some name needs lower-casing or the map cannot be changed (the caller copies); a header
 * that breaks a limit rejects here as it would there (same checks, same order).
 */
function collectAsIs(
  map: Record<string, string>,
  names: readonly string[],
  limits: HeaderLimits,
): Record<string, string> | RequestRejection | undefined {
  const tally: Tally = { count: 0, total: 0 };
  for (const name of names) {
    if (!isLowerName(name)) return undefined;
    const problem = checkHeader(name, true, map[name] as string, limits, tally);
    if (problem) return problem;
  }
  if (Object.getPrototypeOf(map) !== null) {
    if (!Object.isExtensible(map)) return undefined;
    Object.setPrototypeOf(map, null);
  }
  return map;
}

/** One header's limits and content, in order; `name` lower case (`valid`: it was sent so). */
function checkHeader(
  name: string,
  valid: boolean,
  value: string,
  limits: HeaderLimits,
  tally: Tally,
): RequestRejection | undefined {
  tally.count++;
  if (tally.count > limits.maxHeadersCount) {
    return new RequestRejection(Reason.tooManyHeaders, `more than ${limits.maxHeadersCount} headers`);
  }
  // Not valid as sent, and not once lower-cased either (a lower-case name may be invalid too).
  if (!valid && !isLowerName(name)) {
    return new RequestRejection(
      Reason.headerNameInvalid,
      "a header name has characters outside RFC 9110 tchar",
    );
  }
  const plain = plainAsciiBytes(value);
  const bytes = plain >= 0 ? plain : Buffer.byteLength(value);
  if (bytes > limits.maxHeaderValueBytes) {
    return new RequestRejection(
      Reason.headerTooLarge,
      `header ${name} exceeds ${limits.maxHeaderValueBytes} bytes`,
    );
  }
  if (plain < 0 && BINARY.test(value)) {
    return new RequestRejection(
      Reason.headerBinary,
      `header ${name} carries control characters or invalid UTF-8`,
    );
  }
  tally.total += name.length + bytes;
  if (tally.total > limits.maxHeadersBytes) {
    return new RequestRejection(
      Reason.headersTooLarge,
      `headers exceed ${limits.maxHeadersBytes} bytes in total`,
    );
  }
  return undefined;
}
