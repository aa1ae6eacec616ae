/**
 * The local demo (`npm run demo`) end to end, in-process: a fresh demo PKI, the service on built-in
 * defaults with the default policy, real mTLS handshakes through the emulated sidecar and middlebox.
 * Asserts the decisions and reasons the service actually returned (read back from its audit
 * lines), not the demo's own expectation table.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compare } from "../../src/demo/execute.js";
import { type DemoReport, runDemo, runDemoScenarios } from "../../src/demo/run.js";
import { DEMO_SCENARIOS } from "../../src/demo/scenarios.js";
import { DEFAULT_POLICY_DIR } from "../../src/demo/service.js";

const FRONTEND = "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend";
const BILLING = "wimse://demo2.wimse-authz.local/workload/billing";
const MIDDLEBOX = "spiffe://demo.wimse-authz.local/ns/edge/sa/middlebox";
const BACKEND = "spiffe://demo.wimse-authz.local/ns/demo/sa/backend";

const present =
  existsSync(join(DEFAULT_POLICY_DIR, "envoy")) && existsSync(join(DEFAULT_POLICY_DIR, "data.json"));

describe.skipIf(!present)("local demo: real mTLS calls through the sidecar and the middlebox", () => {
  let dir: string;
  let report: DemoReport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wimse-demo-test-"));
    report = await runDemoScenarios({ pkiDir: join(dir, "demo-pki"), workDir: dir });
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const byTitle = (fragment: string) => {
    const row = report.rows.find((r) => r.scenario.title.includes(fragment));
    if (!row) throw new Error(`no demo scenario titled *${fragment}*`);
    return row;
  };

  it("every call got a response and exactly one audit line, matched by x-request-id", () => {
    expect(report.rows).toHaveLength(DEMO_SCENARIOS.length);
    expect(report.audit).toHaveLength(report.rows.length);
    for (const r of report.rows) {
      expect(r.callError, r.scenario.title).toBeUndefined();
      expect(r.audit?.request_id, r.scenario.title).toBe(r.requestId);
      expect(report.audit.filter((a) => a.request_id === r.requestId)).toHaveLength(1);
    }
  });

  it("the token chain: backend -> billing through the middlebox, as backend (WPT and HTTP signature)", () => {
    for (const [title, method] of [
      ["chain: backend -> billing via middlebox, WIT+WPT", "wit-wpt"],
      ["chain: same hop, HTTP signature + body", "http-sig"],
    ] as const) {
      const row = byTitle(title);
      expect(row.transportPeer, title).toBe(MIDDLEBOX);
      expect(row.httpStatus, title).toBe(200);
      expect(row.audit, title).toMatchObject({
        decision: "allow",
        source_id: BACKEND,
        auth_method: method,
        proxy_id: MIDDLEBOX,
        caller: "token",
        transport_id: MIDDLEBOX,
        token_id: BACKEND,
        token_method: method,
        destination_principal: BILLING,
      });
    }
    expect(byTitle("middlebox alone (no token)").audit).toMatchObject({
      decision: "deny",
      source_id: MIDDLEBOX,
      reason_code: "policy_denied",
    });
  });

  it("token rejections: a replayed WPT and a WPT for another audience get 400 with the failed check", () => {
    expect(byTitle("replayed WPT").httpStatus).toBe(400);
    expect(byTitle("replayed WPT").audit).toMatchObject({
      decision: "deny",
      reason_code: "wpt_replayed",
      token_check: "wpt.jti",
      transport_id: MIDDLEBOX,
    });
    expect(byTitle("another audience").httpStatus).toBe(400);
    expect(byTitle("another audience").audit).toMatchObject({
      reason_code: "wpt_aud_mismatch",
      token_check: "wpt.aud",
    });
    for (const a of report.audit) expect(JSON.stringify(a)).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
  });

  it("direct mTLS calls: ACL allow, ACL deny, the wimse:// caller", () => {
    expect(byTitle("frontend -> backend API").audit).toMatchObject({
      decision: "allow",
      source_id: FRONTEND,
      auth_method: "mtls",
      destination_principal: BACKEND,
    });
    expect(byTitle("frontend -> backend API").httpStatus).toBe(200);
    expect(byTitle("frontend, method not granted").audit).toMatchObject({
      decision: "deny",
      reason_code: "policy_denied",
      source_id: FRONTEND,
    });
    expect(byTitle("billing (wimse://) callback").audit).toMatchObject({
      decision: "allow",
      source_id: BILLING,
    });
    expect(byTitle("billing -> API not granted").audit).toMatchObject({
      decision: "deny",
      source_id: BILLING,
    });
    expect(byTitle("frontend, method not granted").httpStatus).toBe(403);
  });

  it("without a certificate only the identity-optional health path passes", () => {
    expect(byTitle("health check, no certificate")).toMatchObject({ transportPeer: "", httpStatus: 200 });
    expect(byTitle("health check, no certificate").audit).toMatchObject({ decision: "allow", source_id: "" });
    expect(byTitle("API call, no certificate").audit).toMatchObject({
      decision: "deny",
      reason_code: "no_certificate",
    });
  });

  it("a revoked certificate and a self-signed impostor pass TLS but are denied by the service", () => {
    const revoked = byTitle("revoked");
    expect(revoked.transportPeer).toBe("spiffe://demo.wimse-authz.local/ns/demo/sa/revoked");
    expect(revoked.audit).toMatchObject({ decision: "deny", reason_code: "x509_revoked", source_id: "" });
    const impostor = byTitle("impostor");
    expect(impostor.transportPeer, "the TLS peer claims frontend's identifier").toBe(FRONTEND);
    expect(impostor.audit).toMatchObject({ decision: "deny", source_id: "" });
    expect(impostor.audit?.reason_code).toMatch(/^x509_/);
    expect(impostor.httpStatus).toBe(403);
  });

  it("XFCC: allowed from the middlebox for the forwarded client, refused from a workload", () => {
    const via = byTitle("via middlebox");
    expect(via.transportPeer).toBe(MIDDLEBOX);
    expect(via.audit).toMatchObject({
      decision: "allow",
      source_id: FRONTEND,
      proxy_id: MIDDLEBOX,
      auth_method: "xfcc",
    });
    expect(via.httpStatus).toBe(200);
    const forged = byTitle("XFCC forged");
    expect(forged.transportPeer).toBe(BACKEND);
    expect(forged.audit).toMatchObject({
      decision: "deny",
      reason_code: "xfcc_untrusted_peer",
      source_id: "",
    });
  });

  it("every scenario matched the demo's expectation (the exit-0 condition)", () => {
    const bad = report.rows.filter((r) => r.mismatches.length > 0).map((r) => `${r.index}: ${r.mismatches}`);
    expect(bad).toEqual([]);
    expect(report.ok).toBe(true);
  });
});

describe("local demo: judging and command line", () => {
  const expectation = { decision: "allow" as const, reasonCode: "allowed", httpStatus: 200 };
  const line = {
    time: "t",
    decision_id: "d",
    request_id: "demo-01",
    source_id: FRONTEND,
    proxy_id: "",
    auth_method: "mtls",
    destination_principal: BACKEND,
    method: "GET",
    host: "backend",
    path: "/api",
    decision: "deny" as const,
    http_status: 403,
    reason_code: "policy_denied",
    reason: "",
    policy_revision: "r",
    latency_ms: 1,
  };

  it("a differing decision, reason or status is a mismatch; a missing audit line too", () => {
    expect(compare(expectation, 403, line)).toEqual([
      "decision deny, expected allow",
      "reason policy_denied, expected allowed",
      "HTTP status 403, expected 200",
    ]);
    expect(compare(expectation, 200, undefined)).toEqual(["no audit line was written for this call"]);
    expect(
      compare(expectation, 200, { ...line, decision: "allow", reason_code: "allowed", http_status: 200 }),
    ).toEqual([]);
  });

  it("a scenario whose expectation the service does not meet makes the run not ok", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wimse-demo-mismatch-"));
    try {
      const wrong = {
        ...DEMO_SCENARIOS[0],
        expect: { decision: "deny" as const, reasonCode: "policy_denied", httpStatus: 403 },
      };
      const r = await runDemoScenarios({ pkiDir: join(dir, "demo-pki"), workDir: dir, scenarios: [wrong] });
      expect(r.ok).toBe(false);
      expect(r.rows[0].mismatches).toContain("decision allow, expected deny");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("a policy that does not compile stops the demo with policy_not_ready (no calls made)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wimse-demo-badpolicy-"));
    try {
      mkdirSync(join(dir, "policy", "envoy"), { recursive: true });
      writeFileSync(join(dir, "policy", "envoy", "authz.rego"), "package envoy.authz\n\nallow := {\n");
      await expect(
        runDemoScenarios({ pkiDir: join(dir, "demo-pki"), workDir: dir, policyDir: join(dir, "policy") }),
      ).rejects.toMatchObject({ code: "policy_not_ready" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("the command prints the table and one audit line per call, and exits 0", async () => {
    const outParts: string[] = [];
    const code = await runDemo([], { out: (t) => outParts.push(t), err: () => {} });
    const out = outParts.join("");
    expect(code, out).toBe(0);
    expect(out).toMatch(/^#\s+scenario\s+transport peer\s+identity\s+via proxy/m);
    for (const s of DEMO_SCENARIOS) expect(out).toContain(s.title);
    expect(out, "the legend maps table names to full identifiers").toMatch(
      new RegExp(`^  frontend +${FRONTEND.replace(/[./]/g, "\\$&")}$`, "m"),
    );
    expect(out).toContain(`audit lines (${DEMO_SCENARIOS.length}, one per Check)`);
    expect(out.match(/request_id=demo-\d\d/g)).toHaveLength(DEMO_SCENARIOS.length);
    expect(out).toContain(`all ${DEMO_SCENARIOS.length} calls got the expected decision`);
  }, 120_000);

  it("--help prints usage and exits 0; an unknown option exits 2", async () => {
    const outParts: string[] = [];
    const errParts: string[] = [];
    const io = { out: (t: string) => outParts.push(t), err: (t: string) => errParts.push(t) };
    expect(await runDemo(["--help"], io)).toBe(0);
    expect(outParts.join("")).toContain("usage: wimse-authz demo");
    expect(await runDemo(["--bogus"], io)).toBe(2);
    expect(errParts.join("")).toContain('unknown option "--bogus"');
  });
});
