/**
 * The check stage: Module[] -> CheckedProgram, establishing the guarantees documented in
 * src/rego/ast/types.ts (resolution, unique local names, flattened calls, safety order, rule kinds
 * and conflicts, recursion). Throws RegoCompileError with every error found (file:row:col each).
 *
 * Conventions the planner can rely on, beyond ast/types.ts:
 * - Local variables are named `__localN__`, wildcards `$_N`; both unique across the module set.
 * - A call expression's args are either exactly the function's arity (a test: the result must be
 *   neither false nor undefined) or arity + 1 (the last arg is the output, a var or pattern).
 * - User functions are called through a ref rooted at data (`data.pkg.f`); builtins through a
 *   ref of var + strings naming them (`time.now_ns`). CheckedProgram.calledBuiltins holds builtin
 *   names and user functions as `data.pkg.f`.
 * - `rego.metadata.rule()` / `rego.metadata.chain()` become constants (see metadata.ts).
 * - `print(a, ...)` becomes `internal.print([{v | v = a}, ...])`; template strings become
 *   `internal.template_string([...])` (see src/rego/syntax/template.ts); `not { body }` and a
 *   negated expression with nested calls become `equal([true | body], [])`.
 * - Else rules of a function share the primary rule's argument variables (same unique names).
 * - Rule.path is the static part of the rule's path (package + head ref up to its first
 *   non-string term); Rule.kind is set on every rule and else rule (see rules.ts for the kinds).
 *   CheckedProgram.rules maps path joined with "." to the primary rules (else chains attached).
 */
import type { Body, CheckedProgram, Module, Rule } from "../ast/types.js";
import { RegoCompileError } from "../errors.js";
import { BUILTINS, type BuiltinSignature } from "../builtins/catalog.js";
import { Diagnostics } from "./diagnostics.js";
import { Env, importAliases } from "./env.js";
import { Flattener } from "./flatten.js";
import { rewriteMetadataCalls } from "./metadata.js";
import { checkRecursion } from "./recursion.js";
import { type ModuleContext, Resolver, type ResolveTables } from "./resolve.js";
import { groupRules } from "./rules.js";
import { Safety } from "./safety.js";
import { Names, type Scope } from "./scope.js";

export interface CheckOptions {
  /** The builtin catalog to check calls against (default: OPA 1.x's, src/rego/builtins/catalog.ts). */
  builtins?: ReadonlyMap<string, BuiltinSignature>;
}

export function checkModules(modules: Module[], options: CheckOptions = {}): CheckedProgram {
  try {
    return check(modules, options);
  } catch (e) {
    // Last line of defence: an engine stack overflow is a compile error, never a crash.
    if (!(e instanceof RangeError)) throw e;
    const at = modules[0]?.packageLoc ?? { file: "<input>", row: 1, col: 1 };
    throw new RegoCompileError([
      { code: "rego_compile_error", message: "program too complex to check", location: at },
    ]);
  }
}

function check(parsed: Module[], options: CheckOptions): CheckedProgram {
  const diags = new Diagnostics();
  const modules = rewriteMetadataCalls(parsed, diags);
  const builtins = options.builtins ?? BUILTINS;
  const env = new Env(modules, builtins, diags);
  const names = new Names();
  const tables: ResolveTables = { bodyScopes: new Map<Body, Scope>(), called: new Set() };
  const resolver = new Resolver(env, names, diags, tables);
  const flattener = new Flattener(names, tables.bodyScopes);
  const safety = new Safety(env, names, tables.bodyScopes, diags);

  const out: Module[] = modules.map((m) => {
    const ctx: ModuleContext = { module: m, imports: importAliases(m, diags) };
    const rules = m.rules.map((r) => {
      const primary = resolver.resolveRule(r, ctx);
      const first = safety.rule(flattener.rule(primary.rule, primary.scope), primary.scope);
      let last = first;
      for (let e = r.else; e; e = e.else) {
        const res = resolver.resolveRule(e, ctx, primary.args);
        const next = safety.rule(flattener.rule(res.rule, res.scope), res.scope);
        last.else = next;
        last = next;
      }
      return first;
    });
    return { ...m, rules };
  });
  diags.throwIfAny();
  const groups = groupRules(out, diags);
  diags.throwIfAny();
  checkRecursion(groups, diags);
  diags.throwIfAny();
  return { modules: out, rules: groups, calledBuiltins: tables.called };
}

export type { Rule };
export { ruleKind } from "./rules.js";
