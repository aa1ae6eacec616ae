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
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  let total = 0;
  // Until a name had to be lower-cased, the names of the `headers` map (distinct keys, kept as
  // they are) cannot repeat: no lookup for a value to merge with.
  let distinct = false;
  const add = (rawName: string, value: string): RequestRejection | undefined => {
    // Envoy sends lower-case names: a name that is already valid needs no toLowerCase copy.
    const valid = isLowerName(rawName);
    const name = valid ? rawName : rawName.toLowerCase();
    if (!valid) distinct = false;
    count++;
    if (count > limits.maxHeadersCount) {
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
    total += name.length + bytes;
    if (total > limits.maxHeadersBytes) {
      return new RequestRejection(
        Reason.headersTooLarge,
        `headers exceed ${limits.maxHeadersBytes} bytes in total`,
      );
    }
    if (distinct) {
      out[name] = value;
      return undefined;
    }
    const prev = out[name];
    out[name] = prev === undefined ? value : `${prev},${value}`;
    return undefined;
  };
  const raw = http.headerMap?.headers ?? [];
  if (raw.length > 0) {
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
      const problem = add(h.key, value);
      if (problem) return problem;
    }
  } else {
    distinct = true;
    const map = http.headers;
    for (const name of Object.keys(map)) {
      const problem = add(name, map[name]);
      if (problem) return problem;
    }
  }
  return out;
}
