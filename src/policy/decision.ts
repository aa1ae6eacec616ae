/**
 * Decision validation, following the OPA-Envoy plugin: the entrypoint's value is either a
 * boolean or an object with a required boolean `allowed` and optional fields. Anything else is
 * malformed and denies. Unknown fields are ignored (as the plugin does), known fields must have
 * the documented types. Header names and values are checked so a policy cannot inject CR/LF.
 */
import type { Decision } from "./types.js";

export type DecisionCheck = { ok: true; decision: Decision } | { ok: false; message: string };

const HEADER_NAME = /^:?[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

export function validateDecision(value: unknown): DecisionCheck {
  if (typeof value === "boolean") return { ok: true, decision: emptyDecision(value) };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return bad(`decision must be a boolean or an object, got ${kindOf(value)}`);
  }
  const o = value as Record<string, unknown>;
  if (typeof o.allowed !== "boolean") {
    return bad(`decision.allowed must be a boolean, got ${kindOf(o.allowed)}`);
  }
  const d = emptyDecision(o.allowed);
  try {
    if (o.headers !== undefined) d.headers = headerMap(o.headers, "headers");
    if (o.response_headers_to_add !== undefined) {
      d.responseHeadersToAdd = headerMap(o.response_headers_to_add, "response_headers_to_add");
    }
    if (o.request_headers_to_remove !== undefined) {
      d.requestHeadersToRemove = stringList(o.request_headers_to_remove, "request_headers_to_remove", true);
    }
    if (o.query_parameters_to_set !== undefined) {
      d.queryParametersToSet = paramMap(o.query_parameters_to_set, "query_parameters_to_set");
    }
    if (o.query_parameters_to_remove !== undefined) {
      d.queryParametersToRemove = stringList(
        o.query_parameters_to_remove,
        "query_parameters_to_remove",
        false,
      );
    }
    if (o.body !== undefined) {
      if (typeof o.body !== "string")
        throw new Malformed(`decision.body must be a string, got ${kindOf(o.body)}`);
      d.body = o.body;
    }
    if (o.http_status !== undefined) d.httpStatus = httpStatus(o.http_status);
    if (o.dynamic_metadata !== undefined) {
      if (
        o.dynamic_metadata === null ||
        typeof o.dynamic_metadata !== "object" ||
        Array.isArray(o.dynamic_metadata)
      ) {
        throw new Malformed(`decision.dynamic_metadata must be an object, got ${kindOf(o.dynamic_metadata)}`);
      }
      d.dynamicMetadata = o.dynamic_metadata as Record<string, unknown>;
    }
  } catch (e) {
    if (e instanceof Malformed) return bad(e.message);
    throw e;
  }
  return { ok: true, decision: d };
}

class Malformed extends Error {}

function bad(message: string): DecisionCheck {
  return { ok: false, message };
}

function emptyDecision(allowed: boolean): Decision {
  return {
    allowed,
    headers: {},
    responseHeadersToAdd: {},
    requestHeadersToRemove: [],
    queryParametersToSet: {},
    queryParametersToRemove: [],
  };
}

function kindOf(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function headerMap(v: unknown, field: string): Record<string, string[]> {
  if (!isPlainObject(v)) throw new Malformed(`decision.${field} must be an object, got ${kindOf(v)}`);
  const out: Record<string, string[]> = {};
  for (const [name, raw] of Object.entries(v)) {
    if (!HEADER_NAME.test(name))
      throw new Malformed(`decision.${field}: invalid header name ${JSON.stringify(name)}`);
    const values = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : undefined;
    if (!values || values.length === 0 || !values.every((x) => typeof x === "string")) {
      throw new Malformed(
        `decision.${field}[${JSON.stringify(name)}] must be a string or a non-empty array of strings`,
      );
    }
    for (const value of values as string[]) {
      if (!HEADER_VALUE.test(value)) {
        throw new Malformed(`decision.${field}[${JSON.stringify(name)}]: value contains CR, LF or NUL`);
      }
    }
    out[name] = values as string[];
  }
  return out;
}

function paramMap(v: unknown, field: string): Record<string, string[]> {
  if (!isPlainObject(v)) throw new Malformed(`decision.${field} must be an object, got ${kindOf(v)}`);
  const out: Record<string, string[]> = {};
  for (const [name, raw] of Object.entries(v)) {
    const values = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : undefined;
    if (!values?.every((x) => typeof x === "string")) {
      throw new Malformed(
        `decision.${field}[${JSON.stringify(name)}] must be a string or an array of strings`,
      );
    }
    out[name] = values as string[];
  }
  return out;
}

function stringList(v: unknown, field: string, headerNames: boolean): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new Malformed(`decision.${field} must be an array of strings`);
  }
  if (headerNames) {
    for (const name of v as string[]) {
      if (!HEADER_NAME.test(name))
        throw new Malformed(`decision.${field}: invalid header name ${JSON.stringify(name)}`);
    }
  }
  return v as string[];
}

function httpStatus(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 100 || v > 599) {
    throw new Malformed(
      `decision.http_status must be an integer HTTP status (100-599), got ${JSON.stringify(v) ?? "nothing"}`,
    );
  }
  return v;
}
