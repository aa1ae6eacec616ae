/**
 * Latency figures for the report: a running service with the real identity stage (demo PKI) and
 * the e2e Rego policy compiled by our compiler; N Checks for a real TLS peer over gRPC on loopback.
 * Prints server-side decision time (audit latency_ms) and client round trips, sequential and with
 * concurrency. Usage: npx tsx test/e2e/support/latency.ts [N]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../src/config/load.js";
import { demoIdentity } from "../../../src/server/runtime/demo-pki.js";
import { createIdentityRuntime } from "../../../src/server/runtime/identity.js";
import { createPolicyRuntime } from "../../../src/server/runtime/policy.js";
import { envoyRequest, startHarness } from "../../server/support/harness.js";
import { startEnvoyListener } from "./envoy-tls.js";

const N = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), "wimse-lat-"));
const policyDir = join(import.meta.dirname, "../policy");
const demo = await demoIdentity(join(dir, "pki"));
const m = demo.manifest;
const pki = (rel: string) => readFileSync(join(dir, "pki", rel));
const envoy = await startEnvoyListener({
  cert: pki(m.workloads.envoy.chain),
  key: pki(m.workloads.envoy.key),
  clientCas: [pki(m.trustDomains.demo.root)],
  serverCa: [pki(m.trustDomains.demo.root)],
});
const peer = await envoy.handshake({
  cert: pki(m.workloads.frontend.chain),
  key: pki(m.workloads.frontend.key),
});
await envoy.close();
const config = loadConfig({ env: {}, flags: [["--policy-dir", policyDir]] });
const identity = createIdentityRuntime({
  identity: config.identity,
  trustDomains: demo.trustDomains,
  trustedProxies: demo.trustedProxies,
  log: () => {},
});
await identity.reload?.();
const policy = await createPolicyRuntime(config.policy, console.error);
const h = await startHarness({ identity, policy }, [["--policy-dir", policyDir]]);
const req = envoyRequest({
  certificate: peer.certificate,
  principal: peer.principal,
  path: "/api/orders",
  headers: { "x-request-id": "lat" },
});

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(3)} ms, p90 ${pct(xs, 90).toFixed(3)} ms, p99 ${pct(xs, 99).toFixed(3)} ms`;

for (let i = 0; i < 200; i++) await h.check(req); // warm-up (JIT, identity cache)
const skip = (await h.auditLines()).length;
const rtt: number[] = [];
for (let i = 0; i < N; i++) {
  const t = process.hrtime.bigint();
  const res = await h.check(req);
  rtt.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (res.status?.code !== 0) throw new Error("expected allow");
}
const server = (await h.auditLines()).slice(skip).map((l) => l.latency_ms);
const conc = 32;
const t0 = Date.now();
let done = 0;
await Promise.all(
  Array.from({ length: conc }, async () => {
    while (done < N) {
      done++;
      await h.check(req);
    }
  }),
);
const secs = (Date.now() - t0) / 1000;
console.log(`machine: ${cpus()[0]?.model} x${cpus().length}, node ${process.version}`);
console.log(
  `sequential ${N} allow Checks (real X.509 identity, cached verification; compiled Rego via opa-wasm):`,
);
console.log(`  server decision (audit latency_ms): ${fmt(server)}`);
console.log(`  client round trip over loopback gRPC: ${fmt(rtt)}`);
console.log(`concurrency ${conc}: ${N} Checks in ${secs.toFixed(2)} s = ${(N / secs).toFixed(0)} checks/s`);
const stats = identity.cacheStats?.();
console.log(`identity cache: ${JSON.stringify(stats)}`);
await h.close();
rmSync(dir, { recursive: true, force: true });
