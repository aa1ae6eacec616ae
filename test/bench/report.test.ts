/** Target verdicts of the bench report: computed from the same run's figures, NaN never "met". */
import { describe, expect, it } from "vitest";
import { ratiosAndTargets, type ServerResult } from "../../bench/report.js";
import type { LatencySummary } from "../../bench/stats.js";

const summary = (throughput: number, p99: number): LatencySummary => ({
  count: 1,
  throughput,
  errors: 0,
  p50: p99 / 2,
  p90: p99,
  p99,
  p999: p99,
  max: p99,
});
const server = (throughput: number, p99: number): ServerResult => ({
  saturation: summary(throughput, p99),
  fixedRate: { ...summary(1000, p99), maxLagMs: 0 },
  rssBytesAfter: undefined,
});

describe("bench report targets", () => {
  it("meets and misses targets from the ratios", () => {
    const { ratios, targets } = ratiosAndTargets(
      server(1000, 2),
      server(900, 2.5),
      [
        { entries: 100000, usPerDecision: 15, allowed: true },
        { entries: 10, usPerDecision: 10, allowed: true },
      ],
      { missUs: 500, hitUs: 5, leaves: 10 },
    );
    expect(ratios.saturationThroughput).toBeCloseTo(0.9);
    expect(ratios.fixedRateP99).toBeCloseTo(1.25);
    expect(ratios.aclLargestOverSmallest).toBeCloseTo(1.5);
    expect(targets.map((t) => t.met)).toEqual([true, true, true, true]);
    const worse = ratiosAndTargets(
      server(1000, 2),
      server(700, 4),
      [
        { entries: 10, usPerDecision: 10, allowed: true },
        { entries: 100000, usPerDecision: Number.NaN, allowed: false, error: "load failed" },
      ],
      { missUs: 50, hitUs: 5, leaves: 10 },
    );
    expect(worse.targets.map((t) => t.met)).toEqual([false, false, false, false]);
  });
});
