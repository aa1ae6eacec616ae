/**
 * `wimse-authz test <paths...> [-v] [--run REGEX]`: runs Rego unit tests (rules named test_*)
 * like `opa test`, through modules compiled by our compiler and evaluated with
 * @open-policy-agent/opa-wasm (one entrypoint per test rule). A test passes when its rule is
 * true; false or undefined fails; an evaluation error is an ERROR. Output: one line per test
 * ("data.pkg.test_name: PASS (1.2ms)"), then "PASS: n/n" (and "FAIL: f/n", "ERROR: e/n").
 * Exit codes: 0 all passed, 1 a test failed or the policy did not compile, 2 usage error.
 */
import { compileRego } from "../rego/compile.js";
import { RegoCompileError } from "../rego/errors.js";
import { parseModule } from "../rego/syntax/index.js";
import { readSourceTree } from "../policy/bundle/directory.js";
import { mergeData, parseDataFile } from "../policy/bundle/data.js";
import { hostBuiltins } from "../policy/builtins/index.js";
import { PolicyError } from "../policy/errors.js";
import { instantiate, jsonBuffer } from "../policy/sdk.js";

interface TestArgs {
  paths: string[];
  verbose: boolean;
  run?: RegExp;
}

const USAGE = "usage: wimse-authz test <paths...> [-v] [--run REGEX]";

function parseArgs(argv: string[]): TestArgs | string {
  const a: TestArgs = { paths: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-v" || arg === "--verbose") a.verbose = true;
    else if (arg === "--run" || arg === "-r") {
      const r = argv[++i];
      if (!r) return "--run needs a regular expression";
      try {
        a.run = new RegExp(r);
      } catch {
        return `invalid --run expression ${JSON.stringify(r)}`;
      }
    } else if (arg === "-h" || arg === "--help") return USAGE;
    else if (arg.startsWith("-")) return `unknown option ${arg}`;
    else a.paths.push(arg);
  }
  if (a.paths.length === 0) return "no policy paths given";
  return a;
}

/** Test rules: complete (non-function) rules whose name starts with test_, as entrypoints. */
export function findTests(files: { path: string; text: Uint8Array | string }[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const mod = parseModule({ path: f.path, text: f.text });
    for (const rule of mod.rules) {
      const head = rule.head.ref;
      const first = head[0];
      if (head.length !== 1 || first?.type !== "var" || !first.name.startsWith("test_") || rule.head.args)
        continue;
      out.add([...mod.package, first.name].join("/"));
    }
  }
  return [...out];
}

export async function runTest(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`${args}\n${args === USAGE ? "" : `${USAGE}\n`}`);
    return 2;
  }
  const out = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  try {
    const files: { path: string; text: Uint8Array }[] = [];
    const dataFiles: { relPath: string; value: unknown }[] = [];
    for (const p of args.paths) {
      const tree = await readSourceTree(p, { includeTests: true });
      for (const f of tree.rego) files.push({ path: f.relPath, text: f.text });
      for (const d of tree.data)
        dataFiles.push({ relPath: d.relPath, value: parseDataFile(d.relPath, d.bytes) });
    }
    const tests = findTests(files).filter((t) => !args.run || args.run.test(`data.${t.replace(/\//g, ".")}`));
    if (tests.length === 0) {
      out("no tests found");
      return 1;
    }
    const compiled = compileRego(files, { entrypoints: tests });
    const printed: string[] = [];
    const policy = await instantiate(
      compiled.wasm,
      hostBuiltins({ strict: false, print: (l) => printed.push(l) }),
    );
    policy.setData(jsonBuffer(mergeData(dataFiles)));
    let passed = 0;
    let failed = 0;
    let errors = 0;
    for (const t of tests) {
      const name = `data.${t.replace(/\//g, ".")}`;
      const started = process.hrtime.bigint();
      let status: "PASS" | "FAIL" | "ERROR";
      let detail = "";
      printed.length = 0;
      try {
        const rs = policy.evaluate(undefined, t) as { result?: unknown }[];
        status = rs.length === 1 && rs[0]?.result === true ? "PASS" : "FAIL";
        if (status === "FAIL")
          detail = rs.length === 0 ? " (undefined)" : ` (got ${JSON.stringify(rs[0]?.result)})`;
      } catch (e) {
        status = "ERROR";
        detail = `: ${e instanceof Error ? e.message : String(e)}`;
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (status === "PASS") passed++;
      else if (status === "FAIL") failed++;
      else errors++;
      if (args.verbose || status !== "PASS") {
        out(`${name}: ${status}${status === "PASS" ? "" : detail} (${ms.toFixed(1)}ms)`);
        for (const line of printed) out(`  ${line}`);
      }
    }
    out("-".repeat(80));
    const n = tests.length;
    if (passed > 0 || n === 0) out(`PASS: ${passed}/${n}`);
    if (failed > 0) out(`FAIL: ${failed}/${n}`);
    if (errors > 0) out(`ERROR: ${errors}/${n}`);
    return failed + errors === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof RegoCompileError || e instanceof PolicyError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    process.stderr.write(`test failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
