/**
 * End to end, the mixed WIMSE chain: A -(mTLS)-> B -(WIT + WPT, through a TLS-terminating
 * middlebox)-> C. Real TLS handshakes give each transport identity exactly as Envoy forwards it;
 * WITs are signed by the demo PKI's WIT issuer and verified with the keys the service loads from
 * the demo bundles; CheckRequests go over real gRPC to the service running the real identity and
 * token stages and the DEFAULT policy (policies/, compiled by our compiler). A = frontend,
 * B = backend, C = billing (another trust domain), middlebox = the demo middlebox.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckRequest } from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import { DEMO_TOKEN_TARGETS } from "../../src/pki/demo.js";
import {
  httpSigHeaders,
  mintWorkloadWit,
  type WorkloadWit,
  wptHeaders,
} from "../../src/pki/workload-tokens.js";
import type { DemoPkiManifest } from "../../src/pki/write.js";
import { envoyRequest, type Harness } from "../server/support/harness.js";
import { type DemoService, headerMap, startDemoService } from "./support/demo-service.js";
import type { PeerView } from "./support/envoy-tls.js";

const POLICY_DIR = join(import.meta.dirname, "../../policies");
const C_TARGET = DEMO_TOKEN_TARGETS.billing;

let s: DemoService;
let h: Harness;
let dir: string;
let manifest: DemoPkiManifest;
const id = (w: string) => s.id(w);
const handshake = (w: string) => s.handshake(w);

/** The CheckRequest C's sidecar sends: its TLS peer is the middlebox, the Host the middlebox's. */
function viaMiddlebox(
  peer: PeerView,
  opts: { method?: string; path: string; headers: Record<string, string>; body?: string; requestId: string },
): CheckRequest {
  return envoyRequest({
    certificate: peer.certificate,
    principal: peer.principal,
    destination: id("billing"),
    method: opts.method ?? "GET",
    path: opts.path,
    host: "middlebox",
    headers: { ...opts.headers, "x-request-id": opts.requestId },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
}

let bWit: WorkloadWit;
let middlebox: PeerView;

beforeAll(async () => {
  s = await startDemoService({ prefix: "wimse-token-chain-", policyDir: POLICY_DIR, tokens: true });
  ({ h, dir, manifest } = s);
  bWit = await mintWorkloadWit({ pkiDir: dir, manifest, workload: "backend" });
  middlebox = await handshake("middlebox");
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe("A -(mTLS)-> B -(WIT/WPT via the middlebox)-> C, default policy", () => {
  it("hop 1: A calls B over mTLS: allowed with A's transport identity", async () => {
    const a = await handshake("frontend");
    const res = await h.check(
      envoyRequest({
        certificate: a.certificate,
        principal: a.principal,
        destination: id("backend"),
        path: "/api/orders",
        headers: { "x-request-id": "chain-1" },
      }),
    );
    expect(res.status?.code).toBe(0);
    expect(headerMap(res.okResponse?.headers)["x-wimse-workload-id"]).toBe(id("frontend"));
    expect((await h.auditLines()).at(-1)).toMatchObject({
      request_id: "chain-1",
      source_id: id("frontend"),
      auth_method: "mtls",
    });
  });

  it("hop 2: B calls C through the middlebox with WIT + WPT: allowed as B, the middlebox recorded as transport", async () => {
    expect(middlebox.principal).toBe(id("middlebox"));
    const headers = await wptHeaders(bWit, {
      method: "GET",
      url: `${C_TARGET}/invoices`,
      audience: C_TARGET,
    });
    const res = await h.check(
      viaMiddlebox(middlebox, { path: "/invoices/7", headers, requestId: "chain-2" }),
    );
    expect(res.status?.code).toBe(0);
    const up = headerMap(res.okResponse?.headers);
    expect(up["x-wimse-workload-id"]).toBe(id("backend"));
    expect(up["x-wimse-auth-method"]).toBe("wit-wpt");
    expect(up["x-wimse-proxy-id"]).toBe(id("middlebox"));
    expect(up["x-wimse-authz-rule"]).toBe("acl:backend-to-billing");
    const text = await h.auditText();
    const line = (await h.auditLines()).find((l) => l.request_id === "chain-2");
    expect(line).toMatchObject({
      decision: "allow",
      source_id: id("backend"),
      auth_method: "wit-wpt",
      caller: "token",
      transport_id: id("middlebox"),
      transport_method: "mtls",
      token_id: id("backend"),
      token_method: "wit-wpt",
      wit_kid: manifest.trustDomains.demo.wit?.kid,
      wit_jti: bWit.jti,
      destination_principal: id("billing"),
    });
    expect(line?.proof_id).toMatch(/\S/);
    for (const t of [bWit.wit, headers["workload-proof-token"]]) expect(text).not.toContain(t);
    expect(text).not.toContain(bWit.wit.split(".")[2]);
  });

  it("hop 2 without a token: the middlebox alone is not granted C", async () => {
    const res = await h.check(
      viaMiddlebox(middlebox, { path: "/invoices/7", headers: {}, requestId: "chain-3" }),
    );
    expect(res.status?.code).toBe(7);
    expect((await h.auditLines()).at(-1)).toMatchObject({
      source_id: id("middlebox"),
      reason_code: "policy_denied",
    });
  });

  it("hop 2 with an HTTP signature over a body: allowed as B (method http-sig)", async () => {
    const body = '{"amount":42}';
    const headers = httpSigHeaders(bWit, {
      method: "POST",
      url: `${C_TARGET}/invoices`,
      audience: C_TARGET,
      body,
      headers: { "content-type": "application/json" },
    });
    const res = await h.check(
      viaMiddlebox(middlebox, { method: "POST", path: "/invoices", headers, body, requestId: "chain-4" }),
    );
    expect(res.status?.code).toBe(0);
    expect(headerMap(res.okResponse?.headers)["x-wimse-auth-method"]).toBe("http-sig");
    expect((await h.auditLines()).at(-1)).toMatchObject({
      source_id: id("backend"),
      token_method: "http-sig",
      transport_id: id("middlebox"),
    });
  });
});

describe("rejections through the service: 400, RFC 9457 body naming the check, audit with both identities, no token text", () => {
  async function expectProblem(req: CheckRequest, check: string, code: RegExp, secrets: string[]) {
    const res = await h.check(req);
    expect(res.status?.code).toBe(7);
    expect(res.deniedResponse?.status?.code).toBe(400);
    const hdrs = headerMap(res.deniedResponse?.headers);
    expect(hdrs["content-type"]).toBe("application/problem+json");
    const body = JSON.parse(res.deniedResponse?.body ?? "") as Record<string, unknown>;
    expect(body.status).toBe(400);
    expect(body.check).toBe(check);
    expect(String(body.reason_code)).toMatch(code);
    expect(body.type).toBe(`urn:wimse-authz:problem:${body.reason_code}`);
    expect(hdrs["x-wimse-authz-reason"]).toBe(body.reason_code);
    const requestId = req.attributes?.request?.http?.headers["x-request-id"];
    const text = await h.auditText();
    const line = (await h.auditLines()).find((l) => l.request_id === requestId);
    expect(line).toMatchObject({
      decision: "deny",
      http_status: 400,
      reason_code: body.reason_code,
      token_check: check,
      transport_id: id("middlebox"),
      source_id: id("middlebox"),
    });
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(res.deniedResponse?.body ?? "").not.toContain(s);
    }
    return body;
  }

  it("a replayed WPT", async () => {
    const headers = await wptHeaders(bWit, {
      method: "GET",
      url: `${C_TARGET}/invoices`,
      audience: C_TARGET,
    });
    const first = await h.check(
      viaMiddlebox(middlebox, { path: "/invoices", headers, requestId: "replay-1" }),
    );
    expect(first.status?.code).toBe(0);
    await expectProblem(
      viaMiddlebox(middlebox, { path: "/invoices", headers, requestId: "replay-2" }),
      "wpt.jti",
      /^wpt_replayed$/,
      [bWit.wit, headers["workload-proof-token"]],
    );
  });

  it("a WPT for another audience, e.g. the Host the request carries", async () => {
    for (const [n, aud] of ["https://middlebox", `${DEMO_TOKEN_TARGETS.billing}.evil.example`].entries()) {
      const headers = await wptHeaders(bWit, { method: "GET", url: `${C_TARGET}/invoices`, audience: aud });
      await expectProblem(
        viaMiddlebox(middlebox, { path: "/invoices", headers, requestId: `aud-${n}` }),
        "wpt.aud",
        /^wpt_aud_mismatch$/,
        [headers["workload-proof-token"]],
      );
    }
  });

  it("an HTTP signature whose body was changed on the way (Content-Digest mismatch)", async () => {
    const headers = httpSigHeaders(bWit, {
      method: "POST",
      url: `${C_TARGET}/invoices`,
      audience: C_TARGET,
      body: '{"amount":42}',
    });
    await expectProblem(
      viaMiddlebox(middlebox, {
        method: "POST",
        path: "/invoices",
        headers,
        body: '{"amount":99}',
        requestId: "digest-1",
      }),
      "http-sig.content-digest",
      /^httpsig_digest/,
      [bWit.wit, headers.signature],
    );
  });

  it("a WIT alone (no proof) is never a bearer token", async () => {
    await expectProblem(
      viaMiddlebox(middlebox, {
        path: "/invoices",
        headers: { "workload-identity-token": bWit.wit },
        requestId: "bearer-1",
      }),
      "tokens.proof",
      /^tokens_proof_missing$/,
      [bWit.wit],
    );
  });

  it("a revoked transport certificate is never ignored, even with a valid token", async () => {
    const revoked = await handshake("revoked");
    const headers = await wptHeaders(bWit, {
      method: "GET",
      url: `${C_TARGET}/invoices`,
      audience: C_TARGET,
    });
    const res = await h.check(viaMiddlebox(revoked, { path: "/invoices", headers, requestId: "revoked-1" }));
    expect(res.status?.code).toBe(7);
    expect(headerMap(res.deniedResponse?.headers)["x-wimse-authz-reason"]).toBe("x509_revoked");
  });
});
