/**
 * `wimse-authz build -t wasm -e <entrypoint>... [-d data.json]... <paths...> -o bundle.tar.gz`
 *
 * Compiles Rego with our compiler and writes an OPA-format bundle as `opa build -t wasm` does:
 * /.manifest (revision, roots, wasm entrypoints, rego_version 1), /policy.wasm, /data.json and the
 * .rego sources (files ending in _test.rego are left out). Data files found under the paths
 * (data.json / data.yaml at any depth) and those given with -d (merged at the root) go into
 * /data.json. Exit codes: 0 written, 1 compile or input error, 2 usage error.
 */
import { writeFile } from "node:fs/promises";
import { compileRego } from "../rego/compile.js";
import { RegoCompileError } from "../rego/errors.js";
import { readSourceTree } from "../policy/bundle/directory.js";
import { mergeData, parseDataFile } from "../policy/bundle/data.js";
import { type BundleMember, writeTarGz } from "../policy/bundle/write.js";
import { hostBuiltinNames } from "../policy/builtins/index.js";
import { PolicyError } from "../policy/errors.js";
import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";

interface BuildArgs {
  entrypoints: string[];
  dataFiles: string[];
  paths: string[];
  output: string;
  revision?: string;
}

const USAGE =
  "usage: wimse-authz build -t wasm -e <entrypoint>... [-d data.json]... [--revision REV] <paths...> -o bundle.tar.gz";

function parseArgs(argv: string[]): BuildArgs | string {
  const a: BuildArgs = { entrypoints: [], dataFiles: [], paths: [], output: "bundle.tar.gz" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const value = (): string | undefined => argv[++i];
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const v = (): string | undefined => inline ?? value();
    switch (flag) {
      case "-t":
      case "--target": {
        const t = v();
        if (t !== "wasm") return `unsupported target ${JSON.stringify(t)}: only wasm`;
        break;
      }
      case "-e":
      case "--entrypoint": {
        const e = v();
        if (!e) return "-e needs an entrypoint";
        a.entrypoints.push(e.replace(/^data\./, "").replace(/\./g, "/"));
        break;
      }
      case "-d":
      case "--data": {
        const d = v();
        if (!d) return "-d needs a file";
        a.dataFiles.push(d);
        break;
      }
      case "-o":
      case "--output": {
        const o = v();
        if (!o) return "-o needs a file";
        a.output = o;
        break;
      }
      case "--revision": {
        const r = v();
        if (r === undefined) return "--revision needs a value";
        a.revision = r;
        break;
      }
      case "-h":
      case "--help":
        return USAGE;
      default:
        if (arg.startsWith("-")) return `unknown option ${arg}`;
        a.paths.push(arg);
    }
  }
  if (a.entrypoints.length === 0) return "at least one -e <entrypoint> is required";
  if (a.paths.length === 0) return "no policy paths given";
  return a;
}

export async function runBuild(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`${args}\n${args === USAGE ? "" : `${USAGE}\n`}`);
    return 2;
  }
  try {
    const members: BundleMember[] = [];
    const regoFiles: { path: string; text: Uint8Array }[] = [];
    const dataFiles: { relPath: string; value: unknown }[] = [];
    for (const p of args.paths) {
      const tree = await readSourceTree(p, { includeTests: false });
      for (const f of tree.rego) regoFiles.push({ path: f.relPath, text: f.text });
      for (const d of tree.data)
        dataFiles.push({ relPath: d.relPath, value: parseDataFile(d.relPath, d.bytes) });
    }
    for (const d of args.dataFiles) {
      const bytes = new Uint8Array(await readFile(d));
      const name = d.endsWith(".json") ? "data.json" : "data.yaml";
      dataFiles.push({ relPath: name, value: parseDataFile(name, bytes) });
    }
    if (regoFiles.length === 0) throw new PolicyError("policy_compile_error", "no .rego files found");
    const compiled = compileRego(regoFiles, { entrypoints: args.entrypoints });
    const data = mergeData(dataFiles);
    const missing = compiled.hostBuiltins.filter((b) => !hostBuiltinNames().includes(b));
    if (missing.length > 0) {
      process.stderr.write(
        `warning: the module needs host builtins wimse-authz does not provide: ${missing.join(", ")}\n`,
      );
    }
    const enc = new TextEncoder();
    const revision =
      args.revision ??
      `sha256:${createHash("sha256")
        .update(compiled.wasm)
        .update(JSON.stringify(data))
        .digest("hex")
        .slice(0, 16)}`;
    const manifest = {
      revision,
      roots: [""],
      wasm: args.entrypoints.map((entrypoint) => ({ entrypoint, module: "/policy.wasm" })),
      rego_version: 1,
    };
    members.push({ path: "/.manifest", bytes: enc.encode(JSON.stringify(manifest)) });
    members.push({ path: "/policy.wasm", bytes: compiled.wasm });
    members.push({ path: "/data.json", bytes: enc.encode(JSON.stringify(data)) });
    for (const f of regoFiles) members.push({ path: `/${f.path}`, bytes: f.text });
    await writeFile(args.output, await writeTarGz(members, new Date()));
    process.stdout.write(
      `wrote ${args.output} (revision ${revision}, entrypoints ${args.entrypoints.join(", ")})\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof RegoCompileError || e instanceof PolicyError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    process.stderr.write(`build failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
