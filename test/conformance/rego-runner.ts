/**
 * Rego conformance runner: `npm run conformance:rego -- DIR [--timeout MS] [--jobs N] [--filter TEXT]`
 *
 * Runs every YAML case under DIR (OPA's test/cases format, see ../shared/conformance/README.md):
 * each case is compiled with OUR compiler (compileRego) and evaluated ONLY through the unmodified
 * @open-policy-agent/opa-wasm SDK with our host builtins. There is no evaluator of our own.
 *
 * Query shapes
 * - `data.a.b.p = x` (almost every case): entrypoint `a/b/p`; the SDK's result set
 *   `[{"result": v}]` is compared with want_result[0].x, `[]` (undefined) with `want_result: []`.
 * - Any other query: a synthetic module is compiled alongside the case's modules,
 *       package __conformance__
 *       q contains bindings__ if { <query>; bindings__ := {"v1": v1, ...} }
 *   where v1... are the query's variables (identifiers in term position, minus keywords, `data`,
 *   `input` and `_`-prefixed names), and the entrypoint is `__conformance__/q`. The set of
 *   binding objects is compared with want_result as a multiset (a set has no query order).
 *   Queries that read the whole of `data` cannot work this way (the synthetic rule would be part
 *   of data: recursion); they fail with that compile error.
 * - `input_term` (a Rego term as text) is used as JSON when it parses as JSON; otherwise it is
 *   compiled as `package __conformance_input__ / value := <term>` and evaluated first (through
 *   the SDK like everything else); sets then arrive as arrays, as in any JSON input.
 *
 * Errors: `want_error_code` eval_* passes when evaluation fails (a Wasm abort, or a host builtin
 * error whose code is the wanted one; a missing host builtin never passes); rego_* passes when
 * compileRego throws a RegoCompileError with that code. Host builtins run in strict mode when the
 * case sets `strict_error`, else a builtin error makes the expression undefined (OPA semantics).
 *
 * Isolation: cases run in worker threads (one per core), each with a time limit; a case that
 * hangs or crashes its worker is reported as ERROR and the worker is replaced.
 *
 * `--raise-marks FILE` records per-group pass counts in FILE, only ever raising them.
 *
 * Output: one line per case (`PASS <note>`, `FAIL <note> <reason>`, `ERROR <note> <reason>`), a
 * per-group table (group = top folder under DIR), totals for the core-language groups and for
 * all, the cases listed in wasm-exceptions.yaml, and last `N passed, N failed` (ERROR counts as
 * failed).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { parse as parseYaml } from "yaml";
import { templateEnd } from "../../src/rego/syntax/lexer.js";
import { type ConformanceCase, caseFiles } from "./opa-cases.js";

interface Job {
  id: number;
  group: string;
  file: string;
  tc: ConformanceCase;
}

type Status = "PASS" | "FAIL" | "ERROR";

interface Outcome {
  id: number;
  status: Status;
  reason: string;
}

/** Groups that exercise the language itself rather than one builtin family. */
const CORE_GROUPS = new Set([
  "arithmetic",
  "assignments",
  "baseandvirtualdocs",
  "comparisonexpr",
  "completedoc",
  "compositebasedereference",
  "compositereferences",
  "comprehensions",
  "containskeyword",
  "dataderef",
  "defaultkeyword",
  "disjunction",
  "elsekeyword",
  "embeddedvirtualdoc",
  "eqexpr",
  "evaltermexpr",
  "every",
  "example",
  "fix1863",
  "functionerrors",
  "functions",
  "helloworld",
  "indexing",
  "indirectreferences",
  "inputvalues",
  "invalidkeyerror",
  "keywordrefs",
  "negation",
  "nestedreferences",
  "partialdocconstants",
  "partialiter",
  "partialobjectdoc",
  "partialsetdoc",
  "planner-ir",
  "refheads",
  "stringinterpolation",
  "topdowndynamicdispatch",
  "undos",
  "varreferences",
  "virtualdocs",
  "withkeyword",
]);

// ---------------------------------------------------------------------------------------------
// Comparison helpers (pure; shared by the worker)

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function sortArray(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return [...v].sort((a, b) => {
    const ca = canonical(a);
    const cb = canonical(b);
    return ca < cb ? -1 : ca > cb ? 1 : 0;
  });
}

function sameValue(got: unknown, want: unknown, sortBindings: boolean): boolean {
  return sortBindings
    ? canonical(sortArray(got)) === canonical(sortArray(want))
    : canonical(got) === canonical(want);
}

function short(v: unknown, max = 160): string {
  const s = typeof v === "string" ? v : canonical(v);
  const one = s.replace(/\s+/g, " ");
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

// ---------------------------------------------------------------------------------------------
// Query analysis

const DIRECT_QUERY = /^\s*data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const KEYWORDS = new Set([
  "data",
  "input",
  "true",
  "false",
  "null",
  "not",
  "some",
  "in",
  "every",
  "with",
  "as",
  "if",
  "contains",
  "else",
  "default",
]);

/** Variables of a query: identifiers at the head of a term, skipping strings and calls. */
export function queryVars(query: string): string[] {
  const vars: string[] = [];
  let i = 0;
  const n = query.length;
  let prev = "";
  while (i < n) {
    const c = query[i] ?? "";
    if (c === "$" && query[i + 1] === '"') {
      // A template string: its expressions may hold quotes and braces (the lexer's own scan).
      const end = templateEnd(query, i + 1);
      i = end < 0 ? n : end;
      prev = '"';
      continue;
    }
    if (c === '"' || c === "`" || (c === "$" && query[i + 1] === "`")) {
      const quote = c === "$" ? (query[i + 1] ?? '"') : c;
      i += c === "$" ? 2 : 1;
      while (i < n && query[i] !== quote) i += query[i] === "\\" && quote === '"' ? 2 : 1;
      i++;
      prev = '"';
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_]/.test(query[j] ?? "")) j++;
      const name = query.slice(i, j);
      let k = j;
      while (k < n && query[k] === " ") k++;
      const next = query[k] ?? "";
      const isRefKey = prev === ".";
      const isCallHead =
        next === "(" || (next === "." && /^\.[A-Za-z_][A-Za-z0-9_.]*\(/.test(query.slice(k)));
      if (!isRefKey && !isCallHead && !KEYWORDS.has(name) && !name.startsWith("_") && !vars.includes(name)) {
        vars.push(name);
      }
      prev = "a";
      i = j;
      continue;
    }
    if (c !== " ") prev = c;
    i++;
  }
  return vars;
}

// ---------------------------------------------------------------------------------------------
// Worker: compile and evaluate one case

async function runCase(tc: ConformanceCase): Promise<{ status: Status; reason: string }> {
  const { compileRego } = await import("../../src/rego/compile.js");
  const { RegoCompileError } = await import("../../src/rego/errors.js");
  const { instantiate, jsonBuffer } = await import("../../src/policy/sdk.js");
  const { hostBuiltins, HostBuiltinError } = await import("../../src/policy/builtins/index.js");

  const files = (tc.modules ?? []).map((text, i) => ({ path: `case-${i}.rego`, text }));
  const direct = DIRECT_QUERY.exec(tc.query);
  let entrypoint: string;
  let vars: string[] = [];
  if (direct) {
    entrypoint = (direct[1] ?? "").slice(1).replace(/\./g, "/");
  } else {
    vars = queryVars(tc.query);
    const obj = vars.map((v) => `${JSON.stringify(v)}: ${v}`).join(", ");
    files.push({
      path: "conformance-query.rego",
      text: `package __conformance__\n\nq contains bindings__ if {\n${tc.query}\nbindings__ := {${obj}}\n}\n`,
    });
    entrypoint = "__conformance__/q";
  }
  const entrypoints = [entrypoint];
  let inputJson: unknown = tc.input;
  let inputFromTerm = false;
  if (tc.input_term !== undefined) {
    try {
      inputJson = JSON.parse(tc.input_term);
    } catch {
      inputFromTerm = true;
      files.push({
        path: "conformance-input.rego",
        text: `package __conformance_input__\n\nvalue := ${tc.input_term}\n`,
      });
      entrypoints.push("__conformance_input__/value");
    }
  }

  const wantsError = tc.want_error_code !== undefined || tc.want_error !== undefined;
  const wantCode = tc.want_error_code ?? "";

  let compiled: { wasm: Uint8Array; entrypoints: Record<string, number> };
  try {
    compiled = compileRego(files, { entrypoints, strictBuiltinErrors: tc.strict_error === true });
  } catch (e) {
    if (e instanceof RegoCompileError) {
      if (wantCode.startsWith("rego_") && e.errors.some((x) => x.code === wantCode)) {
        return { status: "PASS", reason: "" };
      }
      return { status: "FAIL", reason: `compile error: ${short(e.message, 300)}` };
    }
    throw e;
  }
  if (wantCode.startsWith("rego_"))
    return { status: "FAIL", reason: `want compile error ${wantCode}, compiled` };

  const policy = await instantiate(compiled.wasm, hostBuiltins({ strict: tc.strict_error === true }));
  policy.setData(jsonBuffer(tc.data ?? {}));
  if (inputFromTerm) {
    const rs = policy.evaluate(undefined, "__conformance_input__/value") as { result: unknown }[];
    inputJson = rs[0]?.result;
  }
  let rs: unknown;
  try {
    rs = policy.evaluate(inputJson === undefined ? undefined : jsonBuffer(inputJson), entrypoint);
  } catch (e) {
    const missing = missingBuiltin(e);
    if (missing) return { status: "FAIL", reason: `host builtin missing: ${missing}` };
    // A wanted error without a code (only want_error text) accepts any evaluation error.
    if (wantsError && (wantCode === "" || wantCode.startsWith("eval_"))) {
      // Without a wanted code, a host builtin's error must be the wanted text ("code: message").
      const hostMismatch =
        e instanceof HostBuiltinError &&
        (wantCode === "" ? `${e.code}: ${e.message}` !== (tc.want_error ?? "") : e.code !== wantCode);
      if (hostMismatch) {
        return {
          status: "FAIL",
          reason: `want ${wantCode || short(tc.want_error ?? "")}, got ${e.code}: ${short(e.message)}`,
        };
      }
      return { status: "PASS", reason: "" };
    }
    return { status: "FAIL", reason: `eval error: ${short(errorText(e), 300)}` };
  }
  if (wantsError)
    return {
      status: "FAIL",
      reason: `want error ${wantCode} ${short(tc.want_error ?? "")}, got ${short(rs)}`,
    };
  return compareResult(tc, rs, direct ? (direct[2] ?? "x") : undefined);
}

function compareResult(
  tc: ConformanceCase,
  rs: unknown,
  directVar: string | undefined,
): { status: Status; reason: string } {
  const want = tc.want_result ?? [];
  const sortBindings = tc.sort_bindings === true;
  if (!Array.isArray(rs)) return { status: "FAIL", reason: `result set is not an array: ${short(rs)}` };
  if (directVar !== undefined) {
    if (want.length === 0) {
      return rs.length === 0
        ? { status: "PASS", reason: "" }
        : { status: "FAIL", reason: `want undefined, got ${short(rs)}` };
    }
    if (rs.length !== 1)
      return { status: "FAIL", reason: `want ${short(want[0]?.[directVar])}, got result set ${short(rs)}` };
    const got = (rs[0] as { result?: unknown }).result;
    const wantValue = want[0]?.[directVar];
    return sameValue(got, wantValue, sortBindings)
      ? { status: "PASS", reason: "" }
      : { status: "FAIL", reason: `want ${short(wantValue)}, got ${short(got)}` };
  }
  const rows = rs.length === 0 ? [] : ((rs[0] as { result?: unknown }).result ?? []);
  if (!Array.isArray(rows)) return { status: "FAIL", reason: `bindings are not a set: ${short(rows)}` };
  const norm = (r: unknown): string => {
    const o = (r ?? {}) as Record<string, unknown>;
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!k.startsWith("_")) kept[k] = sortBindings ? sortArray(v) : v;
    return canonical(kept);
  };
  const got = rows.map(norm).sort();
  const wanted = want.map(norm).sort();
  return canonical(got) === canonical(wanted)
    ? { status: "PASS", reason: "" }
    : { status: "FAIL", reason: `want ${short(want)}, got ${short(rows)}` };
}

function missingBuiltin(e: unknown): string | undefined {
  const msg = errorText(e);
  const m = /not implemented: built-in function \d+: (\S+)/.exec(msg);
  return m?.[1];
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  if (e !== null && typeof e === "object" && "message" in e)
    return String((e as { message: unknown }).message);
  return String(e);
}

function workerMain(): void {
  const port = parentPort;
  if (!port) return;
  port.on("message", (job: Job) => {
    runCase(job.tc).then(
      (r) => port.postMessage({ id: job.id, ...r } satisfies Outcome),
      (e: unknown) =>
        port.postMessage({ id: job.id, status: "ERROR", reason: `crash: ${short(errorText(e), 300)}` }),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Main: collect cases, schedule them over workers, report

function collectJobs(
  dir: string,
  filter: string | undefined,
): { jobs: Job[]; loadErrors: Outcome[]; notes: string[] } {
  const jobs: Job[] = [];
  const loadErrors: Outcome[] = [];
  const notes: string[] = [];
  for (const file of caseFiles(dir)) {
    const rel = path.relative(dir, file);
    const group = rel.includes(path.sep) ? (rel.split(path.sep)[0] ?? rel) : "(top)";
    let doc: { cases?: ConformanceCase[] };
    try {
      doc = parseYaml(readFileSync(file, "utf8"), { maxAliasCount: 1000 }) as { cases?: ConformanceCase[] };
    } catch (e) {
      const id = jobs.length + loadErrors.length;
      notes[id] = rel;
      loadErrors.push({ id, status: "ERROR", reason: `unreadable YAML: ${short(errorText(e))}` });
      continue;
    }
    for (const tc of doc?.cases ?? []) {
      if (filter && !tc.note.includes(filter)) continue;
      const id = jobs.length + loadErrors.length;
      notes[id] = tc.note;
      jobs.push({ id, group, file: rel, tc });
    }
  }
  return { jobs, loadErrors, notes };
}

function findExceptions(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let d = path.resolve(dir);
  for (let up = 0; up < 3; up++) {
    const f = path.join(d, "wasm-exceptions.yaml");
    if (existsSync(f)) {
      const doc = parseYaml(readFileSync(f, "utf8")) as Record<string, string> | null;
      for (const [k, v] of Object.entries(doc ?? {})) out.set(k, v);
      break;
    }
    d = path.dirname(d);
  }
  return out;
}

interface Args {
  dir: string;
  timeoutMs: number;
  jobs: number;
  filter?: string;
  /** --raise-marks FILE: raise (never lower) per-group pass counts recorded in FILE. */
  raiseMarks?: string;
}

function parseArgs(argv: string[]): Args | string {
  let dir: string | undefined;
  let timeoutMs = 10_000;
  let jobs = Math.max(1, availableParallelism());
  let filter: string | undefined;
  let raiseMarks: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--timeout") timeoutMs = Number(argv[++i]);
    else if (a === "--jobs") jobs = Number(argv[++i]);
    else if (a === "--filter") filter = argv[++i];
    else if (a === "--raise-marks") raiseMarks = argv[++i];
    else if (a === "--") continue;
    else if (a?.startsWith("--")) return `unknown option ${a}`;
    else dir = a;
  }
  if (!dir) return "usage: rego-runner DIR [--timeout MS] [--jobs N] [--filter TEXT]";
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `not a directory: ${dir}`;
  if (!(timeoutMs > 0) || !(jobs > 0)) return "--timeout and --jobs must be positive";
  return { dir, timeoutMs, jobs, filter, raiseMarks };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  const started = Date.now();
  const { jobs, loadErrors, notes } = collectJobs(args.dir, args.filter);
  const exceptions = findExceptions(args.dir);
  const total = jobs.length + loadErrors.length;
  const results: (Outcome | undefined)[] = new Array(total);
  for (const o of loadErrors) results[o.id] = o;
  let printed = 0;
  const flush = (): void => {
    while (printed < total && results[printed]) {
      const r = results[printed] as Outcome;
      const note = notes[printed] ?? `#${printed}`;
      process.stdout.write(r.status === "PASS" ? `PASS ${note}\n` : `${r.status} ${note} ${r.reason}\n`);
      printed++;
    }
  };
  flush();
  await schedule(jobs, args, (o) => {
    results[o.id] = o;
    flush();
  });
  flush();
  report(jobs, results, exceptions, loadErrors.length, Date.now() - started);
  if (args.raiseMarks) raiseMarks(args.raiseMarks, jobs, results);
  return 0;
}

function schedule(jobs: Job[], args: Args, done: (o: Outcome) => void): Promise<void> {
  const queue = [...jobs];
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve) => {
    let active = 0;
    let finished = 0;
    if (jobs.length === 0) {
      resolve();
      return;
    }
    const spawn = (): void => {
      // Workers do not inherit tsx's loader hooks: the bootstrap registers tsx, then loads this file.
      const bootstrap = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(self).href)}); })`;
      const worker = new Worker(bootstrap, {
        eval: true,
        workerData: { conformanceWorker: true },
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
      active++;
      let current: Job | undefined;
      let timer: NodeJS.Timeout | undefined;
      let dead = false;
      const finish = (o: Outcome): void => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        current = undefined;
        finished++;
        done(o);
      };
      const next = (): void => {
        current = queue.shift();
        if (!current) {
          dead = true;
          void worker.terminate();
          return;
        }
        const job = current;
        timer = setTimeout(() => {
          if (current !== job) return;
          dead = true;
          finish({ id: job.id, status: "ERROR", reason: `timeout after ${args.timeoutMs} ms` });
          void worker.terminate();
        }, args.timeoutMs);
        worker.postMessage(job);
      };
      worker.on("message", (o: Outcome) => {
        if (!current || o.id !== current.id) return;
        finish(o);
        next();
      });
      worker.on("error", (e) => {
        if (current)
          finish({ id: current.id, status: "ERROR", reason: `worker crashed: ${short(errorText(e))}` });
        dead = true;
      });
      worker.on("exit", () => {
        if (current) finish({ id: current.id, status: "ERROR", reason: "worker exited" });
        active--;
        if (queue.length > 0) spawn();
        else if (active === 0 || finished === jobs.length) {
          if (finished === jobs.length) resolve();
        }
        void dead;
      });
      next();
    };
    for (let i = 0; i < Math.min(args.jobs, jobs.length); i++) spawn();
  });
}

function report(
  jobs: Job[],
  results: (Outcome | undefined)[],
  exceptions: Map<string, string>,
  loadErrorCount: number,
  elapsedMs: number,
): void {
  const groups = new Map<string, { cases: number; passed: number; exceptions: number }>();
  for (const job of jobs) {
    const g = groups.get(job.group) ?? { cases: 0, passed: 0, exceptions: 0 };
    g.cases++;
    if (results[job.id]?.status === "PASS") g.passed++;
    if (exceptions.has(job.tc.note)) g.exceptions++;
    groups.set(job.group, g);
  }
  const line = (name: string, cases: number, passed: number, extra = ""): string => {
    const pct = cases === 0 ? "-" : ((100 * passed) / cases).toFixed(1);
    return `${name.padEnd(40)} ${String(cases).padStart(6)} ${String(passed).padStart(7)} ${String(cases - passed).padStart(7)} ${pct.padStart(6)}${extra}`;
  };
  const out: string[] = [];
  out.push("");
  out.push(
    `${"group".padEnd(40)} ${"cases".padStart(6)} ${"passed".padStart(7)} ${"failed".padStart(7)} ${"%".padStart(6)}`,
  );
  let coreCases = 0;
  let corePassed = 0;
  let allCases = 0;
  let allPassed = 0;
  for (const [name, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const core = CORE_GROUPS.has(name);
    const extra = `${core ? "  core" : ""}${g.exceptions ? `  (${g.exceptions} in wasm-exceptions)` : ""}`;
    out.push(line(name, g.cases, g.passed, extra));
    if (core) {
      coreCases += g.cases;
      corePassed += g.passed;
    }
    allCases += g.cases;
    allPassed += g.passed;
  }
  out.push(line("TOTAL core-language groups", coreCases, corePassed));
  out.push(line("TOTAL all groups", allCases + loadErrorCount, allPassed));
  if (exceptions.size > 0) {
    out.push("");
    out.push("wasm-exceptions.yaml (cases OPA's own Wasm SDK tests skip; counted above like the others):");
    for (const [note, why] of exceptions) {
      const job = jobs.find((j) => j.tc.note === note);
      const status = job ? (results[job.id]?.status ?? "ERROR") : "ABSENT";
      out.push(`  ${status.padEnd(6)} ${note}  (${why})`);
    }
  }
  out.push(`elapsed ${(elapsedMs / 1000).toFixed(1)} s`);
  const failed = allCases + loadErrorCount - allPassed;
  out.push(`${allPassed} passed, ${failed} failed`);
  process.stdout.write(`${out.join("\n")}\n`);
}

/** Marks file: {"groups": {"<group>": <passed>}}. Marks only ever go up. */
function raiseMarks(file: string, jobs: Job[], results: (Outcome | undefined)[]): void {
  const marks: { groups: Record<string, number> } = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as { groups: Record<string, number> })
    : { groups: {} };
  const passed = new Map<string, number>();
  for (const job of jobs) {
    if (!passed.has(job.group)) passed.set(job.group, 0);
    if (results[job.id]?.status === "PASS") passed.set(job.group, (passed.get(job.group) ?? 0) + 1);
  }
  for (const [group, n] of passed) marks.groups[group] = Math.max(marks.groups[group] ?? 0, n);
  const sorted = Object.fromEntries(Object.entries(marks.groups).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(file, `${JSON.stringify({ groups: sorted }, null, 2)}\n`);
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`rego-runner: ${errorText(e)}\n`);
      process.exitCode = 1;
    },
  );
} else if ((workerData as { conformanceWorker?: boolean } | null)?.conformanceWorker) {
  workerMain();
}
