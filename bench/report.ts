/** The bench's results: the JSON document, the stdout table and the target verdicts. */
import { cpus, totalmem } from "node:os";
import type { AclGrowthPoint } from "./acl-growth.js";
import type { IdentityCost } from "./identity-cost.js";
import type { LatencySummary } from "./stats.js";

export interface ServerResult {
  saturation: LatencySummary;
  fixedRate: LatencySummary & { maxLagMs: number };
  rssBytesAfter: number | undefined;
}

export interface Target {
  name: string;
  value: number;
  limit: string;
  met: boolean;
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; platform: string };
  settings: {
    durationS: number;
    warmupS: number;
    inFlight: number;
    rps: number;
    identities: number;
    requests: number;
  };
  baseline: ServerResult;
  ours: ServerResult;
  /** Policy evaluation alone (in the generator's process) per ACL size. */
  aclGrowth: AclGrowthPoint[];
  /** Identity verification alone: cold miss vs cache hit. */
  identityCost: IdentityCost;
  ratios: {
    saturationThroughput: number;
    fixedRateP50: number;
    fixedRateP99: number;
    saturationP99: number;
    /** Evaluation cost at the largest ACL size / at the smallest. */
    aclLargestOverSmallest: number;
    /** Identity cache miss cost / hit cost. */
    identityMissOverHit: number;
  };
  targets: Target[];
}

export function machine(): BenchReport["machine"] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function ratiosAndTargets(
  baseline: ServerResult,
  ours: ServerResult,
  acl: AclGrowthPoint[],
  identity: IdentityCost,
): Pick<BenchReport, "ratios" | "targets"> {
  const bySize = [...acl].sort((a, b) => a.entries - b.entries);
  const smallest = bySize[0];
  const largest = bySize[bySize.length - 1];
  const ratios = {
    identityMissOverHit: identity.missUs / identity.hitUs,
    aclLargestOverSmallest: smallest && largest ? largest.usPerDecision / smallest.usPerDecision : Number.NaN,
    saturationThroughput: ours.saturation.throughput / baseline.saturation.throughput,
    saturationP99: ours.saturation.p99 / baseline.saturation.p99,
    fixedRateP50: ours.fixedRate.p50 / baseline.fixedRate.p50,
    fixedRateP99: ours.fixedRate.p99 / baseline.fixedRate.p99,
  };
  const targets: Target[] = [
    {
      name: "saturation throughput ours/baseline",
      value: ratios.saturationThroughput,
      limit: ">= 0.8",
      met: ratios.saturationThroughput >= 0.8,
    },
    {
      name: "p99 at fixed rate ours/baseline",
      value: ratios.fixedRateP99,
      limit: "<= 1.5",
      met: ratios.fixedRateP99 <= 1.5,
    },
  ];
  targets.push({
    name: "identity cache miss/hit cost",
    value: ratios.identityMissOverHit,
    limit: ">= 20",
    met: ratios.identityMissOverHit >= 20,
  });
  if (smallest && largest && largest !== smallest) {
    targets.push({
      name: `policy evaluation ACL ${largest.entries}/${smallest.entries} entries`,
      value: ratios.aclLargestOverSmallest,
      limit: "<= 2",
      met: ratios.aclLargestOverSmallest <= 2, // NaN (a size failed) is not met
    });
  }
  return { ratios, targets };
}

const mib = (b: number | undefined) => (b === undefined ? "-" : `${(b / 1048576).toFixed(0)} MiB`);
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");

export function formatTable(r: BenchReport): string {
  const rows: string[][] = [
    ["server", "mode", "calls/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors"],
  ];
  for (const [name, s] of [
    ["baseline", r.baseline],
    ["ours", r.ours],
  ] as const) {
    for (const [mode, x] of [
      [`saturation ${r.settings.inFlight} in flight`, s.saturation],
      [`fixed ${r.settings.rps} rps`, s.fixedRate],
    ] as const) {
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
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) =>
    row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "),
  );
  const m = r.machine;
  return [
    `wimse-authz bench ${r.date} — ${m.cpuModel} x${m.cpus}, node ${m.node}, ${m.platform}`,
    `${r.settings.durationS} s per measurement after ${r.settings.warmupS} s warm-up; ${r.settings.requests} distinct requests from ${r.settings.identities} identities`,
    "",
    ...lines,
    "",
    `policy evaluation alone (default policy, caller matches the last ACL entry): ${r.aclGrowth
      .map(
        (p) =>
          `${p.entries} entries ${p.error ? `FAILED (${p.error.slice(0, 160)})` : `${p.usPerDecision.toFixed(1)} µs`}`,
      )
      .join(", ")}`,
    `identity verification alone: cold miss ${r.identityCost.missUs.toFixed(1)} µs, cache hit ${r.identityCost.hitUs.toFixed(2)} µs (${r.identityCost.leaves} leaves)`,
    `server RSS after the run: baseline ${mib(r.baseline.rssBytesAfter)}, ours ${mib(r.ours.rssBytesAfter)}`,
    `ratios ours/baseline: saturation throughput ${r.ratios.saturationThroughput.toFixed(2)}, saturation p99 ${r.ratios.saturationP99.toFixed(2)}, fixed-rate p50 ${r.ratios.fixedRateP50.toFixed(2)}, fixed-rate p99 ${r.ratios.fixedRateP99.toFixed(2)}`,
    ...r.targets.map(
      (t) => `target ${t.name} ${t.limit}: ${t.value.toFixed(2)} ${t.met ? "MET" : "NOT MET"}`,
    ),
  ].join("\n");
}
