/**
 * CheckResponseEncoder against the generated encoder: over many seeded random responses (the
 * shapes allowResponse / denyResponse build from random decisions, identities and ids, and raw
 * responses with odd fields), the bytes must be identical; the shapes it does not handle must be
 * refused (undefined), never encoded differently.
 */
import { describe, expect, it } from "vitest";
import type { PolicyIdentity } from "../../src/extauthz/input.js";
import { allowResponse, denyResponse, type IdentityHeaderNames } from "../../src/extauthz/response.js";
import type { HeaderValueOption } from "../../src/gen/envoy/config/core/v3/base.js";
import {
  CheckResponse,
  type CheckResponse as CheckResponseT,
} from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import type { Decision } from "../../src/policy/types.js";
import { CheckResponseEncoder } from "../../src/server/response-encoder.js";
import { checkResponseSerializer } from "../../src/server/serialize.js";
import { mulberry32, type Rng, pick } from "../support/prng.js";

const generated = (r: CheckResponseT) => Buffer.from(CheckResponse.encode(r).finish());

/** Random text: ASCII, multi-byte, astral and lone surrogates, sometimes empty or long. */
function text(rng: Rng, max = 24): string {
  const pieces = ["a", "Z", "-", "/", ":", "é", "日本", "😀", "\ud800", "\udc00", " ", "\u007f", "0"];
  const long = rng() < 0.05;
  const n = long ? 100 + Math.floor(rng() * 300) : Math.floor(rng() * max);
  let s = "";
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rng() * pieces.length)];
  return s;
}

function headerMap(rng: Rng): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const n = Math.floor(rng() * 4);
  for (let i = 0; i < n; i++) {
    const name = pick(rng, ["x-a", "x-b", "X-Wimse-Workload-Id", "x-wimse-authz-reason", "set-cookie"]);
    out[name] = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => text(rng));
  }
  return out;
}

/** JSON data as a policy's dynamic_metadata can hold it. */
function jsonValue(rng: Rng, depth: number): unknown {
  const r = rng();
  if (depth > 2 || r < 0.2) return text(rng);
  if (r < 0.3) return pick(rng, [0, -1.5, 2 ** 53, 1e-300, 42, -0, Number.MAX_VALUE]);
  if (r < 0.4) return rng() < 0.5;
  if (r < 0.5) return null;
  if (r < 0.7) return Array.from({ length: Math.floor(rng() * 4) }, () => jsonValue(rng, depth + 1));
  return jsonObject(rng, depth + 1);
}

function jsonObject(rng: Rng, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(rng() * 4);
  for (let i = 0; i < n; i++)
    out[pick(rng, ["k", "", "decision_id", "7", "1", "ü", text(rng, 6)])] = jsonValue(rng, depth);
  return out;
}

function decision(rng: Rng, allowed: boolean): Decision {
  const d: Decision = {
    allowed,
    headers: rng() < 0.6 ? {} : headerMap(rng),
    responseHeadersToAdd: rng() < 0.7 ? {} : headerMap(rng),
    requestHeadersToRemove: rng() < 0.7 ? [] : [text(rng), "x-wimse-trust-domain"],
    queryParametersToSet: rng() < 0.7 ? {} : { [text(rng, 5)]: [text(rng), text(rng)] },
    queryParametersToRemove: rng() < 0.7 ? [] : [text(rng, 5)],
  };
  if (rng() < 0.3) d.body = text(rng);
  if (rng() < 0.3) d.httpStatus = pick(rng, [100, 401, 403, 429, 599]);
  if (rng() < 0.3) d.dynamicMetadata = jsonObject(rng, 0);
  return d;
}

function identity(rng: Rng): PolicyIdentity | undefined {
  if (rng() < 0.2) return undefined;
  const id: PolicyIdentity = {
    id: `spiffe://${text(rng, 6)}/ns/${text(rng, 8)}`,
    scheme: "spiffe",
    trustDomain: text(rng, 10),
    path: `/${text(rng, 8)}`,
    method: pick(rng, ["mtls", "xfcc", "client-cert"] as const),
  };
  if (rng() < 0.3) id.proxy = { ...id, id: `spiffe://proxy/${text(rng, 6)}` };
  return id;
}

function names(rng: Rng): IdentityHeaderNames {
  const name = (n: string) => (rng() < 0.2 ? "" : n);
  return {
    workloadId: name("x-wimse-workload-id"),
    trustDomain: name("x-wimse-trust-domain"),
    proxyId: name("x-wimse-proxy-id"),
    authMethod: name("X-Wimse-Auth-Method"),
  };
}

/** What the checker builds: allow (with or without a decision), policy deny, stage deny. */
function checkerResponse(rng: Rng): CheckResponseT {
  const id = rng() < 0.9 ? globalThis.crypto.randomUUID() : text(rng);
  const r = rng();
  if (r < 0.4)
    return allowResponse(rng() < 0.5 ? decision(rng, true) : undefined, identity(rng), names(rng), id);
  const d = decision(rng, false);
  if (r < 0.7) {
    return denyResponse(
      {
        httpStatus: d.httpStatus ?? 403,
        headers: d.headers,
        body: d.body,
        dynamicMetadata: d.dynamicMetadata,
      },
      id,
    );
  }
  return denyResponse(
    {
      httpStatus: pick(rng, [400, 401, 403, 503]),
      reasonCode: text(rng, 8),
      headers: rng() < 0.5 ? { "content-type": ["application/problem+json"] } : undefined,
      body: rng() < 0.5 ? text(rng) : undefined,
    },
    id,
  );
}

describe("CheckResponseEncoder", () => {
  it("encodes the checker's responses exactly as the generated encoder (2000 seeded cases)", () => {
    const rng = mulberry32(0x5eed);
    const encoder = new CheckResponseEncoder();
    for (let i = 0; i < 2000; i++) {
      const r = checkerResponse(rng);
      const got = encoder.encode(r);
      // Every response the checker builds is one the encoder handles itself.
      expect(got, `case ${i}`).toBeInstanceOf(Buffer);
      expect(Buffer.compare(got as Buffer, generated(r)), `case ${i}`).toBe(0);
    }
  });

  it("encodes shared (frozen) decisions and identities exactly, reusing their ok_response (2000 cases)", () => {
    const rng = mulberry32(0xf00d);
    const freeze = <T>(v: T): T => {
      if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
        Object.freeze(v);
        for (const x of Object.values(v)) freeze(x);
      }
      return v;
    };
    // As the engine and the authenticator share them: frozen, one object per outcome / identity.
    const decisions = Array.from({ length: 8 }, () =>
      rng() < 0.2 ? undefined : freeze(decision(rng, true)),
    );
    const identities = Array.from({ length: 8 }, () => {
      const i = identity(rng);
      return i === undefined ? undefined : freeze(i);
    });
    const configured = [names(rng), names(rng)];
    const encoder = new CheckResponseEncoder();
    const serialize = checkResponseSerializer();
    let shared = 0;
    for (let i = 0; i < 2000; i++) {
      const d = pick(rng, decisions);
      const id = pick(rng, identities);
      const n = pick(rng, configured);
      const first = allowResponse(d, id, n, globalThis.crypto.randomUUID());
      const r = allowResponse(d, id, n, globalThis.crypto.randomUUID());
      if (r.okResponse === first.okResponse) shared++;
      expect(Object.isFrozen(r.okResponse), `case ${i}`).toBe(true);
      expect(Buffer.compare(encoder.encode(r) as Buffer, generated(r)), `case ${i}`).toBe(0);
      expect(Buffer.compare(serialize(r), generated(r)), `case ${i}`).toBe(0);
    }
    expect(shared).toBe(2000);
    const names0 = configured[0] as IdentityHeaderNames;
    // Each ok_response is encoded once more, by an encoder of its own, and never again.
    const encode = CheckResponseEncoder.prototype.encode;
    let calls = 0;
    CheckResponseEncoder.prototype.encode = function (this: CheckResponseEncoder, r: CheckResponseT) {
      calls++;
      return encode.call(this, r);
    };
    try {
      const fresh = freeze(decision(rng, true));
      const id = identities.find((x) => x !== undefined);
      for (let i = 0; i < 50; i++) encoder.encode(allowResponse(fresh, id, names0, "x"));
    } finally {
      CheckResponseEncoder.prototype.encode = encode;
    }
    expect(calls).toBe(51);
    // An identity or decision of its own (not frozen) gets an ok_response of its own.
    const own = {
      id: "spiffe://td/x",
      scheme: "spiffe",
      trustDomain: "td",
      path: "/x",
      method: "mtls",
    } as const;
    expect(allowResponse(undefined, { ...own }, names0, "a").okResponse).not.toBe(
      allowResponse(undefined, { ...own }, names0, "a").okResponse,
    );
  });

  it("encodes raw responses with odd but valid fields exactly", () => {
    const rng = mulberry32(7);
    const encoder = new CheckResponseEncoder();
    const option = (o: Partial<HeaderValueOption>): HeaderValueOption => ({
      header: { key: text(rng), value: text(rng), rawValue: Buffer.alloc(0) },
      append: undefined,
      appendAction: 0,
      keepEmptyValue: false,
      ...o,
    });
    const cases: CheckResponseT[] = [
      {},
      { status: { code: 0, message: "", details: [] } },
      { status: { code: 2 ** 31 - 1, message: "m", details: [] } },
      { deniedResponse: { status: undefined, headers: [], body: "" } },
      { deniedResponse: { status: { code: 0 }, headers: [], body: "x".repeat(70_000) } },
      {
        okResponse: {
          headers: [
            option({ append: true }),
            option({ appendAction: 3, keepEmptyValue: true }),
            option({ header: undefined }),
            option({ header: { key: "", value: "", rawValue: Buffer.from([0, 255, 10]) } }),
          ],
          headersToRemove: ["", "a"],
          dynamicMetadata: { nested: [undefined, { a: undefined }, []] },
          responseHeadersToAdd: [option({ append: false })],
          queryParametersToSet: [
            { key: "", value: "" },
            { key: "é", value: "" },
          ],
          queryParametersToRemove: [""],
        },
      },
      { dynamicMetadata: Object.assign(Object.create(null) as object, { a: 1, b: undefined }) },
      { dynamicMetadata: { big: "é".repeat(20_000), list: Array.from({ length: 300 }, (_, i) => i) } },
    ];
    for (const [i, r] of cases.entries()) {
      const got = encoder.encode(r);
      expect(got, `case ${i}`).toBeInstanceOf(Buffer);
      expect(Buffer.compare(got as Buffer, generated(r)), `case ${i}`).toBe(0);
    }
  });

  it("refuses the shapes it does not handle, and the serializer still gives the generated bytes", () => {
    const encoder = new CheckResponseEncoder();
    const serialize = checkResponseSerializer();
    const any = { typeUrl: "type.googleapis.com/x", value: Buffer.from([1]) };
    const proto = JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Record<string, unknown>;
    const refused: Array<[string, CheckResponseT]> = [
      ["status details", { status: { code: 7, message: "", details: [any] } }],
      ["negative status code", { status: { code: -1, message: "", details: [] } }],
      ["metadata with a __proto__ key", { dynamicMetadata: proto }],
      ["metadata with a Date", { dynamicMetadata: { at: new Date(0) } }],
      [
        "metadata that is a class instance",
        { dynamicMetadata: new Map() as unknown as Record<string, unknown> },
      ],
      [
        "append that is not a boolean",
        {
          okResponse: {
            headers: [
              { header: undefined, append: 0 as unknown as boolean, appendAction: 0, keepEmptyValue: false },
            ],
            headersToRemove: [],
            responseHeadersToAdd: [],
            queryParametersToSet: [],
            queryParametersToRemove: [],
          },
        },
      ],
    ];
    for (const [name, r] of refused) {
      expect(encoder.encode(r), name).toBeUndefined();
      expect(Buffer.compare(serialize(r), generated(r)), name).toBe(0);
    }
  });
});
