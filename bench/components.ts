/**
 * The per-decision components alone, in the generator's process, on the bench's own request mix
 * (the same CheckRequests the servers get) and the default policy:
 *  - input construction: header collection, path and body parsing and the input document
 *    (buildInput, i.e. the CheckRequest in protobuf JSON form plus our fields), as the checker does;
 *  - policy evaluation per decision: the default policy (policies/) on those inputs;
 *  - audit write: one audit record formatted and written to a file, the flush to the OS included.
 * Identity verification (miss/hit) is measured in identity-cost.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditRecord } from "../src/audit/record.js";
import { openAuditSink } from "../src/audit/sink.js";
import type { Config } from "../src/config/types.js";
import { parseBody } from "../src/extauthz/body.js";
import { collectHeaders } from "../src/extauthz/headers.js";
import { buildInput } from "../src/extauthz/input.js";
import { parseTarget } from "../src/extauthz/path.js";
import { RequestRejection } from "../src/extauthz/reasons.js";
import type { CheckRequest } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import type { AuthResult } from "../src/identity/types.js";
import { DEFAULT_ENTRYPOINT, WasmPolicyEngine } from "../src/policy/engine.js";
import { regoDirectorySource } from "../src/policy/source.js";

export interface ComponentCosts {
  /** Microseconds per request: headers, path, body and the input document. */
  inputUs: number;
  /** Microseconds per decision of the default policy on the bench inputs. */
  policyUs: number;
  /** Microseconds per audit record written to a file (format, buffer, flush). */
  auditUs: number;
  /** Allowed decisions among the distinct bench inputs (a sanity figure). */
  allowedInputs: number;
  inputs: number;
}

/** Runs `body` repeatedly for at least `ms` (and 3 rounds), returns microseconds per call. */
export function timeLoop(ms: number, perRound: number, body: (i: number) => void): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms || n < 3 * perRound) {
    for (let i = 0; i < perRound; i++) body(n++);
    now = performance.now();
  }
  return ((now - start) * 1000) / n;
}

export async function measureComponents(opts: {
  requests: readonly CheckRequest[];
  authenticate: (request: CheckRequest) => AuthResult;
  limits: Config["request"];
  policyDir: string;
  ms: number;
}): Promise<ComponentCosts> {
  const { requests, limits, ms } = opts;
  const auths = requests.map((r) => opts.authenticate(r));
  const hidden = new Set([
    "x-wimse-workload-id",
    "x-wimse-trust-domain",
    "x-wimse-proxy-id",
    "x-wimse-auth-method",
  ]);
  const construct = (i: number): Record<string, unknown> => {
    const request = requests[i % requests.length];
    const http = request.attributes?.request?.http;
    if (!http) throw new Error("bench: a request without attributes.request.http");
    const headers = collectHeaders(http, limits);
    if (headers instanceof RequestRejection) throw new Error(`bench: headers rejected: ${headers.code}`);
    const target = parseTarget(http.path);
    if (target instanceof RequestRejection) throw new Error(`bench: path rejected: ${target.code}`);
    const body = parseBody(http, headers);
    return buildInput({ request, target, body, auth: auths[i % requests.length], hiddenHeaders: hidden });
  };
  const inputs = requests.map((_, i) => construct(i));
  const inputUs = timeLoop(ms, requests.length, construct);

  const engine = await WasmPolicyEngine.start({
    // The module's evaluation itself: an equal input reused would measure a Map lookup.
    reuseDecisions: false,
    source: regoDirectorySource(opts.policyDir, [DEFAULT_ENTRYPOINT]),
    entrypoint: DEFAULT_ENTRYPOINT,
  });
  let allowedInputs = 0;
  let policyUs: number;
  try {
    if (!engine.ready) throw new Error("bench: the default policy did not load");
    for (const input of inputs) {
      const out = engine.evaluate(input);
      if (out.kind !== "decision")
        throw new Error(`bench: policy evaluation failed: ${out.code} ${out.message}`);
      if (out.decision.allowed) allowedInputs++;
    }
    policyUs = timeLoop(ms, inputs.length, (i) => engine.evaluate(inputs[i % inputs.length]));
  } finally {
    engine.close();
  }

  const dir = mkdtempSync(join(tmpdir(), "wimse-bench-audit-"));
  let auditUs: number;
  try {
    const sink = openAuditSink(join(dir, "audit.log"));
    const record = (i: number): AuditRecord => ({
      time: new Date().toISOString(),
      decision_id: `0b0c6f0e-5d0c-4d6e-9a57-${String(i).padStart(12, "0")}`,
      request_id: `bench-${i}-GET`,
      source_id: `spiffe://demo.wimse-authz.local/ns/bench/sa/w${i % 100}`,
      proxy_id: "",
      auth_method: "mtls",
      destination_principal: "spiffe://demo.wimse-authz.local/ns/demo/sa/backend",
      method: "GET",
      host: "backend.demo.svc.cluster.local",
      path: `/public/items/${i % 100}`,
      decision: i % 2 === 0 ? "allow" : "deny",
      http_status: i % 2 === 0 ? 200 : 403,
      reason_code: i % 2 === 0 ? "allowed" : "policy_denied",
      reason: i % 2 === 0 ? "allowed by policy" : "denied: no matching rule",
      policy_revision: "sha256:0123456789abcdef",
      latency_ms: 0.42,
    });
    // Batches of 1000 records, each flushed: the cost a record really has, I/O included.
    const batch = 1000;
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms || n < 3 * batch) {
      for (let i = 0; i < batch; i++) sink.write(record(n++));
      await sink.flush();
      now = performance.now();
    }
    auditUs = ((now - start) * 1000) / n;
    if (sink.dropped > 0) throw new Error(`bench: the audit sink dropped ${sink.dropped} lines`);
    await sink.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { inputUs, policyUs, auditUs, allowedInputs, inputs: inputs.length };
}
