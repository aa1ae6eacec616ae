/**
 * Component values and the signature base (RFC 9421 §2 and §2.5) for the request a CheckRequest
 * describes. Derived components supported: @method, @path, @query, @request-target (origin form),
 * @scheme and @authority; HTTP fields by lower-case name, without component parameters (`sf`,
 * `key`, `bs`, `req`, `tr` are refused, as RFC 9421 §2.5 requires for parameters not understood).
 *
 * @authority is derived from Host, which is untrusted: it may be covered (the signature then pins
 * it) but nothing here uses it to decide the audience; that is `wimse-aud` against configuration.
 */
import type { HttpRequestView } from "../types.js";
import { type SfInnerList, serializeInnerList } from "./structured-fields.js";

export type ComponentResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: "missing" | "unsupported" | "invalid"; readonly detail: string };

/** Derived components this module can compute. */
export const DERIVED_COMPONENTS = [
  "@method",
  "@path",
  "@query",
  "@request-target",
  "@scheme",
  "@authority",
] as const;

const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** Component values are VCHAR / SP / HTAB only: no CR, LF, other controls or non-ASCII. */
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;

function splitTarget(path: string): { path: string; query?: string } | undefined {
  // Origin form only (RFC 9112 §3.2.1): absolute-form, authority-form and "*" are not derivable.
  if (!path.startsWith("/")) return undefined;
  const q = path.indexOf("?");
  return q < 0 ? { path } : { path: path.slice(0, q), query: path.slice(q + 1) };
}

function trimOWS(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, "");
}

/** The value of one component (RFC 9421 §2.1, §2.2). Never throws. */
export function componentValue(name: string, request: HttpRequestView): ComponentResult {
  let value: string | undefined;
  if (name.startsWith("@")) {
    switch (name) {
      case "@method":
        value = request.method; // case-sensitive, not transformed (RFC 9421 §2.2.1)
        break;
      case "@path":
      case "@query":
      case "@request-target": {
        const target = splitTarget(request.path);
        if (!target)
          return { ok: false, reason: "invalid", detail: "the request target is not in origin form" };
        if (name === "@request-target") value = request.path;
        else if (name === "@path") value = target.path === "" ? "/" : target.path;
        else value = `?${target.query ?? ""}`; // RFC 9421 §2.2.7: "?" alone when absent
        break;
      }
      case "@scheme":
        value = request.scheme.toLowerCase();
        break;
      case "@authority": {
        value = request.host.toLowerCase();
        const scheme = request.scheme.toLowerCase();
        if ((scheme === "https" && value.endsWith(":443")) || (scheme === "http" && value.endsWith(":80"))) {
          value = value.slice(0, value.lastIndexOf(":"));
        }
        break;
      }
      default:
        return { ok: false, reason: "unsupported", detail: `derived component ${name} is not supported` };
    }
    if (value === "") return { ok: false, reason: "missing", detail: `${name} has no value in this request` };
  } else {
    if (!FIELD_NAME.test(name)) {
      return { ok: false, reason: "invalid", detail: "a covered field name must be a lower-case token" };
    }
    const raw = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
    if (raw === undefined) return { ok: false, reason: "missing", detail: `covered field ${name} is absent` };
    value = trimOWS(raw);
  }
  if (!SAFE_VALUE.test(value)) {
    return { ok: false, reason: "invalid", detail: `${name} holds characters a signature base cannot carry` };
  }
  return { ok: true, value };
}

export type BaseResult =
  | { readonly ok: true; readonly base: string }
  | { readonly ok: false; readonly reason: "missing" | "unsupported" | "invalid"; readonly detail: string };

/**
 * The signature base for a signature whose Signature-Input member is `input` (RFC 9421 §2.5): one
 * `"<name>": <value>` line per covered component, then `"@signature-params": <inner list>`, the
 * latter re-serialized from the parsed member (RFC 9421 §3.2 step 7). Component items must be
 * parameterless Strings (checked by the caller; re-checked here). Never throws.
 */
export function signatureBase(input: SfInnerList, request: HttpRequestView): BaseResult {
  let base = "";
  for (const item of input.items) {
    if (item.value.type !== "string" || item.params.size > 0) {
      return { ok: false, reason: "unsupported", detail: "component identifiers must be plain strings" };
    }
    const name = item.value.value;
    const value = componentValue(name, request);
    if (!value.ok) return value;
    base += `"${name}": ${value.value}\n`;
  }
  let params: string;
  try {
    params = serializeInnerList(input);
  } catch {
    return { ok: false, reason: "invalid", detail: "signature parameters cannot be serialized" };
  }
  return { ok: true, base: `${base}"@signature-params": ${params}` };
}
