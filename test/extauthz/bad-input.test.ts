/**
 * Bad input over real gRPC: each gets a denial with a stable reason code in its audit line, never
 * a crash and never an allow, and the policy is never consulted for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckRequest } from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import { allowAll, decision, FakeIdentity, ScriptedPolicy } from "../server/support/doubles.js";
import { envoyRequest, fakeCert, type Harness, startHarness } from "../server/support/harness.js";

const CALLER = fakeCert("spiffe://demo.example/ns/web/sa/frontend");

function withHeaderMap(raw: Buffer): CheckRequest {
  const req = envoyRequest({ certificate: CALLER });
  const http = req.attributes?.request?.http;
  if (!http) throw new Error("no http");
  http.headers = {};
  http.headerMap = {
    headers: [
      { key: ":path", value: "/", rawValue: Buffer.from("/") },
      { key: "x-bin", value: "", rawValue: raw },
    ],
  };
  return req;
}

const manyHeaders = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h-${i}`, "v"]));

const cases: Array<[string, CheckRequest, string]> = [
  ["no attributes", {}, "no_attributes"],
  [
    "attributes without an HTTP request",
    { attributes: { ...envoyRequest({}).attributes!, request: undefined } },
    "no_http_request",
  ],
  ["no certificate", envoyRequest({}), "no_certificate"],
  ["garbage certificate", envoyRequest({ certificate: "%%%not-a-pem" }), "certificate_malformed"],
  [
    "huge header value",
    envoyRequest({ certificate: CALLER, headers: { "x-big": "a".repeat(40_000) } }),
    "header_too_large",
  ],
  [
    "binary header value",
    envoyRequest({ certificate: CALLER, headers: { "x-bin": "ok\u0000\u0001" } }),
    "header_binary",
  ],
  ["header_map raw_value not UTF-8", withHeaderMap(Buffer.from([0xff, 0xfe, 0x00])), "header_binary"],
  ["too many headers", envoyRequest({ certificate: CALLER, headers: manyHeaders }), "too_many_headers"],
  [
    "body that is not valid JSON",
    envoyRequest({
      certificate: CALLER,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    }),
    "body_invalid_json",
  ],
  [
    "broken percent-encoding in the path",
    envoyRequest({ certificate: CALLER, path: "/a/%zz/b" }),
    "path_malformed",
  ],
  [
    "truncated percent-escape in the path",
    envoyRequest({ certificate: CALLER, path: "/a%2" }),
    "path_malformed",
  ],
  [
    "percent-encoded invalid UTF-8 in the path",
    envoyRequest({ certificate: CALLER, path: "/%C3%28" }),
    "path_malformed",
  ],
  [
    "broken percent-encoding in the query",
    envoyRequest({ certificate: CALLER, path: "/a?x=%G1" }),
    "query_malformed",
  ],
];

describe("bad input over gRPC", () => {
  let h: Harness;
  const policy = new ScriptedPolicy(allowAll());
  beforeAll(async () => {
    h = await startHarness({ identity: new FakeIdentity(), policy });
  });
  afterAll(() => h.close());

  it.each(cases.map(([name, req, code]) => ({ name, req, code })))(
    "$name -> denial with reason $code",
    async ({ req, code }) => {
      const before = policy.inputs.length;
      const res = await h.check(req);
      expect(res.status?.code).toBe(7);
      expect(res.okResponse).toBeUndefined();
      expect(res.deniedResponse?.status?.code).toBe(403);
      expect(res.deniedResponse?.headers.map((o) => [o.header?.key, o.header?.value])).toContainEqual([
        "x-wimse-authz-reason",
        code,
      ]);
      expect(policy.inputs.length).toBe(before);
      const line = (await h.auditLines()).at(-1);
      expect(line?.decision).toBe("deny");
      expect(line?.reason_code).toBe(code);
      expect(line?.decision_id).toBe(res.dynamicMetadata?.decision_id);
      // Still serving after every bad input.
      expect((await h.checkHealth()).status).toBe(1);
    },
  );

  it("one audit line per Check, exactly", async () => {
    const before = (await h.auditLines()).length;
    await h.check(envoyRequest({ certificate: CALLER }));
    await h.check({});
    expect((await h.auditLines()).length).toBe(before + 2);
  });
});

describe("unexpected errors inside a stage", () => {
  it("an exception in identity becomes an internal_error denial, and the server keeps serving", async () => {
    const identity = new FakeIdentity();
    identity.authenticate = () => {
      throw new Error("boom");
    };
    const policy = new ScriptedPolicy(allowAll());
    const h = await startHarness({ identity, policy });
    try {
      const res = await h.check(envoyRequest({ certificate: CALLER }));
      expect(res.status?.code).toBe(7);
      expect(res.deniedResponse?.status?.code).toBe(403);
      expect((await h.auditLines()).at(-1)).toMatchObject({
        decision: "deny",
        reason_code: "internal_error",
      });
      expect(policy.inputs).toHaveLength(0);
      expect((await h.checkHealth()).status).toBe(1);
    } finally {
      await h.close();
    }
  });

  it("a policy outcome that is an error denies even in the middle of allowed traffic", async () => {
    let n = 0;
    const policy = new ScriptedPolicy(() =>
      ++n === 2
        ? { kind: "error", code: "policy_eval_error", message: "builtin failed", revision: "r" }
        : { kind: "decision", decision: decision({ allowed: true }), revision: "r" },
    );
    const h = await startHarness({ identity: new FakeIdentity(), policy });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++)
        codes.push((await h.check(envoyRequest({ certificate: CALLER }))).status?.code);
      expect(codes).toEqual([0, 7, 0]);
    } finally {
      await h.close();
    }
  });
});
