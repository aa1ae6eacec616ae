/**
 * `npm run bench`: in one run, a no-op grpc-js Authorization/Check baseline and our service, each
 * in its own process, driven by the same load generator (this process) with the same requests:
 * (a) saturation with --in-flight calls in flight, (b) an open loop at --rps. Prints a table and
 * writes bench/results/bench-<date>.json (and latest.json) with the machine description.
 *
 * Flags: --duration S (10) --warmup S (2) --in-flight N (64) --rps N (1000) --identities N (100)
 *        --acl-sizes LIST (10,1000,100000) --out DIR (bench/results)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client, credentials } from "@grpc/grpc-js";
import { AuthorizationClient } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { measureAclGrowth } from "./acl-growth.js";
import { measureIdentityCost } from "./identity-cost.js";
import { closedLoop, encodeRequests, openLoop, rawCheckCaller } from "./load.js";
import { ensureRuntimeWasm, repoRoot } from "./paths.js";
import { type BenchReport, formatTable, machine, ratiosAndTargets, type ServerResult } from "./report.js";
import { type ServerKind, type ServerSetup, serveChild, spawnServer } from "./servers.js";
import { verifyAnswers } from "./verify.js";
import { type BenchRequest, buildWorkload } from "./workload.js";

const script = fileURLToPath(import.meta.url);
const benchDir = dirname(script);
const root = repoRoot(benchDir);

const { values } = parseArgs({
  options: {
    serve: { type: "string" },
    setup: { type: "string" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    "in-flight": { type: "string", default: "64" },
    rps: { type: "string", default: "1000" },
    identities: { type: "string", default: "100" },
    "acl-sizes": { type: "string", default: "10,1000,100000" },
    out: { type: "string", default: join(root, "bench/results") },
  },
});

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`bench: --${name} must be a positive number, got ${text}`);
  return n;
}

async function main(): Promise<void> {
  if (values.serve !== undefined) {
    if (values.serve !== "baseline" && values.serve !== "ours")
      throw new Error(`bench: unknown server ${values.serve}`);
    await serveChild(values.serve, values.setup ?? "");
    return;
  }
  const settings = {
    durationS: positive("duration", values.duration),
    warmupS: positive("warmup", values.warmup),
    inFlight: Math.round(positive("in-flight", values["in-flight"])),
    rps: positive("rps", values.rps),
    identities: Math.round(positive("identities", values.identities)),
  };
  ensureRuntimeWasm(root, benchDir);
  const dir = mkdtempSync(join(tmpdir(), "wimse-bench-"));
  try {
    process.stderr.write(`bench: issuing ${settings.identities} workload certificates...\n`);
    const workload = await buildWorkload(dir, settings.identities);
    const setup: ServerSetup = {
      trustDomains: workload.trustDomains,
      trustedProxies: workload.trustedProxies,
      policyDir: join(root, "policies"),
      auditFile: join(dir, "audit.log"),
    };
    const setupFile = join(dir, "setup.json");
    writeFileSync(setupFile, JSON.stringify(setup));
    const results: Partial<Record<ServerKind, ServerResult>> = {};
    for (const kind of ["baseline", "ours"] as const) {
      results[kind] = await measure(kind, setupFile, workload.requests, settings);
    }
    process.stderr.write("bench: policy evaluation alone, ACL growth...\n");
    const aclSizes = (values["acl-sizes"] ?? "").split(",").map((x) => Math.round(positive("acl-sizes", x)));
    const aclGrowth = await measureAclGrowth(join(root, "policies"), aclSizes, 1000);
    process.stderr.write("bench: identity verification alone, cache miss vs hit...\n");
    const identityCost = await measureIdentityCost(200, 1000);
    const baseline = results.baseline as ServerResult;
    const ours = results.ours as ServerResult;
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: machine(),
      settings: { ...settings, identities: workload.identities, requests: workload.requests.length },
      baseline,
      ours,
      aclGrowth,
      identityCost,
      ...ratiosAndTargets(baseline, ours, aclGrowth, identityCost),
    };
    console.log(formatTable(report));
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    const text = `${JSON.stringify(report, null, 2)}\n`;
    const file = join(out, `bench-${report.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, text);
    writeFileSync(join(out, "latest.json"), text);
    console.log(`\nwrote ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  kind: ServerKind,
  setupFile: string,
  requests: BenchRequest[],
  s: { durationS: number; warmupS: number; inFlight: number; rps: number },
): Promise<ServerResult> {
  const server = await spawnServer(script, kind, setupFile);
  const client = new AuthorizationClient(server.address, credentials.createInsecure());
  const raw = new Client(server.address, credentials.createInsecure());
  try {
    await verifyAnswers(client, kind, requests);
    client.close();
    const call = rawCheckCaller(raw);
    const bodies = encodeRequests(requests.map((r) => r.request));
    process.stderr.write(`bench: ${kind}: saturation (${s.inFlight} in flight, ${s.durationS} s)...\n`);
    const saturation = await closedLoop(call, bodies, {
      inFlight: s.inFlight,
      warmupMs: s.warmupS * 1000,
      durationMs: s.durationS * 1000,
    });
    process.stderr.write(`bench: ${kind}: fixed rate (${s.rps} rps, ${s.durationS} s)...\n`);
    const fixedRate = await openLoop(call, bodies, {
      rps: s.rps,
      warmupMs: s.warmupS * 1000,
      durationMs: s.durationS * 1000,
    });
    return { saturation, fixedRate, rssBytesAfter: server.rssBytes() };
  } finally {
    client.close();
    raw.close();
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
