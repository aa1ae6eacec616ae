/**
 * parsed_body (OPA-Envoy conventions): JSON bodies (application/json, +json), form bodies
 * (application/x-www-form-urlencoded) and multipart/form-data bodies (multipart.ts: name -> list
 * of values) are parsed; any other type is left unparsed. A truncated body
 * (x-envoy-auth-partial-body: true) is never parsed. A body that claims one of these types but
 * does not parse yields a problem instead of a value: the caller decides (deny by default).
 */
import type { AttributeContext_HttpRequest } from "../gen/envoy/service/auth/v3/attribute_context.js";
import { MultipartError, boundaryOf, parseMultipart } from "./multipart.js";
import { parseQuery } from "./path.js";
import { Reason, RequestRejection } from "./reasons.js";

export interface ParsedBody {
  /** Present only when the body was parsed. */
  value?: unknown;
  truncated: boolean;
  /** Set when the body claims a parseable type but does not parse. */
  problem?: RequestRejection;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function parseBody(
  http: AttributeContext_HttpRequest,
  headers: Readonly<Record<string, string>>,
): ParsedBody {
  const truncated = headers["x-envoy-auth-partial-body"] === "true";
  // No body (most requests): nothing to parse, whatever the type says.
  if (http.rawBody.length === 0 && http.body === "") return { truncated };
  const contentType = headers["content-type"] ?? "";
  const type = contentType.split(";")[0].trim().toLowerCase();
  if (type === "multipart/form-data" && !truncated) return multipartBody(http, contentType);
  const text = bodyText(http);
  if (text === "" || truncated) return { truncated };
  const json = type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
  const form = type === "application/x-www-form-urlencoded";
  if (text === undefined) {
    if (!json && !form) return { truncated };
    const code = json ? Reason.bodyInvalidJson : Reason.bodyInvalidForm;
    return { truncated, problem: new RequestRejection(code, "body is not valid UTF-8") };
  }
  if (json) {
    try {
      return { truncated, value: JSON.parse(text) as unknown };
    } catch {
      return { truncated, problem: new RequestRejection(Reason.bodyInvalidJson, "body is not valid JSON") };
    }
  }
  if (form) {
    const fields = parseQuery(text, Reason.bodyInvalidForm);
    return fields instanceof RequestRejection ? { truncated, problem: fields } : { truncated, value: fields };
  }
  return { truncated };
}

/** Bytes, not text: file parts may hold any bytes (they reach the policy as text with U+FFFD). */
function multipartBody(http: AttributeContext_HttpRequest, contentType: string): ParsedBody {
  const bytes = http.rawBody.length > 0 ? http.rawBody : Buffer.from(http.body, "utf8");
  if (bytes.length === 0) return { truncated: false };
  try {
    return { truncated: false, value: parseMultipart(bytes, boundaryOf(contentType)) };
  } catch (e) {
    if (!(e instanceof MultipartError)) throw e;
    return { truncated: false, problem: new RequestRejection(Reason.bodyInvalidMultipart, e.message) };
  }
}

/** raw_body (pack_as_bytes) when present, else body. undefined when raw_body is not UTF-8. */
function bodyText(http: AttributeContext_HttpRequest): string | undefined {
  if (http.rawBody.length === 0) return http.body;
  try {
    return utf8.decode(http.rawBody);
  } catch {
    return undefined;
  }
}
