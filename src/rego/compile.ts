/**
 * compileRego: Rego sources -> Wasm module (OPA's Wasm ABI), wiring the four compiler stages:
 *   syntax.parseModule (each file) -> check.checkModules -> plan.planPolicy -> wasm.generateWasm,
 * plus analysis.inputPaths on the planned IR (which input paths the module can read).
 *
 * Every failure is a RegoCompileError: stage errors pass through; an unexpected exception inside a
 * stage (a compiler bug) is wrapped as a rego_compile_error so callers see one error type.
 */
import type { CheckedProgram, Module, SourceFile } from "./ast/types.js";
import { RegoCompileError } from "./errors.js";
import type { CompileOptions, CompileResult } from "./index.js";
import type { Block, Policy } from "./ir/types.js";
import { inputPathList, inputPaths } from "./analysis/input-paths.js";
import { isPureBuiltin } from "./builtins/catalog.js";
import { checkModules } from "./check/index.js";
import { planPolicy } from "./plan/index.js";
import { parseModule } from "./syntax/index.js";
import { generateWasm, nativeBuiltins } from "./wasm/index.js";

export type { CompileOptions, CompileResult } from "./index.js";

/** The four stages, as documented in src/rego/index.ts (injectable for the wiring tests). */
export interface RegoStages {
  parseModule(file: SourceFile): Module;
  checkModules(modules: Module[]): CheckedProgram;
  planPolicy(program: CheckedProgram, entrypoints: string[]): Policy;
  generateWasm(policy: Policy, options?: { strictBuiltinErrors?: boolean }): Uint8Array;
  nativeBuiltins(): Iterable<string>;
}

const stages: RegoStages = { parseModule, checkModules, planPolicy, generateWasm, nativeBuiltins };

export function compileRego(files: SourceFile[], opts: CompileOptions): CompileResult {
  return compileWith(stages, files, opts);
}

/** The wiring, with the stages injectable (tests). */
export function compileWith(s: RegoStages, files: SourceFile[], opts: CompileOptions): CompileResult {
  validateEntrypoints(opts.entrypoints);
  const modules: Module[] = [];
  const parseErrors: RegoCompileError[] = [];
  for (const file of files) {
    try {
      modules.push(guard(file.path, "parse", () => s.parseModule(file)));
    } catch (e) {
      if (e instanceof RegoCompileError) parseErrors.push(e);
      else throw e;
    }
  }
  if (parseErrors.length > 0) throw new RegoCompileError(parseErrors.flatMap((e) => e.errors));
  const firstFile = files[0]?.path ?? "<input>";
  const program: CheckedProgram = guard(firstFile, "check", () => s.checkModules(modules));
  const policy: Policy = guard(firstFile, "plan", () => s.planPolicy(program, opts.entrypoints));
  const wasm = guard(firstFile, "wasm", () =>
    s.generateWasm(policy, { strictBuiltinErrors: opts.strictBuiltinErrors === true }),
  );
  const entrypoints: Record<string, number> = {};
  policy.plans.forEach((plan, i) => {
    entrypoints[plan.name] = i;
  });
  const paths = inputPathsOrWhole(policy);
  const called = calledBuiltinsOf(policy);
  const native = new Set(s.nativeBuiltins());
  return {
    wasm,
    entrypoints,
    hostBuiltins: called.filter((b) => !native.has(b)),
    ...(paths ? { inputPaths: inputPathList(paths) } : {}),
    deterministic: called.every(isPureBuiltin),
  };
}

/** The analysis never fails a compile: if it throws (a bug), evaluators get the whole input. */
function inputPathsOrWhole(policy: Policy): ReturnType<typeof inputPaths> {
  try {
    return inputPaths(policy);
  } catch {
    return undefined;
  }
}

function validateEntrypoints(entrypoints: string[]): void {
  if (entrypoints.length === 0) {
    throw compileError("<entrypoints>", "at least one entrypoint is required");
  }
  for (const ep of entrypoints) {
    if (!/^[^/\s]+(\/[^/\s]+)*$/.test(ep)) {
      throw compileError("<entrypoints>", `invalid entrypoint ${JSON.stringify(ep)}: want a/b/c`);
    }
  }
}

function guard<T>(file: string, stage: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RegoCompileError) throw e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw compileError(file, `${stage}: input nested too deeply`);
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw compileError(file, `internal error in ${stage} stage: ${msg}`);
  }
}

function compileError(file: string, message: string): RegoCompileError {
  return new RegoCompileError([{ code: "rego_compile_error", message, location: { file, row: 1, col: 1 } }]);
}

/** Builtins called by the IR (every call that is not to a user function), sorted. */
export function calledBuiltinsOf(policy: Policy): string[] {
  const funcs = new Set(policy.funcs.map((f) => f.name));
  const out = new Set<string>();
  const visit = (blocks: Block[]): void => {
    for (const b of blocks) {
      for (const st of b.stmts) {
        switch (st.type) {
          case "Call":
            if (!funcs.has(st.func)) out.add(st.func);
            break;
          case "Block":
            visit(st.blocks);
            break;
          case "Scan":
          case "Not":
          case "With":
            visit([st.block]);
            break;
          default:
            break;
        }
      }
    }
  };
  for (const p of policy.plans) visit(p.blocks);
  for (const f of policy.funcs) visit(f.blocks);
  return [...out].sort();
}
