/**
 * `node dist-bench/bench/cpuprofile.js FILE.cpuprofile --calls N`: a V8 CPU profile (node
 * --cpu-prof, e.g. of the bench's servers through `--server-node-flags`) summarized as self time
 * per call: busy time, then by source file (node_modules packages and node internals grouped), then
 * by function. With `--callers NAME`, the call chains under which NAME's self time was spent.
 *
 * Flags: --calls N (calls served while profiling; 1 gives totals in µs) --top K (40)
 *        --skip-s S (ignore the first S seconds: start-up, warm-up) --callers NAME
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    calls: { type: "string", default: "1" },
    top: { type: "string", default: "40" },
    "skip-s": { type: "string", default: "0" },
    callers: { type: "string" },
  },
});

const file = positionals[0];
if (file === undefined) throw new Error("cpuprofile: give a .cpuprofile file");
const calls = Number(values.calls);
const top = Number(values.top);
const skipUs = Number(values["skip-s"]) * 1e6;
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

// Self time per node: each sample's time is the delta to the next sample.
const self = new Map<number, number>();
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < skipUs) continue;
  const id = profile.samples[i] as number;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
}

const IDLE = new Set(["(idle)", "(program)"]);
const fmt = (us: number) => (us / calls).toFixed(2).padStart(9);
const short = (url: string) =>
  url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/(node_modules\/(@[^/]+\/)?[^/]+)\/.*$/, "$1")
    .replace(/^.*\/(dist(-bench)?\/)/, "$1");

if (values.callers !== undefined) {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const chains = new Map<string, number>();
  for (const [id, us] of self) {
    if (byId.get(id)?.callFrame.functionName !== values.callers) continue;
    const chain: string[] = [];
    for (let p = parent.get(id); p !== undefined && chain.length < 6; p = parent.get(p)) {
      const f = byId.get(p)?.callFrame;
      if (f) chain.push(`${f.functionName || "(anonymous)"}:${f.lineNumber}`);
    }
    const key = chain.join(" < ");
    chains.set(key, (chains.get(key) ?? 0) + us);
  }
  for (const [chain, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${fmt(us)}  ${chain}`);
  }
} else {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    if (IDLE.has(f.functionName)) {
      byFunction.set(f.functionName, (byFunction.get(f.functionName) ?? 0) + us);
      continue;
    }
    busy += us;
    const where = short(f.url);
    const key = `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const group =
      where.includes("node_modules") || where.startsWith("node:") ? where : where.replace(/\/[^/]*$/, "");
    byFile.set(group || f.functionName, (byFile.get(group || f.functionName) ?? 0) + us);
  }
  console.log(`busy ${fmt(busy).trim()} µs per call (${calls} calls)\n\nby file:`);
  for (const [k, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${fmt(us)}  ${k}`);
  console.log("\nby function:");
  for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${fmt(us)}  ${k}`);
}
