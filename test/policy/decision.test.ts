import { describe, expect, it } from "vitest";
import { validateDecision } from "../../src/policy/decision.js";

describe("validateDecision", () => {
  it("accepts booleans", () => {
    expect(validateDecision(true)).toMatchObject({ ok: true, decision: { allowed: true, headers: {} } });
    expect(validateDecision(false)).toMatchObject({ ok: true, decision: { allowed: false } });
  });

  it("normalises a full OPA-Envoy object", () => {
    const r = validateDecision({
      allowed: false,
      headers: { "x-a": "1", "x-b": ["2", "3"] },
      response_headers_to_add: { "x-c": "4" },
      request_headers_to_remove: ["x-d"],
      query_parameters_to_set: { q: "v", r: ["1", "2"] },
      query_parameters_to_remove: ["z"],
      body: "denied",
      http_status: 401,
      dynamic_metadata: { k: { n: 1 } },
      reason: "ignored, as the OPA-Envoy plugin does",
    });
    expect(r).toEqual({
      ok: true,
      decision: {
        allowed: false,
        headers: { "x-a": ["1"], "x-b": ["2", "3"] },
        responseHeadersToAdd: { "x-c": ["4"] },
        requestHeadersToRemove: ["x-d"],
        queryParametersToSet: { q: ["v"], r: ["1", "2"] },
        queryParametersToRemove: ["z"],
        body: "denied",
        httpStatus: 401,
        dynamicMetadata: { k: { n: 1 } },
      },
    });
  });

  const rejected: [string, unknown, RegExp][] = [
    ["undefined", undefined, /boolean or an object, got nothing/],
    ["null", null, /got null/],
    ["a string", "true", /got string/],
    ["a number", 1, /got number/],
    ["an array", [true], /got array/],
    ["missing allowed", { headers: {} }, /allowed must be a boolean, got nothing/],
    ["string allowed", { allowed: "true" }, /allowed must be a boolean, got string/],
    ["headers not an object", { allowed: true, headers: ["x"] }, /headers must be an object/],
    ["header value a number", { allowed: true, headers: { a: 1 } }, /must be a string or a non-empty array/],
    ["header value empty array", { allowed: true, headers: { a: [] } }, /non-empty array/],
    ["header name with space", { allowed: true, headers: { "a b": "1" } }, /invalid header name/],
    ["header value with CRLF", { allowed: true, headers: { a: "1\r\nx: y" } }, /CR, LF or NUL/],
    ["remove list not strings", { allowed: true, request_headers_to_remove: [1] }, /array of strings/],
    ["remove list bad name", { allowed: true, request_headers_to_remove: ["a:b"] }, /invalid header name/],
    ["query set bad", { allowed: true, query_parameters_to_set: { a: 1 } }, /string or an array of strings/],
    ["query remove bad", { allowed: true, query_parameters_to_remove: "a" }, /array of strings/],
    ["body not string", { allowed: false, body: { a: 1 } }, /body must be a string/],
    ["status not integer", { allowed: false, http_status: 403.5 }, /http_status/],
    ["status out of range", { allowed: false, http_status: 99 }, /http_status/],
    ["status a string", { allowed: false, http_status: "403" }, /http_status/],
    ["metadata array", { allowed: true, dynamic_metadata: [] }, /dynamic_metadata must be an object/],
  ];
  it.each(rejected)("rejects %s", (_name, value, message) => {
    const r = validateDecision(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
