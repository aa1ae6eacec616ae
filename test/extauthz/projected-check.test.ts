/**
 * The checker over the real default policy (policies/), once through the engine's
 * evaluateProjected (the input built for the paths the policy reads) and once through a policy
 * that only has evaluate (the whole input): the same responses and audit records for seeded
 * random requests, allowed and denied; and without a loaded policy, a dry-run allow still carries
 * the identity headers.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckDeps, type CheckResult, createChecker } from "../../src/extauthz/check.js";
import { WasmPolicyEngine } from "../../src/policy/engine.js";
import { regoDirectorySource } from "../../src/policy/source.js";
import type { PolicyEngine } from "../../src/policy/types.js";
import { mulberry32, type Rng, pick } from "../support/prng.js";
import { FakeIdentity } from "../server/support/doubles.js";
import { envoyRequest } from "../server/support/harness.js";

const root = path.resolve(import.meta.dirname, "../..");

const names = {
  workloadId: "x-wimse-workload-id",
  trustDomain: "x-wimse-trust-domain",
  proxyId: "x-wimse-proxy-id",
  authMethod: "x-wimse-auth-method",
};

function deps(policy: PolicyEngine, dryRun = false): CheckDeps {
  let n = 0;
  return {
    authenticator: new FakeIdentity(),
    policy,
    newDecisionId: () => `id-${n++}`,
    settings: {
      limits: { maxHeaderValueBytes: 8192, maxHeadersBytes: 65536, maxHeadersCount: 100 },
      identityOptional: [{ pathPrefix: "/healthz", methods: [] }],
      identityHeaders: names,
      dryRun,
      denyStatus: 403,
      identityFailureStatus: 401,
      skipBodyParse: false,
    },
  };
}

/** Only evaluate: the checker then builds the whole input. */
const plain = (engine: PolicyEngine): PolicyEngine => ({
  evaluate: (input) => engine.evaluate(input),
  get revision() {
    return engine.revision;
  },
  get ready() {
    return engine.ready;
  },
});

function request(rng: Rng) {
  const caller = pick(rng, [
    "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend",
    "spiffe://demo.wimse-authz.local/ns/demo/sa/other",
    "spiffe://evil.example/ns/demo/sa/frontend",
    "wimse://demo2.wimse-authz.local/workload/billing",
  ]);
  return envoyRequest({
    method: pick(rng, ["GET", "POST", "HEAD", "DELETE"]),
    path: pick(rng, ["/api/orders/1", "/public/x?y=1", "/healthz", "/callbacks/billing", "/invoices", "/"]),
    certificate: rng() < 0.85 ? encodeURIComponent(`FAKE-CERT ${caller}`) : "",
    destination: pick(rng, [
      "spiffe://demo.wimse-authz.local/ns/demo/sa/backend",
      "wimse://demo2.wimse-authz.local/workload/billing",
    ]),
    headers:
      rng() < 0.3 ? { "x-wimse-workload-id": "spoofed", "x-request-id": "r" } : { "x-request-id": "r" },
  });
}

/** A result without its timing fields (time, latency), which differ between two runs. */
function comparable(r: CheckResult | Promise<CheckResult>) {
  if (r instanceof Promise) throw new Error("unexpected token path");
  const { time: _t, latency_ms: _l, ...audit } = r.audit;
  return { response: r.response, audit };
}

describe("checker with the engine's projected input", () => {
  let engine: WasmPolicyEngine;
  beforeAll(async () => {
    engine = await WasmPolicyEngine.start({
      source: regoDirectorySource(path.join(root, "policies"), ["envoy/authz/allow"]),
    });
    expect(engine.ready).toBe(true);
  });
  afterAll(() => engine.close());

  it("answers as with the whole input (300 seeded requests, both outcomes)", () => {
    const projected = createChecker(deps(engine));
    const whole = createChecker(deps(plain(engine)));
    const rng = mulberry32(77);
    const decisions = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const r = request(rng);
      const a = comparable(projected(r));
      expect(a, `case ${i}`).toEqual(comparable(whole(r)));
      decisions.add(`${a.audit.decision}:${a.audit.reason_code}`);
    }
    expect(decisions).toContain("allow:allowed");
    expect(decisions).toContain("deny:policy_denied");
  });

  it("without a loaded policy, a dry-run allow still carries the identity headers", async () => {
    const failing = await WasmPolicyEngine.start({
      source: regoDirectorySource(path.join(root, "no-such-policy-dir"), ["envoy/authz/allow"]),
    });
    expect(failing.ready).toBe(false);
    const r = envoyRequest({
      certificate: encodeURIComponent("FAKE-CERT spiffe://demo.wimse-authz.local/ns/demo/sa/frontend"),
    });
    const got = comparable(createChecker(deps(failing, true))(r));
    expect(got).toEqual(comparable(createChecker(deps(plain(failing), true))(r)));
    expect(got.audit.decision).toBe("dry-run-deny");
    expect(got.audit.reason_code).toBe("policy_not_loaded");
    const set = got.response.okResponse?.headers.map((h) => [h.header?.key, h.header?.value]);
    expect(set).toContainEqual([
      "x-wimse-workload-id",
      "spiffe://demo.wimse-authz.local/ns/demo/sa/frontend",
    ]);
  });
});
