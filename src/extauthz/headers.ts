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
const NAME = /^:?[a-z0-9!#$%&'*+.^_`|~-]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function collectHeaders(
  http: AttributeContext_HttpRequest,
  limits: HeaderLimits,
): Record<string, string> | RequestRejection {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  let total = 0;
  const add = (rawName: string, value: string): RequestRejection | undefined => {
    // Envoy sends lower-case names: a name that already passes NAME needs no toLowerCase copy.
    const valid = NAME.test(rawName);
    const name = valid ? rawName : rawName.toLowerCase();
    count++;
    if (count > limits.maxHeadersCount) {
      return new RequestRejection(Reason.tooManyHeaders, `more than ${limits.maxHeadersCount} headers`);
    }
    // Not valid as sent, and not once lower-cased either (a lower-case name may be invalid too).
    if (!valid && !NAME.test(name)) {
      return new RequestRejection(
        Reason.headerNameInvalid,
        "a header name has characters outside RFC 9110 tchar",
      );
    }
    const bytes = Buffer.byteLength(value);
    if (bytes > limits.maxHeaderValueBytes) {
      return new RequestRejection(
        Reason.headerTooLarge,
        `header ${name} exceeds ${limits.maxHeaderValueBytes} bytes`,
      );
    }
    if (BINARY.test(value)) {
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
    const map = http.headers;
    for (const name of Object.keys(map)) {
      const problem = add(name, map[name]);
      if (problem) return problem;
    }
  }
  return out;
}
