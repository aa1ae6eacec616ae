/** Target verdicts of the bench report: computed from the same run's figures, NaN never "met". */
import { describe, expect, it } from "vitest";
import type { AclGrowthPoint } from "../../bench/acl-growth.js";
import {
  formatTable,
  type BenchReport,
  machine,
  ratiosAndTargets,
  rssAt,
  type ServerResult,
  type SoakResult,
  verdict,
} from "../../bench/report.js";
import { distribution, type LatencySummary, Samples, summarize } from "../../bench/stats.js";
import { latencyChart, percentileDecades } from "../../bench/svg.js";

const summary = (throughput: number, p99: number): LatencySummary => ({
  count: 1,
  throughput,
  errors: 0,
  p50: p99 / 2,
  p90: p99,
  p99,
  p999: p99,
  max: p99,
  distribution: [
    [0, p99 / 4],
    [50, p99 / 2],
    [99, p99],
    [100, p99],
  ],
});
const server = (throughput: number, p99: number): ServerResult => ({
  saturation: summary(throughput, p99),
  fixedRate: { ...summary(1000, p99), maxLagMs: 0 },
  rssBytesAfter: undefined,
});
const acl = (small: number, large: number): AclGrowthPoint[] => [
  { entries: 100000, usPerDecision: large, allowed: true, dataBytes: 21e6 },
  { entries: 10, usPerDecision: small, allowed: true, dataBytes: 2e3 },
];
/** A GC sawtooth sampled every second: peaks `mid` before 30 s and `end` before 60 s, troughs 20% lower. */
const sawtooth = (mid: number, end: number): Array<[number, number]> =>
  Array.from({ length: 60 }, (_, i) => {
    const t = i + 1;
    const peak = t <= 30 ? mid : end;
    return [t, t % 4 === 0 ? peak : peak * 0.8] as [number, number];
  });
const soak = (mid: number | undefined, end: number | undefined): SoakResult => ({
  midS: 30,
  endS: 60,
  rssIdleBytes: 100,
  rssMidBytes: mid,
  rssEndBytes: end,
  rssTimeline: mid !== undefined && end !== undefined ? sawtooth(mid, end) : [],
  saturation: summary(900, 2),
});

describe("bench report targets", () => {
  it("meets targets from the ratios of the run", () => {
    const { ratios, targets } = ratiosAndTargets({
      baseline: server(1000, 2),
      ours: server(900, 2.5),
      aclGrowth: acl(10, 15),
      identityCost: { missUs: 500, hitUs: 5, leaves: 10 },
      soak: soak(200e6, 210e6),
      rps: 1000,
    });
    expect(ratios.saturationThroughput).toBeCloseTo(0.9);
    expect(ratios.fixedRateP99).toBeCloseTo(1.25);
    expect(ratios.aclLargestOverSmallest).toBeCloseTo(1.5);
    expect(ratios.identityMissOverHit).toBeCloseTo(100);
    expect(ratios.rssEndOverMid).toBeCloseTo(1.05);
    expect(targets.map((t) => t.met)).toEqual([true, true, true, true, true]);
    expect(targets.map(verdict)).toEqual(["MET", "MET", "MET", "MET", "MET"]);
    expect(targets[2].name).toBe("policy evaluation ACL 100000/10 entries");
    expect(targets[4].name).toBe("RSS at 60 s / at 30 s of saturation (ours, peak of the last 10 s)");
  });

  it("misses targets just past their limits", () => {
    const { targets } = ratiosAndTargets({
      baseline: server(1000, 2),
      ours: server(799, 3.01),
      aclGrowth: acl(10, 20.1),
      identityCost: { missUs: 99, hitUs: 5, leaves: 10 },
      soak: soak(200e6, 221e6),
      rps: 1000,
    });
    expect(targets.map((t) => [t.measured, t.met])).toEqual([
      [true, false],
      [true, false],
      [true, false],
      [true, false],
      [true, false],
    ]);
    // Memory shrinking by more than 10% is outside the band too.
    const shrink = ratiosAndTargets({
      baseline: server(1000, 2),
      ours: server(900, 2),
      aclGrowth: acl(10, 10),
      soak: soak(200e6, 170e6),
      rps: 1000,
    });
    expect(shrink.targets[4].met).toBe(false);
  });

  it("RSS is judged on the peak of the window before 30 s and 60 s, not on where one sample lands", () => {
    // Same peaks (no growth), but the single samples land on a trough at 30 s and a peak at 60 s.
    const s = soak(200e6, 200e6);
    s.rssMidBytes = 160e6;
    s.rssEndBytes = 200e6;
    const flat = ratiosAndTargets({
      baseline: server(1000, 2),
      ours: server(900, 2),
      aclGrowth: acl(10, 10),
      soak: s,
      rps: 1000,
    });
    expect(flat.ratios.rssEndOverMidPoint).toBeCloseTo(1.25);
    expect(flat.ratios.rssEndOverMid).toBeCloseTo(1);
    expect(flat.targets[4].met).toBe(true);
    // A leak raises the peaks: 200 -> 240 MB is caught whatever the single samples say.
    const leak = soak(200e6, 240e6);
    leak.rssMidBytes = 200e6;
    leak.rssEndBytes = 200e6;
    const leaking = ratiosAndTargets({
      baseline: server(1000, 2),
      ours: server(900, 2),
      aclGrowth: acl(10, 10),
      soak: leak,
      rps: 1000,
    });
    expect(leaking.ratios.rssEndOverMid).toBeCloseTo(1.2);
    expect(leaking.targets[4].met).toBe(false);
    // Too few samples in a window: not measured rather than judged on one point.
    expect(
      rssAt(
        [
          [29, 1],
          [30, 2],
        ],
        30,
      ),
    ).toBeUndefined();
    expect(
      rssAt(
        [
          [20, 9],
          [21, 1],
          [25, 3],
          [30, 2],
          [31, 99],
        ],
        30,
      ),
    ).toBe(3);
  });

  it("a failed ACL size, a missing identity figure or no soak is NOT MEASURED, never met", () => {
    const { targets } = ratiosAndTargets({
      baseline: server(1000, 2),
      ours: server(900, 2),
      aclGrowth: [
        { entries: 10, usPerDecision: 10, allowed: true, dataBytes: 1 },
        { entries: 100000, usPerDecision: Number.NaN, allowed: false, dataBytes: 1, error: "load failed" },
      ],
      soak: soak(undefined, 1),
      rps: 1000,
    });
    expect(targets.slice(2).map((t) => [t.measured, t.met, verdict(t)])).toEqual([
      [false, false, "NOT MEASURED"],
      [false, false, "NOT MEASURED"],
      [false, false, "NOT MEASURED"],
    ]);
    const noSoak = ratiosAndTargets({
      baseline: server(1000, 2),
      ours: server(900, 2),
      aclGrowth: acl(10, 10),
      rps: 1000,
    });
    expect(verdict(noSoak.targets[4])).toBe("NOT MEASURED");
  });

  it("the fixed-rate target is NOT MEASURED when the baseline cannot carry the rate", () => {
    const { ratios, targets } = ratiosAndTargets({
      baseline: server(900, 2),
      ours: server(850, 2),
      aclGrowth: acl(10, 10),
      rps: 1000,
    });
    expect(ratios.fixedRateP99).toBeCloseTo(1);
    expect([targets[1].measured, targets[1].met, verdict(targets[1])]).toEqual([
      false,
      false,
      "NOT MEASURED",
    ]);
    expect(targets[1].note).toMatch(/below 1000 rps/);
    // Saturation throughput is still compared.
    expect(targets[0].met).toBe(true);
  });

  it("the table prints each target's verdict", () => {
    const baseline = server(1000, 2);
    const ours = server(700, 2);
    const report: BenchReport = {
      date: "2026-01-01T00:00:00.000Z",
      runtimeS: 1,
      machine: { ...machine(), cpus: 2, loadAvgStart: 0.5, loadAvgEnd: 1.5, idleBeforePct: 95 },
      settings: {
        quick: true,
        durationS: 1,
        warmupS: 0,
        inFlight: 64,
        rps: 1000,
        identities: 1,
        requests: 1,
        soakS: 0,
        componentMs: 1,
        aclSizes: [10, 100000],
        trustDomainSizes: [],
        xfccElements: [],
      },
      baseline,
      ours,
      aclGrowth: acl(10, 12),
      trustDomainGrowth: [],
      xfccGrowth: [],
      ...ratiosAndTargets({ baseline, ours, aclGrowth: acl(10, 12), rps: 1000 }),
    };
    const text = formatTable(report);
    expect(text).toMatch(/saturation throughput ours\/baseline\s+0\.70\s+>= 0\.8\s+NOT MET/);
    expect(text).toMatch(/policy evaluation ACL 100000\/10 entries\s+1\.20\s+<= 2\s+MET/);
    expect(text).toMatch(/identity cache miss\/hit cost\s+-\s+>= 20\s+NOT MEASURED/);
    expect(text).toContain("QUICK MODE");
    expect(text).not.toContain("WARNING: the machine was busy");
    // Without an idle sample, the load averages decide.
    const loaded = { ...report.machine, cpus: 2, loadAvgStart: 1, loadAvgEnd: 2.5, idleBeforePct: undefined };
    expect(formatTable({ ...report, machine: loaded })).toContain("WARNING: the machine was busy");
    // With one, it alone decides: the end load average includes the bench's own busy threads.
    const quietBefore = formatTable({ ...report, machine: { ...loaded, idleBeforePct: 97 } });
    expect(quietBefore).not.toContain("WARNING: the machine was busy");
    const busyBefore = formatTable({ ...report, machine: { ...loaded, loadAvgEnd: 0.1, idleBeforePct: 40 } });
    expect(busyBefore).toContain("WARNING: the machine was busy (40% of its CPU idle just before the run)");
  });
});

describe("bench latency distribution and chart", () => {
  it("distribution: p0 is the minimum, p100 the maximum, percentiles non-decreasing", () => {
    const s = new Samples();
    for (let i = 1; i <= 10000; i++) s.add(i);
    const d = summarize(s, 1, 0).distribution;
    expect(d[0]).toEqual([0, 1]);
    expect(d.at(-1)).toEqual([100, 10000]);
    expect(d.find(([p]) => p === 90)?.[1]).toBe(9000);
    expect(d.find(([p]) => p === 99)?.[1]).toBe(9900);
    for (let i = 1; i < d.length; i++) {
      expect(d[i][0]).toBeGreaterThan(d[i - 1][0]);
      expect(d[i][1]).toBeGreaterThanOrEqual(d[i - 1][1]);
    }
    expect(distribution(new Float64Array(0))).toEqual([]);
  });

  it("percentile axis: decades of 1/(1-p), the max beyond p99.99", () => {
    expect(percentileDecades(0)).toBe(0);
    expect(percentileDecades(90)).toBeCloseTo(1);
    expect(percentileDecades(99.9)).toBeCloseTo(3);
    expect(percentileDecades(100)).toBeGreaterThan(percentileDecades(99.99));
  });

  it("chart: one polyline per series, labels escaped, well-formed nesting", () => {
    const svg = latencyChart("a <b> & c", [
      {
        title: "sat",
        series: [
          { label: "baseline", color: "#00f", summary: summary(1000, 2) },
          { label: "ours", color: "#f00", summary: summary(800, 4) },
        ],
      },
      { title: "fixed", series: [{ label: "x", color: "#0f0", summary: summary(1000, 1) }] },
    ]);
    expect(svg.startsWith('<?xml version="1.0"')).toBe(true);
    expect(svg).toContain("a &lt;b&gt; &amp; c");
    expect(svg.match(/<polyline /g)?.length).toBe(3);
    expect(svg.match(/<g[ >]/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    // Points stay inside the drawing.
    for (const m of svg.matchAll(/points="([^"]*)"/g)) {
      for (const pt of m[1].split(" ")) {
        const [x, y] = pt.split(",").map(Number);
        expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
        expect(y).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
