/**
 * The per-Check metrics (src/server/metrics.ts), tallied on the gRPC thread and handed to the
 * registry when it is scraped: the exposition must be what a prom-client Counter and Histogram
 * would have written for the same observations, and nothing may be lost or counted twice across
 * scrapes.
 */
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS, Metrics } from "../../src/server/metrics.js";

/** The metric lines (no comments) of `text` whose name starts with `prefix`, sorted. */
function lines(text: string, prefix: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .sort();
}

/** Labels in a fixed order, so that two writers' lines compare equal. */
function canonical(line: string): string {
  const m = /^(\w+)\{([^}]*)\} (.*)$/.exec(line);
  if (!m) return line;
  const labels = (m[2] as string).split(",").sort().join(",");
  return `${m[1]}{${labels}} ${m[3]}`;
}

const observations: Array<[decision: string, reason: string, ms: number]> = [
  ["allow", "allowed", 0.05],
  ["allow", "allowed", 0.1], // exactly on a bound: counted in it ("le")
  ["allow", "allowed", 0.3],
  ["allow", "allowed", 2],
  ["deny", "policy_denied", 7.5],
  ["deny", "no_certificate", 400], // above every bound: only +Inf
  ["dry-run-deny", "policy_denied", 1],
];

describe("metrics", () => {
  it("writes the checks counter and the latency histogram as prom-client would", async () => {
    const metrics = new Metrics();
    for (const [decision, reason_code, latency_ms] of observations) {
      metrics.observeCheck({ decision: decision as "allow", reason_code, latency_ms });
    }
    const reference = new Registry();
    const checks = new Counter({
      name: "wimse_authz_checks_total",
      help: "x",
      labelNames: ["decision", "reason"],
      registers: [reference],
    });
    const latency = new Histogram({
      name: "wimse_authz_check_duration_seconds",
      help: "x",
      labelNames: ["decision"],
      buckets: [...LATENCY_BUCKETS],
      registers: [reference],
    });
    for (const [decision, reason, ms] of observations) {
      checks.inc({ decision, reason });
      latency.observe({ decision }, ms / 1000);
    }
    const ours = await metrics.registry.metrics();
    const theirs = await reference.metrics();
    for (const prefix of ["wimse_authz_checks_total", "wimse_authz_check_duration_seconds"]) {
      const got = lines(ours, prefix).map(canonical).sort();
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(lines(theirs, prefix).map(canonical).sort());
    }
    expect(ours).toContain('wimse_authz_check_duration_seconds_bucket{le="0.0001",decision="allow"} 2');
    expect(ours).toContain('wimse_authz_check_duration_seconds_bucket{le="+Inf",decision="deny"} 2');
    expect(ours).toContain("# TYPE wimse_authz_check_duration_seconds histogram");
  });

  it("counts every Check once across scrapes", async () => {
    const metrics = new Metrics();
    const count = async () => {
      const text = await metrics.registry.metrics();
      const m = /wimse_authz_checks_total\{decision="allow",reason="allowed"\} (\d+)/.exec(text);
      const h = /wimse_authz_check_duration_seconds_count\{decision="allow"\} (\d+)/.exec(text);
      return [Number(m?.[1] ?? 0), Number(h?.[1] ?? 0)];
    };
    expect(await count()).toEqual([0, 0]);
    for (let i = 0; i < 3; i++)
      metrics.observeCheck({ decision: "allow", reason_code: "allowed", latency_ms: 1 });
    expect(await count()).toEqual([3, 3]);
    expect(await count()).toEqual([3, 3]);
    for (let i = 0; i < 2; i++)
      metrics.observeCheck({ decision: "allow", reason_code: "allowed", latency_ms: 1 });
    expect(await count()).toEqual([5, 5]);
  });
});
