/**
 * `npm run bench`: in one run, on one machine:
 *  1. a no-op grpc-js Authorization/Check baseline and our service, each in its own process,
 *     driven by the same load generator (its own lean process, bench/generator-main.ts) with the same requests: (a) saturation with
 *     --in-flight calls in flight, (b) an open loop at --rps; both servers run side by side and are
 *     measured in --rounds alternating rounds, so machine noise falls on both alike;
 *  2. a soak: our service, freshly started, at saturation for --soak seconds, its resident memory
 *     sampled at the middle and the end (the target: within 10%);
 *  3. components alone (input construction, policy evaluation, audit write, identity miss/hit) and
 *     growth (ACL size, trust domains configured, XFCC elements), in this process.
 * Prints a table with the target verdicts (computed from this run's figures) and writes
 * bench-<date>.json / .svg and latest.json / .svg under --out, with the machine description.
 *
 * Flags: --duration S (10: saturation, per server) --fixed-duration S (60: fixed rate, per server;
 *        a p99 over 10 s was decided by one or two stalls) --warmup S (2) --in-flight N (64) --rps N (1000) --identities N (100)
 *        --soak S (60; 0 skips it) --acl-sizes LIST (10,1000,100000) --trust-domains LIST
 *        (1,100,10000) --xfcc-elements LIST (1,10) --component-ms MS (1000) --rounds N (5)
 *        --out DIR (bench/results) --client h2|grpc-js (h2: the generator's client, bench/h2-client.ts)
 *        --server-node-flags "default"|"none"|"--flag ..." (default: the flags `serve` runs with,
 *        src/server/node-flags.ts, given to every server, the baseline included; none: V8's defaults)
 *        --quick (every default shrunk to check the whole pipeline in ~30 s: not a measurement;
 *        explicit flags still win).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.js";
import { AuthorizationService } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { measureAclGrowth } from "./acl-growth.js";
import { measureComponents } from "./components.js";
import { measureIdentityCost } from "./identity-cost.js";
import { measureTrustDomainGrowth, measureXfccGrowth } from "./identity-growth.js";
import { startGenerator, type WindowResult } from "./generator.js";
import { type ClientKind, encodeRequests, type LoadClient, openLoadClient } from "./load.js";
import { closedLoop } from "./loops.js";
import { Samples, summarize } from "./stats.js";
import { ensureRuntimeWasm, repoRoot } from "./paths.js";
import {
  type BenchReport,
  formatTable,
  idlePct,
  machine,
  ratiosAndTargets,
  type ServerResult,
  type SoakResult,
} from "./report.js";
import { loadIdentityRuntime, parseServerNodeFlags, spawnServer } from "./servers.js";
import { latencyChart } from "./svg.js";
import { verifyServer } from "./verify.js";
import { type BenchRequest, type Workload, writeBenchSetup } from "./workload.js";

const script = fileURLToPath(import.meta.url);
const benchDir = dirname(script);
const root = repoRoot(benchDir);

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    "fixed-duration": { type: "string" },
    warmup: { type: "string" },
    "in-flight": { type: "string" },
    rps: { type: "string" },
    identities: { type: "string" },
    soak: { type: "string" },
    "acl-sizes": { type: "string" },
    "trust-domains": { type: "string" },
    "xfcc-elements": { type: "string" },
    "component-ms": { type: "string" },
    rounds: { type: "string" },
    out: { type: "string", default: join(root, "bench/results") },
    client: { type: "string", default: "h2" },
    "server-node-flags": { type: "string", default: "default" },
  },
});

/** Full run defaults, and the --quick ones (a pipeline check, not a measurement). */
const DEFAULTS = {
  duration: ["10", "1"],
  "fixed-duration": ["60", "1"],
  warmup: ["2", "0.5"],
  "in-flight": ["64", "16"],
  rps: ["1000", "50"],
  identities: ["100", "5"],
  soak: ["60", "2"],
  "acl-sizes": ["10,1000,100000", "10,100"],
  "trust-domains": ["1,100,10000", "1,10"],
  "xfcc-elements": ["1,10", "1,10"],
  "component-ms": ["1000", "50"],
  rounds: ["5", "1"],
} as const;

function flag(name: keyof typeof DEFAULTS): string {
  return values[name] ?? DEFAULTS[name][values.quick ? 1 : 0];
}

function number(name: keyof typeof DEFAULTS, min: number): number {
  const text = flag(name);
  const n = Number(text);
  if (!Number.isFinite(n) || n < min)
    throw new Error(`bench: --${name} must be a number >= ${min}, got ${text}`);
  return n;
}

function clientKind(text: string | undefined): ClientKind {
  if (text === "h2" || text === "grpc-js") return text;
  throw new Error(`bench: --client must be h2 or grpc-js, got ${text}`);
}

function list(name: keyof typeof DEFAULTS): number[] {
  const items = flag(name)
    .split(",")
    .map((x) => Number(x));
  if (items.length === 0 || items.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`bench: --${name} must be a list of positive integers, got ${flag(name)}`);
  return items;
}

async function main(): Promise<void> {
  const m = machine();
  m.idleBeforePct = await idlePct();
  const started = performance.now();
  const settings = {
    quick: values.quick === true,
    durationS: number("duration", 0.1),
    fixedDurationS: number("fixed-duration", 0.1),
    warmupS: number("warmup", 0),
    inFlight: Math.round(number("in-flight", 1)),
    rps: number("rps", 1),
    identities: Math.round(number("identities", 1)),
    soakS: number("soak", 0),
    componentMs: number("component-ms", 1),
    rounds: Math.round(number("rounds", 1)),
    aclSizes: list("acl-sizes"),
    trustDomainSizes: list("trust-domains"),
    xfccElements: list("xfcc-elements"),
    client: clientKind(values.client),
    serverNodeFlags: parseServerNodeFlags(values["server-node-flags"]),
  };
  ensureRuntimeWasm(root, benchDir);
  const dir = mkdtempSync(join(tmpdir(), "wimse-bench-"));
  try {
    process.stderr.write(`bench: issuing ${settings.identities} workload certificates...\n`);
    const { workload, setupFile } = await writeBenchSetup(dir, settings.identities, join(root, "policies"));
    const { baseline, ours, oursInline } = await measureInterleaved(setupFile, workload.requests, settings);
    const soak = settings.soakS > 0 ? await soakOurs(setupFile, workload.requests, settings) : undefined;

    process.stderr.write("bench: components alone (input, policy, audit)...\n");
    const components = await measureComponents({
      requests: workload.requests.map((r) => r.request),
      authenticate: await authenticatorFor(workload),
      limits: loadConfig({ env: {} }).request,
      policyDir: join(root, "policies"),
      ms: settings.componentMs,
    });
    if (components.allowedInputs !== workload.requests.filter((r) => r.expectAllowed).length) {
      throw new Error(
        `bench: the default policy allowed ${components.allowedInputs} of the bench inputs in process`,
      );
    }
    process.stderr.write("bench: identity verification alone, cache miss vs hit...\n");
    const identityCost = await measureIdentityCost(settings.quick ? 10 : 200, settings.componentMs);
    process.stderr.write(`bench: policy evaluation by ACL size (${settings.aclSizes.join(", ")})...\n`);
    const aclGrowth = await measureAclGrowth(join(root, "policies"), settings.aclSizes, settings.componentMs);
    process.stderr.write(`bench: identity by trust domains (${settings.trustDomainSizes.join(", ")})...\n`);
    const trustDomainGrowth = await measureTrustDomainGrowth(
      settings.trustDomainSizes,
      settings.quick ? 5 : 50,
      settings.componentMs,
    );
    process.stderr.write(`bench: identity by XFCC elements (${settings.xfccElements.join(", ")})...\n`);
    const xfccGrowth = await measureXfccGrowth(settings.xfccElements, settings.componentMs);

    m.loadAvgEnd = loadavg()[0];
    const report: BenchReport = {
      date: new Date().toISOString(),
      runtimeS: (performance.now() - started) / 1000,
      machine: m,
      settings: { ...settings, identities: workload.identities, requests: workload.requests.length },
      baseline,
      ours,
      oursInline,
      soak,
      components,
      identityCost,
      aclGrowth,
      trustDomainGrowth,
      xfccGrowth,
      ...ratiosAndTargets({ baseline, ours, aclGrowth, identityCost, soak, rps: settings.rps }),
    };
    console.log(formatTable(report));
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    const stem = `bench-${report.date.replace(/[:.]/g, "-")}`;
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const svg = chart(report);
    writeFileSync(join(out, `${stem}.json`), json);
    writeFileSync(join(out, `${stem}.svg`), svg);
    writeFileSync(join(out, "latest.json"), json);
    writeFileSync(join(out, "latest.svg"), svg);
    console.log(`\nwrote ${join(out, `${stem}.json`)} and ${stem}.svg (also latest.json, latest.svg)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function chart(r: BenchReport): string {
  const m = r.machine;
  const base = "#1f77b4";
  const ours = "#d62728";
  const inline = "#ff9896";
  const extra = (pick: (x: ServerResult) => ServerResult["saturation"]) =>
    r.oursInline
      ? [{ label: "ours-inline (decision.thread false)", color: inline, summary: pick(r.oursInline) }]
      : [];
  return latencyChart(
    `wimse-authz bench ${r.date.slice(0, 16)}Z — ${m.cpuModel} x${m.cpus}, node ${m.node}, load average ${m.loadAvgStart.toFixed(1)}${r.settings.quick ? " (quick mode)" : ""}`,
    [
      {
        title: `saturation, ${r.settings.inFlight} calls in flight`,
        series: [
          { label: "baseline (no-op)", color: base, summary: r.baseline.saturation },
          { label: "ours", color: ours, summary: r.ours.saturation },
          ...extra((x) => x.saturation),
        ],
      },
      {
        title: `fixed rate, ${r.settings.rps} requests/s`,
        series: [
          { label: "baseline (no-op)", color: base, summary: r.baseline.fixedRate },
          { label: "ours", color: ours, summary: r.ours.fixedRate },
          ...extra((x) => x.fixedRate),
        ],
      },
    ],
  );
}

/** The identity stage as the service builds it, for the in-process component measurements. */
async function authenticatorFor(workload: Workload) {
  const identity = await loadIdentityRuntime(loadConfig({ env: {} }).identity, workload, () => {});
  return (request: BenchRequest["request"]) =>
    identity.authenticate({ sourceCertificate: request.attributes?.source?.certificate, headers: {} });
}

/**
 * Both servers side by side, measured in alternating rounds (baseline, ours, baseline, ours, ...):
 * each mode's `durationS` is split into `rounds` slices, so a burst of other work on a shared
 * machine falls on both servers alike instead of on whichever ran at that moment. The samples of
 * a server's rounds are merged into one distribution per mode; throughput is over the summed
 * measured time. Each round has its own warm-up (not recorded).
 */
async function measureInterleaved(
  setupFile: string,
  requests: BenchRequest[],
  s: {
    durationS: number;
    fixedDurationS: number;
    warmupS: number;
    inFlight: number;
    rps: number;
    rounds: number;
    client: ClientKind;
    serverNodeFlags: readonly string[];
  },
): Promise<{ baseline: ServerResult; ours: ServerResult; oursInline: ServerResult }> {
  // ours-inline (decision.thread false) shows what the decision thread changes; no target on it.
  const kinds = ["baseline", "ours", "ours-inline"] as const;
  const encoded = encodeRequests(requests.map((r) => r.request));
  const servers: Array<Awaited<ReturnType<typeof spawnServer>>> = [];
  const generator = startGenerator();
  try {
    for (const kind of kinds) {
      const server = await spawnServer(kind, setupFile, { nodeFlags: s.serverNodeFlags });
      servers.push(server);
      await verifyServer(server.address, kind, requests);
    }
    await generator.connect(
      s.client,
      AuthorizationService.check.path,
      servers.map((server) => server.address),
      encoded,
    );
    const sliceMs = (s.durationS * 1000) / s.rounds;
    const fixedSliceMs = (s.fixedDurationS * 1000) / s.rounds;
    // The connections stay open between rounds: a short warm-up per round is enough.
    const warmupMs = s.warmupS === 0 ? 0 : Math.max(250, (s.warmupS * 1000) / s.rounds);
    const acc = kinds.map(() => ({ fixed: phase(), sat: phase() }));
    /**
     * One window of server i, added to `into`, with the server's CPU time over it: the window's
     * warm-up is included, so its calls are counted at the recorded window's rate.
     */
    const measure = async (i: number, into: Phase, durationMs: number, run: () => Promise<WindowResult>) => {
      const cpu0 = await servers[i].cpuUs();
      const w = await run();
      into.cpuUs += (await servers[i].cpuUs()) - cpu0;
      into.calls += ((w.samples.length + w.errors) * (warmupMs + durationMs)) / durationMs;
      for (const v of w.samples) into.samples.add(v);
      into.errors += w.errors;
      into.maxLagMs = Math.max(into.maxLagMs, w.maxLagMs);
    };
    process.stderr.write(
      `bench: baseline and ours in ${s.rounds} alternating rounds: fixed rate (${s.rps} rps, ${s.fixedDurationS} s in all), then saturation (${s.inFlight} in flight, ${s.durationS} s in all), generator process with the ${s.client} client...\n`,
    );
    // Each server is first warmed up (JIT, Wasm tier-up, caches) at the fixed rate for the whole
    // --warmup, not recorded; then every round has its own short warm-up.
    for (let i = 0; i < kinds.length; i++) {
      await generator.open(i, { rps: s.rps, warmupMs: 0, durationMs: s.warmupS * 1000 });
    }
    // The fixed-rate rounds come first, all of them: a saturation window leaves ~100x the garbage
    // of a fixed-rate one, and a major GC it leads to, landing in the next window, would measure
    // the order of the phases rather than the server at that rate.
    for (let round = 0; round < s.rounds; round++) {
      for (let i = 0; i < kinds.length; i++) {
        await measure(i, acc[i].fixed, fixedSliceMs, () =>
          generator.open(i, { rps: s.rps, warmupMs, durationMs: fixedSliceMs }),
        );
      }
    }
    for (let round = 0; round < s.rounds; round++) {
      for (let i = 0; i < kinds.length; i++) {
        await measure(i, acc[i].sat, sliceMs, () =>
          generator.closed(i, { inFlight: s.inFlight, warmupMs, durationMs: sliceMs }),
        );
      }
    }
    const result = (i: number): ServerResult => {
      const { fixed, sat } = acc[i];
      return {
        saturation: summarize(sat.samples, s.durationS, sat.errors),
        fixedRate: { ...summarize(fixed.samples, s.fixedDurationS, fixed.errors), maxLagMs: fixed.maxLagMs },
        rssBytesAfter: servers[i].rssBytes(),
        cpuUsPerCall: {
          saturation: sat.cpuUs / Math.max(1, sat.calls),
          fixedRate: fixed.cpuUs / Math.max(1, fixed.calls),
        },
      };
    };
    return { baseline: result(0), ours: result(1), oursInline: result(2) };
  } finally {
    await generator.stop();
    for (const server of servers) await server.stop();
  }
}

/** What one server's windows of one phase (fixed rate or saturation) add up to. */
interface Phase {
  samples: Samples;
  errors: number;
  /** The server process's CPU time over the windows, and the calls it served in them. */
  cpuUs: number;
  calls: number;
  maxLagMs: number;
}

function phase(): Phase {
  return { samples: new Samples(), errors: 0, cpuUs: 0, calls: 0, maxLagMs: 0 };
}

/** A fresh "ours" at saturation for soakS seconds; RSS at the start, every second, mid and end. */
async function soakOurs(
  setupFile: string,
  requests: BenchRequest[],
  s: { soakS: number; inFlight: number; client: ClientKind; serverNodeFlags: readonly string[] },
): Promise<SoakResult> {
  // --expose-gc only serves the diagnosis after the load (what survives a full GC).
  const server = await spawnServer("ours", setupFile, { exposeGc: true, nodeFlags: s.serverNodeFlags });
  let load: LoadClient | undefined;
  try {
    load = await openLoadClient(s.client, server.address, encodeRequests(requests.map((r) => r.request)));
    await verifyServer(server.address, "ours", requests);
    const rssIdleBytes = server.rssBytes();
    const memoryIdle = await server.memory();
    const midS = s.soakS / 2;
    const endS = s.soakS;
    process.stderr.write(
      `bench: ours: soak at saturation (${s.inFlight} in flight, ${endS} s, RSS at ${midS} s and ${endS} s)...\n`,
    );
    const rssTimeline: Array<[number, number]> = [];
    let rssMidBytes: number | undefined;
    let memoryMid: Promise<NodeJS.MemoryUsage | undefined> = Promise.resolve(undefined);
    const t0 = performance.now();
    const sample = () => {
      const b = server.rssBytes();
      if (b !== undefined) rssTimeline.push([Math.round((performance.now() - t0) / 100) / 10, b]);
      return b;
    };
    // 1 s apart: the verdict takes the peak of the last RSS_WINDOW_S seconds before mid and end.
    const every = setInterval(sample, Math.min(1000, (endS * 1000) / 20));
    const mid = setTimeout(() => {
      rssMidBytes = sample();
      memoryMid = server.memory();
    }, midS * 1000);
    const saturation = await closedLoop(load.call, load.bodies, {
      inFlight: s.inFlight,
      warmupMs: 0,
      durationMs: endS * 1000,
    });
    clearInterval(every);
    clearTimeout(mid);
    const rssEndBytes = sample();
    const memory = {
      idle: memoryIdle,
      mid: await memoryMid,
      end: await server.memory(),
      endAfterGc: await server.memory(true),
    };
    return { midS, endS, rssIdleBytes, rssMidBytes, rssEndBytes, rssTimeline, memory, saturation };
  } finally {
    load?.close();
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
