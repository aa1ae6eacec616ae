/**
 * The request's JSON form built for a projection (requestJson / buildInput with `projection`)
 * against the whole conversion then projected, over seeded random CheckRequests and projections:
 * what the policy receives (JSON.stringify of the projected input) must be the same text. A
 * difference would be an input the policy sees differently, i.e. a possible wrong decision.
 */
import { describe, expect, it } from "vitest";
import { buildInput, type InputParts } from "../../src/extauthz/input.js";
import { inputText } from "../../src/extauthz/input-text.js";
import { parseTarget, type ParsedTarget } from "../../src/extauthz/path.js";
import { requestJson } from "../../src/extauthz/request-json.js";
import { CheckRequest } from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import type { AuthResult } from "../../src/identity/types.js";
import { compileProjection, type Projection, project } from "../../src/policy/projection.js";
import type { InputPath } from "../../src/rego/index.js";
import { mulberry32, type Rng, pick } from "../support/prng.js";

const maybe = <T>(rng: Rng, p: number, make: () => T): T | undefined => (rng() < p ? make() : undefined);
const text = (rng: Rng) => pick(rng, ["", "a", "spiffe://td/ns/a/sa/b", "GET", "/x?y=1", "é", "0"]);

function headers(rng: Rng): Record<string, string> {
  const out: Record<string, string> = {};
  const n = Math.floor(rng() * 5);
  for (let i = 0; i < n; i++) {
    out[pick(rng, [":authority", "x-a", "x-wimse-workload-id", "cookie", "X-Upper"])] = text(rng);
  }
  return out;
}

function peer(rng: Rng) {
  return {
    address: maybe(rng, 0.3, () => ({ socketAddress: { address: "10.0.0.1", portValue: 443 } })),
    service: text(rng),
    labels: rng() < 0.3 ? { app: text(rng) } : {},
    principal: text(rng),
    certificate: rng() < 0.5 ? "-----BEGIN%20CERTIFICATE-----%0AMIIB" : "",
  };
}

function request(rng: Rng): CheckRequest {
  if (rng() < 0.05) return CheckRequest.fromPartial({});
  const http = maybe(rng, 0.9, () => ({
    id: text(rng),
    method: text(rng),
    headers: headers(rng),
    headerMap: maybe(rng, 0.3, () => ({
      headers: Object.entries(headers(rng)).map(([key, value]) => ({
        key,
        value: rng() < 0.5 ? value : "",
        rawValue: rng() < 0.5 ? Buffer.from(value) : Buffer.alloc(0),
      })),
    })),
    path: text(rng),
    host: text(rng),
    scheme: text(rng),
    query: text(rng),
    fragment: text(rng),
    size: pick(rng, ["0", "12"]),
    protocol: text(rng),
    body: text(rng),
    rawBody: rng() < 0.3 ? Buffer.from("raw") : Buffer.alloc(0),
  }));
  return CheckRequest.fromPartial({
    attributes: maybe(rng, 0.95, () => ({
      source: maybe(rng, 0.8, () => peer(rng)),
      destination: maybe(rng, 0.8, () => peer(rng)),
      request: maybe(rng, 0.9, () => ({
        time: maybe(rng, 0.3, () => "2026-01-01T00:00:00Z"),
        http,
      })),
      contextExtensions: rng() < 0.3 ? { k: text(rng) } : {},
      metadataContext: maybe(rng, 0.2, () => ({ filterMetadata: { f: { a: 1 } } })),
      tlsSession: maybe(rng, 0.2, () => ({ sni: text(rng) })),
    })),
  });
}

/** Keys per depth below "attributes": fields, and names that are not fields (JSON or not at all). */
const VOCABULARY: Record<string, readonly string[]> = {
  "": ["attributes", "attributes", "attributes", "parsed_path", "identity", "version", "nope"],
  attributes: [
    "source",
    "destination",
    "request",
    "contextExtensions",
    "metadataContext",
    "tlsSession",
    "x",
    "__proto__",
  ],
  peer: ["principal", "certificate", "address", "labels", "service", "context_extensions", "y"],
  request: ["http", "time", "z"],
  http: [
    "headers",
    "headerMap",
    "path",
    "method",
    "host",
    "body",
    "rawBody",
    "size",
    "id",
    "query",
    "raw_body",
  ],
  leaf: ["x-a", ":authority", "headers", "0", "socketAddress", "app"],
};

function randomPath(rng: Rng): string[] {
  const path = [pick(rng, VOCABULARY[""] as string[])];
  let level = path[0] === "attributes" ? "attributes" : "leaf";
  while (rng() < 0.75) {
    const key = pick(rng, VOCABULARY[level] as string[]);
    path.push(key);
    if (level === "attributes")
      level = key === "request" ? "request" : key === "source" || key === "destination" ? "peer" : "leaf";
    else if (level === "request") level = key === "http" ? "http" : "leaf";
    else level = "leaf";
  }
  return path;
}

function projection(rng: Rng): Projection | undefined {
  const paths: InputPath[] = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => ({
    path: randomPath(rng),
    whole: rng() < 0.6,
  }));
  return compileProjection(paths);
}

const seen = (value: unknown, p: Projection | undefined) => JSON.stringify(project(value, p));

describe("requestJson with a projection", () => {
  it("gives the policy the same text as the whole conversion (5000 seeded requests and projections)", () => {
    const rng = mulberry32(0xc0ffee);
    let nonEmpty = 0;
    for (let i = 0; i < 5000; i++) {
      const r = request(rng);
      const p = projection(rng);
      const want = seen(CheckRequest.toJSON(r), p);
      expect(seen(requestJson(r, p), p), `case ${i}: ${JSON.stringify(p)}`).toBe(want);
      if (want.length > 2) nonEmpty++;
    }
    // Most cases must carry request content, or the comparison proves little.
    expect(nonEmpty).toBeGreaterThan(2000);
  });

  it("builds less than the whole conversion for a narrow projection", () => {
    const r = request(mulberry32(5));
    const p = compileProjection([{ path: ["attributes", "request", "http", "method"], whole: true }]);
    const json = requestJson(r, p) as { attributes?: { source?: unknown; request?: { http?: object } } };
    expect(json.attributes?.source).toBeUndefined();
    expect(Object.keys(json.attributes?.request?.http ?? {})).toEqual(
      r.attributes?.request?.http?.method ? ["method"] : [],
    );
  });

  it("is the whole conversion without a projection", () => {
    const r = request(mulberry32(9));
    expect(requestJson(r)).toEqual(CheckRequest.toJSON(r));
  });
});

describe("buildInput with a projection", () => {
  it("equals the whole input on every projected path, hidden headers included (2000 seeded cases)", () => {
    const rng = mulberry32(424242);
    const auth: AuthResult = { ok: false, code: "no_certificate", message: "none" };
    for (let i = 0; i < 2000; i++) {
      const r = request(rng);
      const target = parseTarget(r.attributes?.request?.http?.path || "/") as ParsedTarget;
      const parts: InputParts = {
        request: r,
        target,
        body: { truncated: false },
        auth,
        hiddenHeaders: new Set(["x-wimse-workload-id", "x-upper"]),
      };
      const p = projection(rng);
      expect(seen(buildInput({ ...parts, projection: p }), p), `case ${i}`).toBe(seen(buildInput(parts), p));
    }
  });
});

describe("inputText", () => {
  const identities = [
    { id: "spiffe://td/ns/a/sa/b", scheme: "spiffe", trustDomain: "td", path: "/ns/a/sa/b", method: "mtls" },
    { id: "wimse://td/x", scheme: "wimse", trustDomain: "td", path: "/x", method: "xfcc" },
  ] as const;

  function auth(rng: Rng): AuthResult | undefined {
    const identity = Object.freeze({ ...pick(rng, [...identities]) });
    const proxy = { ...identities[0], method: "mtls" as const };
    return pick<AuthResult | undefined>(rng, [
      undefined,
      { ok: true, identity },
      { ok: true, identity: { ...identity }, proxy },
      { ok: false, code: "no_certificate", message: "none" },
      { ok: false, code: "xfcc_by_mismatch", message: 'a "quoted" reason', proxy },
    ]);
  }

  /** Also paths into the keys inputText writes specially: headers, identity, parsed_query. */
  function textProjection(rng: Rng): Projection | undefined {
    const extra: string[][] = [
      ["attributes", "request", "http", "headers", pick(rng, ["x-a", ":authority", "x-wimse-workload-id"])],
      ["attributes", "request", "http", "headers"],
      ["identity", pick(rng, ["id", "scheme", "proxy", "nope"])],
      ["identity_error", "code"],
      ["identity_proxy"],
      ["parsed_query", "y"],
      ["parsed_path"],
      ["truncated_body"],
      ["source_principal"],
      ["attributes", "destination", "principal"],
      ["attributes", "request", "http", "method"],
    ];
    const paths: InputPath[] = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => ({
      path: rng() < 0.5 ? randomPath(rng) : pick(rng, extra),
      whole: rng() < 0.7,
    }));
    return compileProjection(paths);
  }

  it("is the projected whole input's text (5000 seeded requests, identities and projections)", () => {
    const rng = mulberry32(0x5eed);
    let written = 0;
    for (let i = 0; i < 5000; i++) {
      const r = request(rng);
      const target = parseTarget(`${r.attributes?.request?.http?.path || "/"}?y=1&y=%20`) as ParsedTarget;
      const parts: InputParts = {
        request: r,
        target,
        body: pick(rng, [{ truncated: false }, { truncated: true, value: { a: [1] } }]),
        auth: auth(rng),
        hiddenHeaders: rng() < 0.7 ? new Set(["x-wimse-workload-id", "x-upper"]) : undefined,
      };
      const p = textProjection(rng);
      const got = inputText(parts, p);
      expect(got, `case ${i}: ${JSON.stringify(p)}`).toBe(seen(buildInput(parts), p));
      if (got.length > 2) written++;
    }
    expect(written).toBeGreaterThan(3000);
  });

  it("writes the default policy's projection without the general route", () => {
    const p = compileProjection([
      { path: ["identity", "id"], whole: true },
      { path: ["attributes", "request", "http", "path"], whole: true },
      { path: ["attributes", "destination", "principal"], whole: true },
    ]);
    const r = CheckRequest.fromPartial({
      attributes: {
        request: { http: { path: "/a?b", headers: { "x-a": "1" } } },
        destination: { principal: "p" },
      },
    });
    const parts: InputParts = {
      request: r,
      target: parseTarget("/a?b") as ParsedTarget,
      body: { truncated: false },
      auth: { ok: true, identity: identities[0] },
    };
    // The general route reads parsed_path; the writer must not (it is built on first read only).
    const spy = {
      ...parts,
      target: {
        ...parts.target,
        get parsedPath(): string[] {
          throw new Error("read");
        },
      },
    };
    expect(inputText(spy as InputParts, p)).toBe(
      '{"identity":{"id":"spiffe://td/ns/a/sa/b"},"attributes":{"request":{"http":{"path":"/a?b"}},"destination":{"principal":"p"}}}',
    );
  });
});
