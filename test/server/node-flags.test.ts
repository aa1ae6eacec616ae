/**
 * The V8 flags `serve` runs with (src/server/node-flags.ts): node accepts them, the launchers in
 * this repository pass every one of them, and missingLatencyFlags reports what a process lacks.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LATENCY_NODE_FLAGS, missingLatencyFlags } from "../../src/server/node-flags.js";
import { loadCompose } from "../deploy/lib/compose-file.js";

const REPO = join(import.meta.dirname, "..", "..");

/** node's own arguments in a launcher's command line: those between "node" and the script. */
function nodeArgs(argv: readonly string[]): string[] {
  const node = argv.indexOf("node");
  const script = argv.findIndex((a) => a.endsWith("dist/cli/main.js"));
  expect(node, `no node in ${argv.join(" ")}`).toBeGreaterThanOrEqual(0);
  expect(script, `no dist/cli/main.js in ${argv.join(" ")}`).toBeGreaterThan(node);
  return argv.slice(node + 1, script);
}

describe("latency node flags", () => {
  it("are accepted by this node (a misspelt V8 flag makes node exit with 'bad option')", () => {
    const r = spawnSync(process.execPath, [...LATENCY_NODE_FLAGS, "-e", "process.exit(0)"], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const bad = spawnSync(process.execPath, ["--heap-growing-percnt=300", "-e", "0"], { encoding: "utf8" });
    expect(bad.status).not.toBe(0);
  });

  it("are reported missing until all are given, in either V8 spelling", () => {
    expect(missingLatencyFlags([])).toEqual([...LATENCY_NODE_FLAGS]);
    expect(missingLatencyFlags(["--no-memory-reducer"])).toEqual(["--heap-growing-percent=300"]);
    expect(missingLatencyFlags(["--heap_growing_percent=300", "--no_memory_reducer"])).toEqual([]);
    // Another value is not the flag.
    expect(missingLatencyFlags(["--heap-growing-percent=50", "--no-memory-reducer"])).toEqual([
      "--heap-growing-percent=300",
    ]);
  });

  it("are passed by npm start, the k8s image and the compose service", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const start = pkg.scripts.start?.split("&&").at(-1)?.trim().split(/\s+/) ?? [];
    expect(missingLatencyFlags(nodeArgs(start))).toEqual([]);

    const dockerfile = readFileSync(join(REPO, "k8s", "Dockerfile"), "utf8");
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entrypoint).toBeDefined();
    expect(missingLatencyFlags(nodeArgs(JSON.parse(entrypoint ?? "[]") as string[]))).toEqual([]);

    const authz = loadCompose().services.find((s) => s.name === "authz");
    expect(authz).toBeDefined();
    expect(missingLatencyFlags(nodeArgs(authz?.command ?? []))).toEqual([]);
  });
});
