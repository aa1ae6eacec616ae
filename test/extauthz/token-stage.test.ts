/**
 * The token stage inside the service (over real gRPC, with a scripted TokenAuthenticator): when it
 * runs, what the policy input and the audit record get when a request carries a transport
 * identity AND a token identity, and how failures deny (400 + RFC 9457 body, no token text).
 * The verification itself is tested in test/identity/tokens; the real chain in test/e2e/token-chain.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CheckResult, createChecker } from "../../src/extauthz/check.js";
import type { HeaderValueOption } from "../../src/gen/envoy/config/core/v3/base.js";
import type { HttpRequestView, TokenAuthResult, TokenIdentity } from "../../src/identity/tokens/types.js";
import { decision, FakeIdentity, ScriptedPolicy } from "../server/support/doubles.js";
import { envoyRequest, fakeCert, type Harness, startHarness } from "../server/support/harness.js";

const B = "spiffe://demo.example/ns/demo/sa/backend";
const MIDDLEBOX = "spiffe://demo.example/ns/edge/sa/middlebox";
const WIT = "eyJ0eXAiOiJ3aXQrand0IiwiYWxnIjoiRVMyNTYifQ.eyJzdWIiOiJCIn0.c2lnbmF0dXJlLXdpdA";
const WPT = "eyJ0eXAiOiJ3cHQrand0IiwiYWxnIjoiRVMyNTYifQ.eyJhdWQiOiJDIn0.c2lnbmF0dXJlLXdwdA";

function tokenIdentity(id = B): TokenIdentity {
  return {
    id,
    scheme: "spiffe",
    trustDomain: "demo.example",
    path: "/ns/demo/sa/backend",
    method: "wit-wpt",
    tokens: {
      wit: {
        alg: "ES256",
        kid: "wit-1",
        iss: "wimse://issuer",
        jti: "wit-jti-1",
        exp: 2_000_000_000,
        cnf_alg: "ES256",
        cnf_thumbprint: "tp",
      },
      proof: { kind: "wpt", jti: "wpt-jti-1", exp: 2_000_000_000, aud: "https://c.example", bound: [] },
    },
  };
}

/** Answers the next authenticate() calls with `next`, recording every request view. */
class ScriptedTokens {
  views: HttpRequestView[] = [];
  next: (v: HttpRequestView) => Promise<TokenAuthResult> = async () => ({
    present: true,
    ok: true,
    identity: tokenIdentity(),
  });
  authenticate(v: HttpRequestView): Promise<TokenAuthResult> {
    this.views.push(v);
    return this.next(v);
  }
}

const policy = new ScriptedPolicy(() => ({
  kind: "decision",
  decision: decision({ allowed: true }),
  revision: "rev-1",
}));
const tokens = new ScriptedTokens();
let h: Harness;
let transportCaller: Harness;
let tokenOnly: Harness;
let noTokens: Harness;

const headersOf = (list: HeaderValueOption[] | undefined) =>
  Object.fromEntries((list ?? []).map((o) => [o.header?.key ?? "", o.header?.value ?? ""]));
const lastInput = () => policy.inputs.at(-1) as Record<string, unknown>;
const tokenHeaders = { "workload-identity-token": WIT, "workload-proof-token": WPT, "x-request-id": "t-1" };

beforeAll(async () => {
  h = await startHarness({ identity: new FakeIdentity(), policy, tokens });
  transportCaller = await startHarness({ identity: new FakeIdentity(), policy, tokens }, [
    ["--tokens-caller", "transport"],
  ]);
  tokenOnly = await startHarness({ identity: new FakeIdentity(), policy, tokens }, [
    ["--tokens-require-transport", "false"],
  ]);
  noTokens = await startHarness({ identity: new FakeIdentity(), policy });
});
afterAll(async () => {
  for (const x of [h, transportCaller, tokenOnly, noTokens]) await x?.close();
});
beforeEach(() => {
  tokens.next = async () => ({ present: true, ok: true, identity: tokenIdentity() });
});

describe("when the token stage runs", () => {
  it("never for a request without a Workload-Identity-Token (the synchronous path): identity as before", async () => {
    const before = tokens.views.length;
    const res = await h.check(
      envoyRequest({ certificate: fakeCert(B), path: "/api", headers: { "workload-proof-token": WPT } }),
    );
    expect(res.status?.code).toBe(0);
    expect(tokens.views.length).toBe(before);
    const identity = lastInput().identity as Record<string, unknown>;
    expect(identity).toMatchObject({ id: B, method: "mtls" });
    expect(identity).not.toHaveProperty("token");
    expect(identity).not.toHaveProperty("caller");
    const line = (await h.auditLines()).at(-1);
    expect(line).not.toHaveProperty("token_id");
    expect(line).not.toHaveProperty("caller");
  });

  it("with the header: the stage gets method, path, headers and the raw body; never Host as audience", async () => {
    await h.check(
      envoyRequest({
        certificate: fakeCert(MIDDLEBOX),
        method: "POST",
        path: "/api/orders?x=1",
        host: "evil.example",
        headers: { ...tokenHeaders, "content-type": "application/json" },
        body: '{"a":1}',
      }),
    );
    const v = tokens.views.at(-1) as HttpRequestView;
    expect(v.method).toBe("POST");
    expect(v.path).toBe("/api/orders?x=1");
    expect(v.host).toBe("evil.example");
    expect(v.headers["workload-identity-token"]).toBe(WIT);
    expect(v.headers["workload-proof-token"]).toBe(WPT);
    expect(Buffer.from(v.body ?? new Uint8Array()).toString()).toBe('{"a":1}');
    expect(v.bodyTruncated).toBe(false);
  });
});

describe("the checker itself", () => {
  const settings = {
    limits: { maxHeaderValueBytes: 16_384, maxHeadersBytes: 98_304, maxHeadersCount: 200 },
    identityOptional: [],
    identityHeaders: { workloadId: "x-wimse-workload-id", trustDomain: "", proxyId: "", authMethod: "" },
    dryRun: false,
    denyStatus: 403,
    identityFailureStatus: 403,
    skipBodyParse: false,
  };
  const checker = createChecker({ authenticator: new FakeIdentity(), policy, tokens, settings });

  it("answers synchronously without a Workload-Identity-Token (the benchmarked path), with a Promise with one", async () => {
    const plain = checker(envoyRequest({ certificate: fakeCert(B), path: "/api" }));
    expect(plain).not.toBeInstanceOf(Promise);
    expect((plain as CheckResult).audit.decision).toBe("allow");
    const withToken = checker(
      envoyRequest({ certificate: fakeCert(MIDDLEBOX), path: "/api", headers: tokenHeaders }),
    );
    expect(withToken).toBeInstanceOf(Promise);
    expect((await withToken).audit).toMatchObject({
      decision: "allow",
      source_id: B,
      transport_id: MIDDLEBOX,
    });
  });
});

describe("both identities: token via a middlebox", () => {
  it("caller token (default): input.identity is B, with .transport = middlebox and .token; headers and audit agree", async () => {
    const res = await h.check(
      envoyRequest({ certificate: fakeCert(MIDDLEBOX), path: "/api", headers: tokenHeaders }),
    );
    expect(res.status?.code).toBe(0);
    const identity = lastInput().identity as Record<string, unknown>;
    expect(identity).toMatchObject({
      id: B,
      method: "wit-wpt",
      caller: "token",
      transport: { id: MIDDLEBOX, method: "mtls" },
      token: {
        id: B,
        method: "wit-wpt",
        tokens: { wit: { kid: "wit-1" }, proof: { kind: "wpt", jti: "wpt-jti-1" } },
      },
      proxy: { id: MIDDLEBOX },
      tokens: { wit: { jti: "wit-jti-1" } },
    });
    const up = headersOf(res.okResponse?.headers);
    expect(up["x-wimse-workload-id"]).toBe(B);
    expect(up["x-wimse-auth-method"]).toBe("wit-wpt");
    expect(up["x-wimse-proxy-id"]).toBe(MIDDLEBOX);
    const line = (await h.auditLines()).at(-1);
    expect(line).toMatchObject({
      decision: "allow",
      source_id: B,
      auth_method: "wit-wpt",
      proxy_id: MIDDLEBOX,
      caller: "token",
      transport_id: MIDDLEBOX,
      transport_method: "mtls",
      token_id: B,
      token_method: "wit-wpt",
      wit_kid: "wit-1",
      wit_jti: "wit-jti-1",
      wit_iss: "wimse://issuer",
      proof_id: "wpt-jti-1",
    });
    expect(JSON.stringify(line)).not.toContain("eyJ");
  });

  it("caller transport: input.identity is the middlebox; the token identity stays in .token", async () => {
    await transportCaller.check(
      envoyRequest({ certificate: fakeCert(MIDDLEBOX), path: "/api", headers: tokenHeaders }),
    );
    const identity = lastInput().identity as Record<string, unknown>;
    expect(identity).toMatchObject({ id: MIDDLEBOX, method: "mtls", caller: "transport", token: { id: B } });
    expect(identity).not.toHaveProperty("tokens");
    const line = (await transportCaller.auditLines()).at(-1);
    expect(line).toMatchObject({
      source_id: MIDDLEBOX,
      caller: "transport",
      token_id: B,
      transport_id: MIDDLEBOX,
    });
  });

  it("the same workload on both layers: no proxy", async () => {
    await h.check(envoyRequest({ certificate: fakeCert(B), path: "/api", headers: tokenHeaders }));
    const identity = lastInput().identity as Record<string, unknown>;
    expect(identity).toMatchObject({ id: B, transport: { id: B } });
    expect(identity).not.toHaveProperty("proxy");
  });
});

describe("denials", () => {
  it("a token failure: 400, problem+json naming the check, policy not run, audit without token text", async () => {
    tokens.next = async () => ({
      present: true,
      ok: false,
      code: "wpt_aud_mismatch",
      check: "wpt.aud",
      message: "aud is not one of this service's target URIs",
      status: 400,
    });
    const before = policy.inputs.length;
    const res = await h.check(
      envoyRequest({ certificate: fakeCert(MIDDLEBOX), path: "/api", headers: tokenHeaders }),
    );
    expect(policy.inputs.length).toBe(before);
    expect(res.status?.code).toBe(7);
    expect(res.deniedResponse?.status?.code).toBe(400);
    const hdrs = headersOf(res.deniedResponse?.headers);
    expect(hdrs["content-type"]).toBe("application/problem+json");
    expect(hdrs["x-wimse-authz-reason"]).toBe("wpt_aud_mismatch");
    const body = JSON.parse(res.deniedResponse?.body ?? "") as Record<string, unknown>;
    expect(body).toMatchObject({
      type: "urn:wimse-authz:problem:wpt_aud_mismatch",
      status: 400,
      check: "wpt.aud",
      reason_code: "wpt_aud_mismatch",
      detail: "aud is not one of this service's target URIs",
    });
    expect(typeof body.title).toBe("string");
    expect(String(body.instance)).toMatch(/^urn:wimse-authz:decision:/);
    const text = await h.auditText();
    const line = (await h.auditLines()).at(-1);
    expect(line).toMatchObject({
      decision: "deny",
      http_status: 400,
      reason_code: "wpt_aud_mismatch",
      token_check: "wpt.aud",
      transport_id: MIDDLEBOX,
      source_id: MIDDLEBOX,
    });
    expect(line).not.toHaveProperty("token_id");
    for (const secret of [WIT, WPT, "c2lnbmF0dXJl"]) {
      expect(text).not.toContain(secret);
      expect(res.deniedResponse?.body).not.toContain(secret);
    }
  });

  it("a failure message that quotes a token is redacted in the problem body", async () => {
    tokens.next = async () => ({
      present: true,
      ok: false,
      code: "wit_malformed",
      check: "wit",
      message: `bad token ${WIT}`,
      status: 400,
    });
    const res = await h.check(
      envoyRequest({ certificate: fakeCert(MIDDLEBOX), path: "/api", headers: tokenHeaders }),
    );
    expect(res.deniedResponse?.body).not.toContain("eyJ0eXAi");
    expect(await h.auditText()).not.toContain("eyJ0eXAi");
  });

  it("a presented certificate that fails verification is never ignored, even with a valid token", async () => {
    const before = tokens.views.length;
    for (const x of [h, tokenOnly]) {
      const res = await x.check(
        envoyRequest({ certificate: "garbage", path: "/api", headers: tokenHeaders }),
      );
      expect(res.status?.code).toBe(7);
      expect(res.deniedResponse?.status?.code).toBe(403);
      expect(headersOf(res.deniedResponse?.headers)["x-wimse-authz-reason"]).toBe("certificate_malformed");
    }
    expect(tokens.views.length).toBe(before);
  });

  it("no transport identity: refused by default (transport_identity_required), accepted with require_transport false", async () => {
    const res = await h.check(envoyRequest({ path: "/api", headers: tokenHeaders }));
    expect(res.deniedResponse?.status?.code).toBe(403);
    expect(JSON.parse(res.deniedResponse?.body ?? "")).toMatchObject({
      reason_code: "transport_identity_required",
      check: "transport",
    });

    const ok = await tokenOnly.check(envoyRequest({ path: "/api", headers: tokenHeaders }));
    expect(ok.status?.code).toBe(0);
    const identity = lastInput().identity as Record<string, unknown>;
    expect(identity).toMatchObject({ id: B, caller: "token" });
    expect(identity).not.toHaveProperty("transport");
    expect(identity).not.toHaveProperty("proxy");
    expect((await tokenOnly.auditLines()).at(-1)).toMatchObject({
      source_id: B,
      caller: "token",
      token_id: B,
    });
  });

  it("a token stage that rejects or a service without one: denial, never an allow", async () => {
    tokens.next = async () => {
      throw new Error("store down");
    };
    const res = await h.check(
      envoyRequest({ certificate: fakeCert(MIDDLEBOX), path: "/api", headers: tokenHeaders }),
    );
    expect(res.status?.code).toBe(7);
    expect(headersOf(res.deniedResponse?.headers)["x-wimse-authz-reason"]).toBe("internal_error");

    const off = await noTokens.check(
      envoyRequest({ certificate: fakeCert(MIDDLEBOX), path: "/api", headers: tokenHeaders }),
    );
    expect(off.deniedResponse?.status?.code).toBe(400);
    expect(JSON.parse(off.deniedResponse?.body ?? "")).toMatchObject({
      reason_code: "tokens_not_configured",
      check: "tokens",
    });
  });
});
