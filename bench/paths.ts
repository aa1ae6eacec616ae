/**
 * Where things are when the bench runs as built JavaScript (dist-bench/bench/run.js) or from
 * source: the repository root, and the policy runtime's Wasm module, which the compiled
 * src/rego/wasm/module.js looks for next to itself (copied there from the source tree when it differs).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The nearest ancestor of `from` holding package.json. */
export function repoRoot(from: string): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`bench: no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** Copies runtime.wasm into <outDir>/src/rego/runtime/build when running from a build output dir. */
export function ensureRuntimeWasm(root: string, benchDir: string): void {
  const outRoot = dirname(benchDir);
  if (outRoot === root) return; // running from source: module.ts finds it in src/
  const target = join(outRoot, "src/rego/runtime/build/runtime.wasm");
  const source = join(root, "src/rego/runtime/build/runtime.wasm");
  // A stale copy would not match the compiled code generator (missing runtime functions).
  if (existsSync(target) && readFileSync(target).equals(readFileSync(source))) return;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}
