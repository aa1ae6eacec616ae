/**
 * End to end: real TLS handshakes (node:tls, client certificates from the demo PKI) give the peer
 * certificate exactly as Envoy encodes it; CheckRequests built the way Envoy builds them go over
 * real gRPC to a running service that uses the real identity stage (src/identity) and a Rego
 * policy compiled by our compiler and evaluated through opa-wasm (src/policy). Responses and audit
 * lines are asserted.
 */
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoPkiManifest } from "../../src/pki/write.js";
import { envoyRequest, type Harness } from "../server/support/harness.js";
import { type DemoService, headerMap, startDemoService } from "./support/demo-service.js";
import { derToPem, envoyUrlEncodePem } from "./support/envoy-tls.js";

const POLICY_DIR = join(import.meta.dirname, "policy");
const OPTIONAL = "identity:\n  optional:\n    - path: /healthz\n      methods: [GET]\n";

let s: DemoService;
let h: Harness;
let manifest: DemoPkiManifest;
const read = (rel: string) => s.read(rel);
const id = (w: string) => s.id(w);
const handshake = (w: string) => s.handshake(w);

/** The XFCC element Envoy (forward_client_cert_details: APPEND_FORWARD, cert + uri) appends. */
function xfccFor(by: string, workload: string): string {
  const leafPem = read(manifest.workloads[workload].cert).toString("utf8");
  const der = new X509Certificate(leafPem).raw;
  const hash = createHash("sha256").update(der).digest("hex");
  return `By=${by};Hash=${hash};Cert="${envoyUrlEncodePem(derToPem(der))}";URI=${id(workload)}`;
}

beforeAll(async () => {
  s = await startDemoService({ prefix: "wimse-e2e-", policyDir: POLICY_DIR, yamlText: OPTIONAL });
  ({ h, manifest } = s);
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe("end to end: TLS handshake -> Envoy CheckRequest -> identity -> compiled Rego -> response + audit", () => {
  it("the service is SERVING with real trust bundles and a compiled policy", async () => {
    expect((await h.checkHealth()).status).toBe(1);
    expect(h.service.health.get("envoy.service.auth.v3.Authorization")).toBe(1);
  });

  it("the handshake yields the URL-encoded PEM of the leaf only, as Envoy sends it", async () => {
    const peer = await handshake("frontend");
    expect(peer.certificate).toMatch(/^-----BEGIN%20CERTIFICATE-----%0A/);
    expect(peer.certificate).not.toMatch(/[\n +/=]/);
    expect(decodeURIComponent(peer.certificate)).toBe(peer.pem);
    expect(peer.pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(peer.principal).toBe(id("frontend"));
  });

  it("frontend (demo trust domain) GET /api/orders is allowed with identity and policy headers", async () => {
    const peer = await handshake("frontend");
    const res = await h.check(
      envoyRequest({
        certificate: peer.certificate,
        principal: peer.principal,
        path: "/api/orders?page=1",
        headers: { "x-request-id": "e2e-1", "x-wimse-workload-id": "spiffe://evil.example/forged" },
      }),
    );
    expect(res.status?.code).toBe(0);
    const set = headerMap(res.okResponse?.headers);
    expect(set["x-wimse-workload-id"]).toBe(id("frontend"));
    expect(set["x-wimse-trust-domain"]).toBe("demo.wimse-authz.local");
    expect(set["x-wimse-auth-method"]).toBe("mtls");
    expect(set["x-authz-policy"]).toBe("e2e");
    expect(res.okResponse?.headersToRemove).toContain("x-wimse-proxy-id");
    const line = (await h.auditLines()).at(-1);
    expect(line).toMatchObject({
      decision: "allow",
      request_id: "e2e-1",
      source_id: id("frontend"),
      proxy_id: "",
      auth_method: "mtls",
      path: "/api/orders",
      http_status: 200,
      reason_code: "allowed",
    });
    expect(line?.policy_revision).toMatch(/\S/);
    expect(line?.decision_id).toBe(res.dynamicMetadata?.decision_id);
  });

  it("a workload of the other trust domain is denied by the policy (403, body, headers)", async () => {
    const peer = await handshake("billing");
    const res = await h.check(
      envoyRequest({ certificate: peer.certificate, principal: peer.principal, path: "/api/orders" }),
    );
    expect(res.status?.code).toBe(7);
    expect(res.deniedResponse?.status?.code).toBe(403);
    expect(res.deniedResponse?.body).toBe("denied by policy");
    expect(headerMap(res.deniedResponse?.headers)["x-denied-by"]).toBe("e2e");
    expect((await h.auditLines()).at(-1)).toMatchObject({
      decision: "deny",
      source_id: id("billing"),
      reason_code: "policy_denied",
      http_status: 403,
    });
  });

  it("a revoked certificate is denied by identity before the policy, with the reason code", async () => {
    const peer = await handshake("revoked");
    const res = await h.check(
      envoyRequest({ certificate: peer.certificate, principal: peer.principal, path: "/api/orders" }),
    );
    expect(res.status?.code).toBe(7);
    expect(res.deniedResponse?.status?.code).toBe(403);
    const line = (await h.auditLines()).at(-1);
    expect(line?.decision).toBe("deny");
    expect(line?.reason_code).toMatch(/revoked/);
    expect(headerMap(res.deniedResponse?.headers)["x-wimse-authz-reason"]).toBe(line?.reason_code);
    expect(line?.source_id).toBe("");
  });

  it("no certificate: no_certificate denial", async () => {
    const res = await h.check(envoyRequest({ path: "/api/orders" }));
    expect(res.status?.code).toBe(7);
    expect((await h.auditLines()).at(-1)).toMatchObject({ decision: "deny", reason_code: "no_certificate" });
  });

  it("a garbage certificate is denied with a reason code, and its text never reaches the audit", async () => {
    const garbage = envoyUrlEncodePem(
      "-----BEGIN CERTIFICATE-----\nTUlJQmdhcmJhZ2U=\n-----END CERTIFICATE-----\n",
    );
    const res = await h.check(envoyRequest({ certificate: garbage, path: "/api/orders" }));
    expect(res.status?.code).toBe(7);
    const line = (await h.auditLines()).at(-1);
    expect(line?.decision).toBe("deny");
    expect(line?.reason_code).toMatch(/\S/);
    expect(await h.auditText()).not.toContain("TUlJQmdhcmJhZ2U");
  });

  it("XFCC through the trusted middlebox: the forwarded workload is the identity, the middlebox the proxy", async () => {
    const peer = await handshake("middlebox");
    const res = await h.check(
      envoyRequest({
        certificate: peer.certificate,
        principal: peer.principal,
        path: "/api/orders",
        headers: {
          "x-forwarded-client-cert": xfccFor(id("middlebox"), "backend"),
          "x-request-id": "e2e-xfcc",
        },
      }),
    );
    expect(res.status?.code).toBe(0);
    const set = headerMap(res.okResponse?.headers);
    expect(set["x-wimse-workload-id"]).toBe(id("backend"));
    expect(set["x-wimse-proxy-id"]).toBe(id("middlebox"));
    expect(set["x-wimse-auth-method"]).toBe("xfcc");
    expect(set["x-via-proxy"]).toBe(id("middlebox"));
    expect((await h.auditLines()).at(-1)).toMatchObject({
      decision: "allow",
      request_id: "e2e-xfcc",
      source_id: id("backend"),
      proxy_id: id("middlebox"),
      auth_method: "xfcc",
    });
  });

  it("XFCC from a peer that is not a trusted proxy is refused", async () => {
    const peer = await handshake("frontend");
    const res = await h.check(
      envoyRequest({
        certificate: peer.certificate,
        principal: peer.principal,
        path: "/api/orders",
        headers: { "x-forwarded-client-cert": xfccFor(id("frontend"), "backend") },
      }),
    );
    expect(res.status?.code).toBe(7);
    const line = (await h.auditLines()).at(-1);
    expect(line?.decision).toBe("deny");
    expect(line?.reason_code).not.toBe("policy_denied");
  });

  it("identity-optional /healthz: the compiled policy sees identity_error and allows", async () => {
    const res = await h.check(
      envoyRequest({ path: "/healthz", headers: { "x-wimse-workload-id": "forged" } }),
    );
    expect(res.status?.code).toBe(0);
    expect(headerMap(res.okResponse?.responseHeadersToAdd)["x-health"]).toBe("ok");
    expect(res.okResponse?.headersToRemove).toContain("x-wimse-workload-id");
    expect((await h.auditLines()).at(-1)).toMatchObject({
      decision: "allow",
      source_id: "",
      path: "/healthz",
    });
  });

  it("a handshake with a certificate from an unknown CA never completes (Envoy would not forward it)", async () => {
    const { generateDemoPki } = await import("../../src/pki/write.js");
    const other = mkdtempSync(join(tmpdir(), "wimse-e2e-other-"));
    try {
      const m = await generateDemoPki(other);
      const w = m.workloads.frontend;
      await expect(
        s.envoy.handshake({
          cert: readFileSync(join(other, w.chain)),
          key: readFileSync(join(other, w.key)),
        }),
      ).rejects.toThrow();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("no audit line contains certificate bodies", async () => {
    const text = await h.auditText();
    expect(text).not.toMatch(/BEGIN|MII[A-Za-z0-9]/);
    for (const line of text.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });
});
