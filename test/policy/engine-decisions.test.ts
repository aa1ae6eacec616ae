/**
 * Decisions reused for equal projected inputs: only for modules our compiler marked deterministic
 * (no clock, randomness, network, runtime, print or trace, no time-checked certificate
 * verification), with the same outcomes as evaluating every time, bounded, and started afresh by
 * a reload.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WasmPolicyEngine } from "../../src/policy/engine.js";
import { regoDirectorySource } from "../../src/policy/source.js";
import { compileRego } from "../../src/rego/compile.js";
import { mulberry32, pick } from "../support/prng.js";

const root = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function policyDir(rego: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "wimse-decisions-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "policy.rego"), rego);
  return dir;
}

const deterministicOf = (rego: string) =>
  compileRego([{ path: "p.rego", text: rego }], { entrypoints: ["p/allow"] }).deterministic;

describe("CompileResult.deterministic", () => {
  it("is true for pure built-ins only", () => {
    expect(deterministicOf('package p\nallow if startswith(input.path, "/api")')).toBe(true);
    expect(
      deterministicOf('package p\nallow if count(input.xs) > 1\nallow if sprintf("%d", [1]) == "1"'),
    ).toBe(true);
    for (const call of [
      "time.now_ns() > 0",
      'rand.intn("k", 10) >= 0',
      'uuid.rfc4122("k") != ""',
      'http.send({"method": "GET", "url": "http://x"}).status_code == 200',
      "opa.runtime() != {}",
      'trace("x")',
      "crypto.x509.parse_and_verify_certificates(input.pem)[0]",
      'io.jwt.decode_verify(input.t, {"secret": "s"})[0]',
      'net.lookup_ip_addr("example.com") != set()',
    ]) {
      expect(deterministicOf(`package p\nallow if ${call}`), call).toBe(false);
    }
    // print compiles to nothing (as OPA without --enable-print): no output to lose.
    expect(deterministicOf("package p\nallow if print(input.x)")).toBe(true);
    // Called from a function or a rule the entrypoint depends on counts too.
    expect(deterministicOf("package p\nf(x) := time.now_ns() + x\nallow if f(1) > 0")).toBe(false);
  });
});

describe("WasmPolicyEngine decision reuse", () => {
  it("gives the default policy's outcomes for 2,000 seeded inputs, reusing those it has seen", async () => {
    const source = regoDirectorySource(path.join(root, "policies"), ["envoy/authz/allow"]);
    const reusing = await WasmPolicyEngine.start({ source });
    const every = await WasmPolicyEngine.start({ source, reuseDecisions: false });
    try {
      const rng = mulberry32(31);
      const ids = [
        "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend",
        "spiffe://demo.wimse-authz.local/ns/demo/sa/backend",
        "wimse://demo2.wimse-authz.local/workload/billing",
        "spiffe://other.example/ns/x/sa/y",
      ];
      const distinct = new Set<string>();
      for (let i = 0; i < 2000; i++) {
        const id = pick(rng, ids);
        const input = {
          identity: rng() < 0.1 ? null : { id, scheme: id.split(":")[0], trustDomain: id.split("/")[2] },
          ...(rng() < 0.1 ? { identity_error: { code: "certificate_expired" } } : {}),
          attributes: {
            request: {
              http: {
                method: pick(rng, ["GET", "POST", "DELETE"]),
                path: pick(rng, ["/api/orders", "/invoices", "/admin", "/healthz", "/callbacks/billing"]),
                headers: { "x-request-id": `r-${i}` },
              },
            },
            destination: { principal: pick(rng, ids) },
          },
        };
        distinct.add(
          JSON.stringify([input.identity, input.identity_error, input.attributes.request.http.method]),
        );
        const a = reusing.evaluate(input);
        expect(a, `case ${i}`).toEqual(every.evaluate(input));
      }
      expect(every.decisionsKept()).toBe(0);
      // Reused: fewer kept than evaluated (the request ID is not read, so it is not in the key).
      expect(reusing.decisionsKept()).toBeGreaterThan(10);
      expect(reusing.decisionsKept()).toBeLessThan(2000);
      // A reload (a new revision) starts afresh.
      await reusing.reload();
      expect(reusing.decisionsKept()).toBe(0);
    } finally {
      reusing.close();
      every.close();
    }
  }, 60_000);

  it("never reuses the decisions of a policy that reads the clock", async () => {
    const dir = policyDir(
      'package envoy.authz\nimport rego.v1\nallow := {"allowed": true, "headers": {"x-t": sprintf("%d", [time.now_ns()])}}\n',
    );
    const engine = await WasmPolicyEngine.start({ source: regoDirectorySource(dir, ["envoy/authz/allow"]) });
    try {
      const input = { attributes: { request: { http: { method: "GET", path: "/" } } } };
      const first = engine.evaluate(input);
      await new Promise((r) => setTimeout(r, 2));
      const second = engine.evaluate(input);
      expect(first.kind).toBe("decision");
      expect(second).not.toEqual(first);
      expect(engine.decisionsKept()).toBe(0);
    } finally {
      engine.close();
    }
  }, 60_000);

  it("keeps at most 4,096 decisions", async () => {
    const dir = policyDir("package envoy.authz\nimport rego.v1\nallow if input.n >= 0\n");
    const engine = await WasmPolicyEngine.start({ source: regoDirectorySource(dir, ["envoy/authz/allow"]) });
    try {
      for (let n = 0; n < 5000; n++) {
        const o = engine.evaluate({ n });
        expect(o.kind === "decision" && o.decision.allowed).toBe(true);
      }
      expect(engine.decisionsKept()).toBe(4096);
      const negative = engine.evaluate({ n: -1 });
      expect(negative.kind === "decision" && negative.decision.allowed).toBe(false);
    } finally {
      engine.close();
    }
  }, 60_000);
});
