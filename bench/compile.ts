/**
 * Compile speed of our Rego compiler on the default policy (policies/), in a warm process:
 * parse -> check -> plan -> Wasm generation and linking with the prebuilt runtime, per compile.
 * Run: npx tsx bench/compile.ts [iterations]
 */
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileTree, readSourceTree } from "../src/policy/bundle/directory.js";

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 50);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../policies");
  const tree = await readSourceTree(root, { includeTests: false });
  const entrypoints = ["envoy/authz/allow"];
  const cold = performance.now();
  compileTree(tree, entrypoints);
  const coldMs = performance.now() - cold;
  for (let i = 0; i < 5; i++) compileTree(tree, entrypoints); // warm-up
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    bytes = compileTree(tree, entrypoints).wasm.byteLength;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / n;
  const lines = tree.rego.reduce((a, f) => a + Buffer.from(f.text).toString("utf8").split("\n").length, 0);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`);
  console.log(`policies/: ${tree.rego.length} file(s), ${lines} lines of Rego -> ${bytes} bytes of Wasm`);
  console.log(`first compile (cold process): ${coldMs.toFixed(1)} ms`);
  console.log(
    `warm, ${n} compiles: mean ${mean.toFixed(1)} ms, median ${times[Math.floor(n / 2)]?.toFixed(1)} ms, max ${times[n - 1]?.toFixed(1)} ms`,
  );
}

await main();
