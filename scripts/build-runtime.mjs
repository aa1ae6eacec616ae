// Builds the Rego Wasm runtime library (src/rego/runtime/assembly, AssemblyScript) into
// src/rego/runtime/build/runtime.wasm, which is committed so that users never need asc.
// Usage: node scripts/build-runtime.mjs [out.wasm]
// The build is deterministic; test/rego-wasm/runtime-build.test.ts rebuilds and compares.
import { mkdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? resolve(root, "src/rego/runtime/build/runtime.wasm"));
mkdirSync(dirname(out), { recursive: true });

const src = "src/rego/runtime/assembly";
const args = [
  `${src}/index.ts`,
  "--outFile",
  relative(root, out),
  "--baseDir",
  root,
  "--runtime",
  `${src}/rt`,
  "--use",
  `abort=${src}/abort/rtAbort`,
  "--importMemory",
  "--initialMemory",
  "2",
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "0",
  "--noAssert",
];

const { error, stderr } = await asc.main(args, {});
if (error) {
  console.error(stderr.toString());
  console.error(error.message);
  process.exit(1);
}
console.log(`built ${relative(root, out)}`);
