/** The bench's results: the JSON document, the stdout table and the target verdicts. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import type { AclGrowthPoint } from "./acl-growth.js";
import type { ComponentCosts } from "./components.js";
import type { IdentityCost } from "./identity-cost.js";
import type { TrustDomainPoint, XfccPoint } from "./identity-growth.js";
import type { LatencySummary } from "./stats.js";

export interface ServerResult {
  saturation: LatencySummary;
  fixedRate: LatencySummary & { maxLagMs: number };
  rssBytesAfter: number | undefined;
  /**
   * The server process's CPU time (all its threads, user + system) per call, in µs, over each
   * phase's windows (the per-window warm-ups included, counted at the window's rate).
   */
  cpuUsPerCall?: { saturation: number; fixedRate: number };
}

/** Our server, freshly started, at saturation for `endS` seconds; RSS sampled along the way. */
export interface SoakResult {
  midS: number;
  endS: number;
  rssIdleBytes: number | undefined;
  rssMidBytes: number | undefined;
  rssEndBytes: number | undefined;
  /** RSS every few seconds from the start of the load: [seconds, bytes]. */
  rssTimeline: Array<[number, number]>;
  /**
   * The server's process.memoryUsage() when idle, at the middle and at the end (to tell a heap
   * leak from Wasm memory or V8 simply growing its heap): Wasm memories count in `external`.
   */
  memory?: {
    idle: NodeJS.MemoryUsage | undefined;
    mid: NodeJS.MemoryUsage | undefined;
    end: NodeJS.MemoryUsage | undefined;
    /** After the load, once a full GC ran: what the server really retains. */
    endAfterGc: NodeJS.MemoryUsage | undefined;
  };
  saturation: LatencySummary;
}

export interface Target {
  name: string;
  value: number;
  limit: string;
  /** False when the run did not measure it (then `met` is false too). */
  measured: boolean;
  met: boolean;
  /** Why it was not measured, when it was not. */
  note?: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  kernel: string;
  /** 1-minute load average when the run started and when it ended (a shared machine shows here). */
  loadAvgStart: number;
  loadAvgEnd: number;
  /**
   * Share of the machine's CPU time that was idle in the 2 s before the run (from /proc/stat;
   * absent where there is none). The load averages lag by a minute and, at the end, include the
   * bench's own busy threads, so this is what decides the "machine was busy" warning.
   */
  idleBeforePct?: number;
}

export interface BenchReport {
  date: string;
  /** Wall-clock seconds of the whole run. */
  runtimeS: number;
  machine: Machine;
  settings: {
    quick: boolean;
    durationS: number;
    /** Fixed-rate measurement per server (absent in reports older than 2026-11-26 14:00). */
    fixedDurationS?: number;
    warmupS: number;
    inFlight: number;
    rps: number;
    identities: number;
    requests: number;
    soakS: number;
    componentMs: number;
    aclSizes: number[];
    trustDomainSizes: number[];
    xfccElements: number[];
    /** The generator's client: "h2" (lean node:http2) or "grpc-js". */
    client?: string;
    /** Node flags of every server process (absent in reports older than 2026-11-27: none). */
    serverNodeFlags?: string[];
  };
  baseline: ServerResult;
  ours: ServerResult;
  /** Ours with decision.thread false (decisions on the gRPC thread), for comparison; no target. */
  oursInline?: ServerResult;
  /** Our server at saturation for soakS seconds (absent when --soak 0). */
  soak?: SoakResult;
  /** Per-decision components alone (generator process, in-process calls). */
  components?: ComponentCosts;
  /** Identity verification alone: cold miss vs cache hit. */
  identityCost?: IdentityCost;
  /** Policy evaluation alone (default policy) per ACL size. */
  aclGrowth: AclGrowthPoint[];
  trustDomainGrowth: TrustDomainPoint[];
  xfccGrowth: XfccPoint[];
  ratios: {
    saturationThroughput: number;
    fixedRateP50: number;
    fixedRateP99: number;
    saturationP99: number;
    /** Evaluation cost at the largest ACL size / at the smallest. */
    aclLargestOverSmallest: number;
    /** Identity cache miss cost / hit cost. */
    identityMissOverHit: number;
    /**
     * RSS at the end of the soak / at its middle, each taken as the PEAK of the samples in the
     * window of `rssWindowS` seconds ending there (see rssAt): a single sample of a garbage-collected
     * process lands anywhere on the GC sawtooth (±20% here), the peak over a window that spans
     * several GC cycles does not, and a leak still raises it.
     */
    rssEndOverMid: number;
    /** The same ratio from the two single samples (printed for reference; not the verdict). */
    rssEndOverMidPoint: number;
  };
  targets: Target[];
}

/** Busy: less than 80% idle just before the run (or, without /proc/stat, a load average above the CPU count). */
export function machineWasBusy(m: Machine): boolean {
  if (m.idleBeforePct !== undefined) return m.idleBeforePct < 80;
  return Math.max(m.loadAvgStart, m.loadAvgEnd) > m.cpus;
}

/** The machine's idle share of CPU time over `ms`, from /proc/stat (undefined where there is none). */
export async function idlePct(ms = 2000): Promise<number | undefined> {
  const read = (): number[] | undefined => {
    try {
      const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
      const f = line.trim().split(/\s+/).slice(1).map(Number);
      return f.length >= 5 && f.every(Number.isFinite) ? f : undefined;
    } catch {
      return undefined;
    }
  };
  const a = read();
  if (!a) return undefined;
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  if (!b) return undefined;
  // user nice system idle iowait irq softirq steal: idle = idle + iowait.
  const d = b.slice(0, 8).map((v, i) => v - (a[i] ?? 0));
  const total = d.reduce((x, y) => x + y, 0);
  return total > 0 ? (100 * ((d[3] ?? 0) + (d[4] ?? 0))) / total : undefined;
}

export function machine(): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    loadAvgStart: loadavg()[0],
    loadAvgEnd: Number.NaN,
  };
}

export interface TargetInputs {
  baseline: ServerResult;
  ours: ServerResult;
  aclGrowth: AclGrowthPoint[];
  identityCost?: IdentityCost;
  soak?: SoakResult;
  rps: number;
}

/** Window (seconds) over which the soak's RSS "at" a time is its peak; samples are 1 s apart. */
export const RSS_WINDOW_S = 10;

/**
 * Peak RSS of the timeline's samples in (atS - windowS, atS] (0.5 s tolerance for timer jitter),
 * or undefined when the window holds fewer than 3 samples (too few to span GC cycles).
 */
export function rssAt(
  timeline: ReadonlyArray<[number, number]>,
  atS: number,
  windowS = RSS_WINDOW_S,
): number | undefined {
  const inWindow = timeline.filter(([t]) => t > atS - windowS && t <= atS + 0.5).map(([, b]) => b);
  return inWindow.length >= 3 ? Math.max(...inWindow) : undefined;
}

/** The ratios and the issue's five targets, from the figures of one run. NaN is never met. */
export function ratiosAndTargets(x: TargetInputs): Pick<BenchReport, "ratios" | "targets"> {
  const bySize = [...x.aclGrowth].sort((a, b) => a.entries - b.entries);
  const smallest = bySize[0];
  const largest = bySize[bySize.length - 1];
  const ratios = {
    saturationThroughput: x.ours.saturation.throughput / x.baseline.saturation.throughput,
    saturationP99: x.ours.saturation.p99 / x.baseline.saturation.p99,
    fixedRateP50: x.ours.fixedRate.p50 / x.baseline.fixedRate.p50,
    fixedRateP99: x.ours.fixedRate.p99 / x.baseline.fixedRate.p99,
    aclLargestOverSmallest:
      smallest && largest && largest !== smallest
        ? largest.usPerDecision / smallest.usPerDecision
        : Number.NaN,
    identityMissOverHit: x.identityCost ? x.identityCost.missUs / x.identityCost.hitUs : Number.NaN,
    rssEndOverMid: Number.NaN,
    rssEndOverMidPoint:
      x.soak?.rssEndBytes !== undefined && x.soak.rssMidBytes !== undefined
        ? x.soak.rssEndBytes / x.soak.rssMidBytes
        : Number.NaN,
  };
  if (x.soak) {
    const window = Math.min(RSS_WINDOW_S, x.soak.midS / 2);
    const mid = rssAt(x.soak.rssTimeline, x.soak.midS, window);
    const end = rssAt(x.soak.rssTimeline, x.soak.endS, window);
    if (mid !== undefined && end !== undefined) ratios.rssEndOverMid = end / mid;
  }
  const target = (
    name: string,
    value: number,
    limit: string,
    ok: (v: number) => boolean,
    invalid?: string,
  ): Target => {
    const measured = Number.isFinite(value) && invalid === undefined;
    const t: Target = { name, value, limit, measured, met: measured && ok(value) };
    if (invalid !== undefined) t.note = invalid;
    return t;
  };
  // At a rate the no-op baseline itself cannot carry on this machine, both servers only queue:
  // their p99s measure the queue, and their ratio means nothing.
  const rateTooHigh =
    x.baseline.saturation.throughput < x.rps
      ? `the baseline's saturation throughput (${x.baseline.saturation.throughput.toFixed(0)}/s) is below ${x.rps} rps on this machine: at that rate both servers only queue`
      : undefined;
  const soakName = x.soak
    ? `RSS at ${x.soak.endS} s / at ${x.soak.midS} s of saturation (ours, peak of the last ${Math.min(RSS_WINDOW_S, x.soak.midS / 2)} s)`
    : "RSS at 60 s / at 30 s of saturation (ours)";
  const targets: Target[] = [
    target("saturation throughput ours/baseline", ratios.saturationThroughput, ">= 0.8", (v) => v >= 0.8),
    target(`p99 at ${x.rps} rps ours/baseline`, ratios.fixedRateP99, "<= 1.5", (v) => v <= 1.5, rateTooHigh),
    target(
      smallest && largest
        ? `policy evaluation ACL ${largest.entries}/${smallest.entries} entries`
        : "policy evaluation ACL largest/smallest",
      ratios.aclLargestOverSmallest,
      "<= 2",
      (v) => v <= 2,
    ),
    target("identity cache miss/hit cost", ratios.identityMissOverHit, ">= 20", (v) => v >= 20),
    target(soakName, ratios.rssEndOverMid, "0.9 .. 1.1", (v) => v >= 0.9 && v <= 1.1),
  ];
  return { ratios, targets };
}

export function verdict(t: Target): string {
  return !t.measured ? "NOT MEASURED" : t.met ? "MET" : "NOT MET";
}

const mib = (b: number | undefined) => (b === undefined ? "-" : `${(b / 1048576).toFixed(1)} MiB`);
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");
const us = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} µs` : "-");
const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");

function table(rows: string[][], leftColumns: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) =>
    row.map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "),
  );
}

export function formatTable(r: BenchReport): string {
  const rows: string[][] = [
    ["server", "mode", "calls/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors"],
  ];
  const line = (name: string, mode: string, x: LatencySummary) =>
    rows.push([
      name,
      mode,
      x.throughput.toFixed(0),
      ms(x.p50),
      ms(x.p90),
      ms(x.p99),
      ms(x.p999),
      ms(x.max),
      String(x.errors),
    ]);
  const servers: Array<[string, ServerResult]> = [
    ["baseline", r.baseline],
    ["ours", r.ours],
  ];
  if (r.oursInline) servers.push(["ours-inline", r.oursInline]);
  for (const [name, s] of servers) {
    line(name, `saturation ${r.settings.inFlight} in flight`, s.saturation);
    line(name, `fixed ${r.settings.rps} rps`, s.fixedRate);
  }
  if (r.soak) line("ours", `soak ${r.soak.endS} s, ${r.settings.inFlight} in flight`, r.soak.saturation);
  const m = r.machine;
  const out = [
    `wimse-authz bench ${r.date} — ${m.cpuModel} x${m.cpus}, ${mib(m.memoryBytes)}, node ${m.node}, ${m.platform} ${m.kernel}, load average ${m.loadAvgStart.toFixed(1)} -> ${m.loadAvgEnd.toFixed(1)}${r.settings.quick ? " (QUICK MODE: not a measurement)" : ""}`,
    ...(machineWasBusy(m)
      ? [
          `WARNING: the machine was busy (${m.idleBeforePct !== undefined ? `${m.idleBeforePct.toFixed(0)}% of its CPU idle just before the run` : `load average above its ${m.cpus} CPUs`}): other processes competed with the servers and the generator; absolute figures are not representative, same-run ratios are noisy`,
        ]
      : []),
    `${r.settings.durationS} s per saturation measurement, ${r.settings.fixedDurationS ?? r.settings.durationS} s per fixed-rate one, after ${r.settings.warmupS} s warm-up; ${r.settings.requests} distinct requests from ${r.settings.identities} identities; generator client ${r.settings.client ?? "grpc-js"}; whole run ${r.runtimeS.toFixed(0)} s`,
    `every server (the baseline too) ran with node flags: ${r.settings.serverNodeFlags?.length ? r.settings.serverNodeFlags.join(" ") : "none (V8 defaults)"}`,
    "",
    ...table(rows, 2),
    "",
  ];
  if (r.components) {
    const c = r.components;
    out.push(
      `components alone (per request, in process): input construction ${us(c.inputUs)}, policy evaluation ${us(c.policyUs)} (default policy, ${c.inputs} bench inputs, ${c.allowedInputs} allowed), audit write ${us(c.auditUs)}`,
    );
  }
  if (r.identityCost) {
    out.push(
      `identity verification alone: cold miss ${us(r.identityCost.missUs)}, cache hit ${us(r.identityCost.hitUs)} (${r.identityCost.leaves} leaves)`,
    );
  }
  if (r.aclGrowth.length > 0) {
    out.push(
      `policy evaluation by ACL size (caller's grants looked up by identifier): ${r.aclGrowth
        .map(
          (p) =>
            `${p.entries} entries ${p.error ? `FAILED (${p.error.slice(0, 160)})` : us(p.usPerDecision)}`,
        )
        .join(", ")}`,
    );
  }
  if (r.trustDomainGrowth.length > 0) {
    out.push(
      `identity by trust domains configured: ${r.trustDomainGrowth
        .map(
          (p) =>
            `${p.trustDomains}: miss ${us(p.missUs)}, hit ${us(p.hitUs)}, setup ${p.setupMs.toFixed(1)} ms`,
        )
        .join("; ")}`,
    );
  }
  if (r.xfccGrowth.length > 0) {
    out.push(
      `identity through a trusted proxy by XFCC elements: ${r.xfccGrowth
        .map(
          (p) =>
            `${p.elements} (${p.headerBytes} bytes): distinct header ${us(p.distinctUs)}, repeated header ${us(p.repeatedUs)}`,
        )
        .join("; ")}`,
    );
  }
  if (r.soak) {
    out.push(
      `ours RSS: idle ${mib(r.soak.rssIdleBytes)}; single samples: after ${r.soak.midS} s at saturation ${mib(r.soak.rssMidBytes)}, after ${r.soak.endS} s ${mib(r.soak.rssEndBytes)} (ratio ${ratio(r.ratios.rssEndOverMidPoint)}); peak of the window before each: ${mib(rssAt(r.soak.rssTimeline, r.soak.midS, Math.min(RSS_WINDOW_S, r.soak.midS / 2)))} and ${mib(rssAt(r.soak.rssTimeline, r.soak.endS, Math.min(RSS_WINDOW_S, r.soak.midS / 2)))} (ratio ${ratio(r.ratios.rssEndOverMid)})`,
    );
    const mem = r.soak.memory;
    const breakdown = (u: NodeJS.MemoryUsage | undefined) =>
      u
        ? `heap used ${mib(u.heapUsed)} of ${mib(u.heapTotal)}, external ${mib(u.external)} (Wasm memories count here; array buffers ${mib(u.arrayBuffers)})`
        : "-";
    if (mem) {
      out.push(
        `ours memory: idle ${breakdown(mem.idle)}; at ${r.soak.midS} s ${breakdown(mem.mid)}; at ${r.soak.endS} s ${breakdown(mem.end)}; after the load and a full GC ${breakdown(mem.endAfterGc)}`,
      );
    }
  }
  out.push(
    `server RSS after their runs: baseline ${mib(r.baseline.rssBytesAfter)}, ours ${mib(r.ours.rssBytesAfter)}`,
    ...servers
      .filter(([, s]) => s.cpuUsPerCall)
      .map(
        ([name, s]) =>
          `${name} CPU per call (process, all threads): ${s.cpuUsPerCall?.saturation.toFixed(0)} µs at saturation, ${s.cpuUsPerCall?.fixedRate.toFixed(0)} µs at ${r.settings.rps} rps`,
      ),
    ...(r.oursInline
      ? [
          `ours-inline (decision.thread false) / baseline: saturation throughput ${ratio(r.oursInline.saturation.throughput / r.baseline.saturation.throughput)}, fixed-rate p99 ${ratio(r.oursInline.fixedRate.p99 / r.baseline.fixedRate.p99)} (informational)`,
        ]
      : []),
    `ratios ours/baseline: saturation throughput ${ratio(r.ratios.saturationThroughput)}, saturation p99 ${ratio(r.ratios.saturationP99)}, fixed-rate p50 ${ratio(r.ratios.fixedRateP50)}, fixed-rate p99 ${ratio(r.ratios.fixedRateP99)}`,
    "",
  );
  const trows = [["target", "value", "limit", "verdict"]];
  for (const t of r.targets) trows.push([t.name, ratio(t.value), t.limit, verdict(t)]);
  out.push(...table(trows, 1));
  for (const t of r.targets) if (t.note) out.push(`note: ${t.name}: ${t.note}`);
  return out.join("\n");
}
