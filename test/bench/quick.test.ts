/**
 * The whole bench pipeline in --quick mode (tiny durations and sizes): every section is present,
 * the verdicts printed and stored are the ones the stored figures give (never hard-coded), the
 * chart and the JSON are written. No timing is asserted: quick figures are not measurements.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BenchReport, ratiosAndTargets, verdict } from "../../bench/report.js";

const root = join(import.meta.dirname, "../..");

describe("npm run bench -- --quick", () => {
  const out = mkdtempSync(join(tmpdir(), "wimse-bench-quick-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("runs every phase and reports verdicts computed from its own figures", () => {
    const run = spawnSync(
      process.execPath,
      [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "bench/run.ts"), "--quick", "--out", out],
      { cwd: root, encoding: "utf8", timeout: 280_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toContain("latest.json");
    expect(files).toContain("latest.svg");
    const stem = files.find((f) => /^bench-.*\.json$/.test(f))?.replace(/\.json$/, "");
    expect(stem).toBeDefined();
    expect(files).toContain(`${stem}.svg`);
    const r = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as BenchReport;
    expect(readFileSync(join(out, `${stem}.json`), "utf8")).toBe(
      readFileSync(join(out, "latest.json"), "utf8"),
    );

    // Machine and settings.
    expect(r.machine.cpus).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.version);
    expect(Number.isFinite(r.machine.loadAvgEnd)).toBe(true);
    if (existsSync("/proc/stat")) {
      expect(r.machine.idleBeforePct).toBeGreaterThanOrEqual(0);
      expect(r.machine.idleBeforePct).toBeLessThanOrEqual(100);
    }
    expect(r.settings.quick).toBe(true);
    // The default generator client: the lean HTTP/2 one.
    expect(r.settings.client).toBe("h2");
    // Both servers answered every measured call.
    for (const s of [r.baseline, r.ours]) {
      for (const x of [s.saturation, s.fixedRate]) {
        expect(x.count).toBeGreaterThan(0);
        expect(x.errors).toBe(0);
        expect(x.distribution.length).toBeGreaterThan(10);
      }
    }
    // Soak, components and growth: every requested point, each with a figure.
    expect(r.soak?.rssMidBytes).toBeGreaterThan(0);
    expect(r.soak?.rssEndBytes).toBeGreaterThan(0);
    expect(r.soak?.saturation.errors).toBe(0);
    for (const v of [r.components?.inputUs, r.components?.policyUs, r.components?.auditUs]) {
      expect(v).toBeGreaterThan(0);
    }
    expect(r.components?.allowedInputs).toBeGreaterThan(0);
    expect(r.components?.allowedInputs).toBeLessThan(r.components?.inputs ?? 0);
    expect(r.aclGrowth.map((p) => p.entries)).toEqual(r.settings.aclSizes);
    for (const p of r.aclGrowth) {
      expect(p.error).toBeUndefined();
      expect(p.allowed).toBe(true);
    }
    expect(r.trustDomainGrowth.map((p) => p.trustDomains)).toEqual(r.settings.trustDomainSizes);
    expect(r.xfccGrowth.map((p) => p.elements)).toEqual(r.settings.xfccElements);
    expect(r.xfccGrowth[1].headerBytes).toBeGreaterThan(r.xfccGrowth[0].headerBytes);

    // The stored ratios and verdicts are exactly those the stored figures give.
    const again = ratiosAndTargets({
      baseline: r.baseline,
      ours: r.ours,
      aclGrowth: r.aclGrowth,
      identityCost: r.identityCost,
      soak: r.soak,
      rps: r.settings.rps,
    });
    expect(r.targets).toEqual(again.targets);
    expect(r.ratios).toEqual(again.ratios);
    expect(r.targets).toHaveLength(5);
    // Every target measured, except the fixed-rate one when the baseline could not carry the rate.
    for (const [i, t] of r.targets.entries()) {
      expect(t.measured, t.name).toBe(i !== 1 || r.baseline.saturation.throughput >= r.settings.rps);
    }
    // ... and the table on stdout prints them.
    for (const t of r.targets) {
      const row = run.stdout.split("\n").find((l) => l.startsWith(t.name));
      expect(row, t.name).toBeDefined();
      expect(row?.trim().endsWith(verdict(t))).toBe(true);
      if (verdict(t) === "MET") expect(row).not.toMatch(/NOT MET/);
    }

    // Each server's CPU per call was measured (and ours-inline ran beside them).
    for (const s of [r.baseline, r.ours, r.oursInline]) {
      expect(s?.saturation.throughput).toBeGreaterThan(0);
      expect(s?.cpuUsPerCall?.saturation).toBeGreaterThan(0);
      expect(s?.cpuUsPerCall?.fixedRate).toBeGreaterThan(0);
    }

    // The chart: both panels, one line per server each (baseline, ours, ours-inline).
    const svg = readFileSync(join(out, "latest.svg"), "utf8");
    expect(svg).toContain("<svg");
    expect(svg.match(/<polyline class="series"/g)?.length).toBe(6);
    expect(svg).toContain(`saturation, ${r.settings.inFlight} calls in flight`);
    expect(svg).toContain(`fixed rate, ${r.settings.rps} requests/s`);
  }, 300_000);
});
