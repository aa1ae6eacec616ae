import type { Module, Rule, RuleKind } from "../ast/types.js";
import type { Diagnostics } from "./diagnostics.js";
import { isDynamicHead, staticPath } from "./env.js";

/**
 * Rule kinds (guarantee 6), as set on Rule.kind:
 * - "function": the head has arguments.
 * - "partialSet": `p contains x` with a static ref (`p`, `a.b`): a set at Rule.path.
 * - "multiValue": `a[x] contains y`: a ref head with variables and `contains`.
 * - "partialObject": a ref head with variables and a value (`p[k] := v`, `a.b[x].c := 1`);
 *   Rule.path is the static prefix (up to the first non-string term).
 * - "complete": a single value at Rule.path.
 */
export function ruleKind(rule: Rule): RuleKind {
  if (rule.head.args) return "function";
  if (rule.head.contains) return isDynamicHead(rule) ? "multiValue" : "partialSet";
  if (isDynamicHead(rule)) return "partialObject";
  return "complete";
}

/** Sets kind and path on every rule (and else rule), groups rules by path, reports conflicts. */
export function groupRules(modules: Module[], diags: Diagnostics): Map<string, Rule[]> {
  const groups = new Map<string, Rule[]>();
  for (const m of modules) {
    for (const r of m.rules) {
      const path = staticPath(m.package, r);
      const kind = ruleKind(r);
      for (let x: Rule | undefined = r; x; x = x.else) {
        x.path = path;
        x.kind = kind;
      }
      const key = path.join(".");
      let g = groups.get(key);
      if (!g) {
        g = [];
        groups.set(key, g);
      }
      g.push(r);
    }
  }
  for (const [key, rules] of groups) {
    const first = rules[0]!;
    if (new Set(rules.map((r) => r.kind)).size > 1) {
      diags.add("rego_type_error", `conflicting rules data.${key} found`, first.loc);
    }
    const arities = new Set(rules.map((r) => r.head.args?.length ?? -1));
    if (arities.size > 1 && rules.some((r) => r.kind === "function")) {
      diags.add("rego_type_error", `conflicting rules data.${key} found`, first.loc);
    }
    const defaults = rules.filter((r) => r.default);
    if (defaults.length > 1) {
      diags.add("rego_type_error", `multiple default rules data.${key} found`, defaults[1]!.loc);
    }
    if (defaults.length > 0 && (first.kind === "partialSet" || first.kind === "multiValue")) {
      diags.add("rego_type_error", `default rules must not be multi-value: data.${key}`, defaults[0]!.loc);
    }
  }
  // A complete value (or function, or set) cannot also be a package.
  const packages = new Set(modules.map((m) => m.package.join(".")));
  for (const [key, rules] of groups) {
    const k = rules[0]!.kind;
    if (k !== "complete" && k !== "function" && k !== "partialSet") continue;
    for (const pkg of packages) {
      if (pkg === key || pkg.startsWith(`${key}.`)) {
        diags.add("rego_type_error", `package ${pkg} conflicts with rule data.${key}`, rules[0]!.loc);
      }
    }
  }
  // A complete value (or function) at a path cannot also have rules below it.
  const paths = [...groups.keys()].sort();
  for (const key of paths) {
    const rules = groups.get(key)!;
    const k = rules[0]!.kind;
    if (k !== "complete" && k !== "function" && k !== "partialSet") continue;
    const below = paths.filter((p) => p.startsWith(`${key}.`));
    if (below.length > 0) {
      diags.add(
        "rego_type_error",
        `rule data.${key} conflicts with [${below.map((p) => `data.${p}`).join(" ")}]`,
        rules[0]!.loc,
      );
    }
  }
  return groups;
}
