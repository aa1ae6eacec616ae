/**
 * collectHeaders against a direct statement of its rules (names lower-cased and checked against
 * RFC 9110 tchar, value byte and count limits, no control characters or U+FFFD, repeated names
 * joined with ","), over seeded random header sets: the fast paths for plain names and values must
 * change no answer. And the names it must reject, lower-case ones included.
 */
import { describe, expect, it } from "vitest";
import { collectHeaders, type HeaderLimits } from "../../src/extauthz/headers.js";
import { RequestRejection } from "../../src/extauthz/reasons.js";
import type { AttributeContext_HttpRequest } from "../../src/gen/envoy/service/auth/v3/attribute_context.js";
import { mulberry32, type Rng, pick } from "../support/prng.js";

const NAME = /^:?[a-z0-9!#$%&'*+.^_`|~-]+$/;
const BINARY = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/;

/** The rules, written plainly (headers map only). */
function reference(headers: Record<string, string>, limits: HeaderLimits) {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  let total = 0;
  for (const [raw, value] of Object.entries(headers)) {
    const name = raw.toLowerCase();
    if (++count > limits.maxHeadersCount) return "too_many_headers";
    if (!NAME.test(name)) return "header_name_invalid";
    const bytes = Buffer.byteLength(value);
    if (bytes > limits.maxHeaderValueBytes) return "header_too_large";
    if (BINARY.test(value)) return "header_binary";
    total += name.length + bytes;
    if (total > limits.maxHeadersBytes) return "headers_too_large";
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

const NAMES = [
  "accept",
  "X-Forwarded-For",
  ":path",
  "x-a",
  "X-A",
  "x y",
  "x\u0000y",
  "",
  ":",
  "é",
  "a:b",
  "~ok",
  "x\ty",
];
const PIECES = [
  "a",
  " ",
  "\t",
  "é",
  "😀",
  "\u0000",
  "\u0001",
  "\n",
  "\u007f",
  "\u0080",
  "\ufffd",
  "\ud800",
  "xyz",
  "=;,",
];

function value(rng: Rng): string {
  let v = "";
  const n = rng() < 0.1 ? 30 : Math.floor(rng() * 8);
  for (let i = 0; i < n; i++) v += rng() < 0.8 ? pick(rng, ["a", "b", " ", "-", "0"]) : pick(rng, PIECES);
  return v;
}

const http = (headers: Record<string, string>) => ({ headers }) as unknown as AttributeContext_HttpRequest;

describe("collectHeaders", () => {
  it("agrees with the plain statement of its rules over 5000 seeded header sets", () => {
    const rng = mulberry32(1234);
    const outcomes = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const headers: Record<string, string> = {};
      const n = Math.floor(rng() * 6);
      for (let k = 0; k < n; k++) headers[pick(rng, NAMES)] = value(rng);
      const limits = {
        maxHeaderValueBytes: pick(rng, [8, 20, 8192]),
        maxHeadersBytes: pick(rng, [30, 60, 65536]),
        maxHeadersCount: pick(rng, [3, 100]),
      };
      const got = collectHeaders(http(headers), limits);
      const want = reference(headers, limits);
      if (typeof want === "string") {
        expect(got, `case ${i}: ${JSON.stringify(headers)}`).toBeInstanceOf(RequestRejection);
        expect((got as RequestRejection).code, `case ${i}: ${JSON.stringify(headers)}`).toBe(want);
        outcomes.add(want);
      } else {
        expect(got, `case ${i}: ${JSON.stringify(headers)}`).toEqual(want);
        // Never a lookup through a prototype ("constructor", "__proto__" must find nothing).
        expect(Object.getPrototypeOf(got), `case ${i}`).toBeNull();
        outcomes.add("accepted");
      }
    }
    // Every outcome must have been exercised.
    expect([...outcomes].sort()).toEqual(
      [
        "accepted",
        "header_binary",
        "header_name_invalid",
        "header_too_large",
        "headers_too_large",
        "too_many_headers",
      ].sort(),
    );
  });

  it("keeps Envoy's usual map as it is (prototype removed), copies a frozen one or one needing lower case", () => {
    const limits = { maxHeaderValueBytes: 8192, maxHeadersBytes: 65536, maxHeadersCount: 100 };
    const usual = { ":path": "/", "x-a": "1", accept: "*/*" };
    const got = collectHeaders(http(usual), limits) as Record<string, string>;
    expect(got).toBe(usual);
    expect(Object.getPrototypeOf(got)).toBeNull();
    expect(got.constructor).toBeUndefined();
    expect(collectHeaders(http(usual), limits)).toBe(usual); // already prototype-free: as it is
    const frozen = Object.freeze({ "x-a": "1", constructor: "c" });
    const copy = collectHeaders(http(frozen), limits) as Record<string, string>;
    expect(copy).not.toBe(frozen);
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect({ ...copy }).toEqual({ "x-a": "1", constructor: "c" });
    const mixed = { "X-A": "1", "x-a": "2", b: "3" };
    const merged = collectHeaders(http(mixed), limits) as Record<string, string>;
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect({ ...merged }).toEqual({ "x-a": "1,2", b: "3" });
    expect(Object.getPrototypeOf(mixed)).toBe(Object.prototype); // left alone
  });

  it.each([["x y"], ["x\u0000y"], ["x\ty"], [""], [":"], ["é"], ["a:b"], ["X Y"], ["x/y"]])(
    "rejects the header name %j",
    (name) => {
      const got = collectHeaders(http({ [name]: "v" }), {
        maxHeaderValueBytes: 8192,
        maxHeadersBytes: 65536,
        maxHeadersCount: 100,
      });
      expect(got).toBeInstanceOf(RequestRejection);
      expect((got as RequestRejection).code).toBe("header_name_invalid");
    },
  );
});
