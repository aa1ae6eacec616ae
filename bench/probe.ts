/**
 * `node dist-bench/bench/probe.js`: the servers part of the bench, for experiments. Chosen servers
 * (baseline, ours, ours-inline, echo: bench/echo-thread.ts, the thread hop without a decision),
 * each in its own process, the bench's generator, alternating rounds after an unrecorded warm-up
 * of each server; prints per server the merged p50/p90/p99/p99.9, the generator's worst send lag,
 * process CPU per call and each busy thread's CPU per call (Linux), and what stalled each server's
 * main thread during its measured windows: garbage collections by kind (count, total, longest)
 * and the event-loop delay (worst window's p99, maximum). No targets, no files.
 *
 * Flags: --servers LIST (baseline,ours,ours-inline,echo) --rps N (1000; 0: saturation)
 *        --in-flight N (64, saturation) --rounds N (4) --seconds S (5, per round) --warmup S (3)
 *        --identities N (100) --server-node-flags "default"|"none"|"--flag ..." (as bench/run.ts)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AuthorizationService } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { startGenerator } from "./generator.js";
import { encodeRequests } from "./load.js";
import { ensureRuntimeWasm, repoRoot } from "./paths.js";
import {
  isServerKind,
  parseServerNodeFlags,
  type ServerKind,
  type ServerProcess,
  spawnServer,
} from "./servers.js";
import { Samples, summarize } from "./stats.js";
import { verifyServer } from "./verify.js";
import { writeBenchSetup } from "./workload.js";

const { values } = parseArgs({
  options: {
    servers: { type: "string", default: "baseline,ours,ours-inline,echo" },
    rps: { type: "string", default: "1000" },
    "in-flight": { type: "string", default: "64" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "3" },
    identities: { type: "string", default: "100" },
    "server-node-flags": { type: "string", default: "default" },
  },
});

function num(name: keyof typeof values, min: number): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) throw new Error(`probe: --${name} must be a number >= ${min}`);
  return n;
}

async function main(): Promise<void> {
  const kinds = String(values.servers).split(",");
  for (const k of kinds) if (!isServerKind(k)) throw new Error(`probe: unknown server ${k}`);
  const rps = num("rps", 0);
  const inFlight = num("in-flight", 1);
  const rounds = num("rounds", 1);
  const windowMs = num("seconds", 0.1) * 1000;
  const warmupMs = num("warmup", 0) * 1000;
  const nodeFlags = parseServerNodeFlags(String(values["server-node-flags"]));
  const benchDir = dirname(fileURLToPath(import.meta.url));
  const root = repoRoot(benchDir);
  ensureRuntimeWasm(root, benchDir);
  const dir = mkdtempSync(join(tmpdir(), "wimse-probe-"));
  const servers: Array<{ kind: ServerKind; proc: ServerProcess }> = [];
  const generator = startGenerator();
  try {
    const { workload, setupFile } = await writeBenchSetup(dir, num("identities", 1), join(root, "policies"));
    for (const kind of kinds as ServerKind[]) {
      const proc = await spawnServer(kind, setupFile, { nodeFlags });
      servers.push({ kind, proc });
      await verifyServer(proc.address, kind, workload.requests);
    }
    const encoded = encodeRequests(workload.requests.map((r) => r.request));
    await generator.connect(
      "h2",
      AuthorizationService.check.path,
      servers.map((s) => s.proc.address),
      encoded,
    );
    const window = (i: number, durationMs: number, warm: number) =>
      rps > 0
        ? generator.open(i, { rps, warmupMs: warm, durationMs })
        : generator.closed(i, { inFlight, warmupMs: warm, durationMs });
    for (let i = 0; i < servers.length; i++) await window(i, warmupMs, 0);
    const acc = servers.map(() => ({
      samples: new Samples(),
      errors: 0,
      lag: 0,
      cpu: 0,
      threads: {} as Record<string, number>,
      gc: {} as Record<string, number[]>,
      loopP99: 0,
      loopMax: 0,
    }));
    const roundWarmMs = 500;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < servers.length; i++) {
        const { proc } = servers[i];
        const cpu0 = await proc.cpuUs();
        const t0 = await proc.threadsCpuUs();
        await proc.pauses(); // from here on: this window (its warm-up included)
        const w = await window(i, windowMs, roundWarmMs);
        const p = await proc.pauses();
        const cpu1 = await proc.cpuUs();
        const t1 = await proc.threadsCpuUs();
        // CPU over the window's warm-up too: count its calls at the recorded rate.
        const scale = windowMs / (windowMs + roundWarmMs);
        acc[i].cpu += (cpu1 - cpu0) * scale;
        for (const [k, v] of Object.entries(t1))
          acc[i].threads[k] = (acc[i].threads[k] ?? 0) + (v - (t0[k] ?? v)) * scale;
        for (const v of w.samples) acc[i].samples.add(v);
        acc[i].errors += w.errors;
        acc[i].lag = Math.max(acc[i].lag, w.maxLagMs);
        if (p) {
          for (const [kind, ds] of Object.entries(p.gc))
            acc[i].gc[kind] = [...(acc[i].gc[kind] ?? []), ...ds];
          acc[i].loopP99 = Math.max(acc[i].loopP99, p.loopDelayP99Ms);
          acc[i].loopMax = Math.max(acc[i].loopMax, p.loopDelayMaxMs);
        }
      }
    }
    const mode = rps > 0 ? `${rps} rps` : `${inFlight} in flight`;
    process.stdout.write(
      `probe: ${mode}, ${rounds} rounds of ${windowMs / 1000} s per server, after ${warmupMs / 1000} s warm-up each; server node flags: ${nodeFlags.join(" ") || "none"}\n`,
    );
    for (let i = 0; i < servers.length; i++) {
      const a = acc[i];
      const s = summarize(a.samples, (rounds * windowMs) / 1000, a.errors);
      const perCall = (us: number) => Math.round(us / Math.max(1, s.count));
      const threads = Object.entries(a.threads)
        .filter(([, us]) => perCall(us) >= 10)
        .map(([k, us]) => `${k} ${perCall(us)}`)
        .join(", ");
      process.stdout.write(
        `${servers[i].kind.padEnd(12)} ${Math.round(s.throughput)}/s errors ${s.errors} p50 ${s.p50.toFixed(2)} p90 ${s.p90.toFixed(2)} p99 ${s.p99.toFixed(2)} p99.9 ${s.p999.toFixed(2)} ms, worst send lag ${a.lag.toFixed(1)} ms, CPU ${perCall(a.cpu)} µs/call (threads >= 10 µs: ${threads})\n`,
      );
      const gc = Object.entries(a.gc)
        .map(([kind, ds]) => {
          const total = ds.reduce((x, y) => x + y, 0);
          return `${kind} ${ds.length} (${total.toFixed(0)} ms, longest ${Math.max(...ds).toFixed(1)})`;
        })
        .join(", ");
      process.stdout.write(
        `${"".padEnd(12)} main thread in its windows: GC ${gc || "none"}; event-loop delay p99 ${a.loopP99.toFixed(1)} ms (worst window), max ${a.loopMax.toFixed(1)} ms\n`,
      );
    }
  } finally {
    await generator.stop();
    for (const s of servers) await s.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
