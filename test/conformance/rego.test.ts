/**
 * Runs the Rego conformance runner over ../shared/conformance/opa/v1 (a separate process, as CI
 * and developers run it) and fails when a group's pass count falls below its mark in
 * rego-marks.json. Marks are raised with `npm run conformance:rego -- DIR --raise-marks
 * test/conformance/rego-marks.json`, never lowered.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const suite = path.resolve(root, "../shared/conformance/opa/v1");
const marks = JSON.parse(readFileSync(path.join(here, "rego-marks.json"), "utf8")) as {
  groups: Record<string, number>;
};

describe.skipIf(!existsSync(suite))("Rego conformance (needs ../shared/conformance/opa/v1)", () => {
  it("keeps every group's pass count at or above its mark", { timeout: 15 * 60_000 }, () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(here, "rego-runner.ts"), suite], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-1)).toMatch(/^\d+ passed, \d+ failed$/);
    const passed = new Map<string, number>();
    const start = lines.findIndex((l) => l.startsWith("group "));
    expect(start).toBeGreaterThan(0);
    for (const line of lines.slice(start + 1)) {
      const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
      if (m?.[1] && !line.startsWith("TOTAL")) passed.set(m[1], Number(m[3]));
    }
    const below = Object.entries(marks.groups)
      .filter(([group, mark]) => (passed.get(group) ?? 0) < mark)
      .map(([group, mark]) => `${group}: ${passed.get(group) ?? 0} < ${mark}`);
    expect(below).toEqual([]);
  });
});
