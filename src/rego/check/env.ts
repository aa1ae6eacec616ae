import type { Import, Module, Rule, Term } from "../ast/types.js";
import type { BuiltinSignature } from "../builtins/catalog.js";
import type { Diagnostics } from "./diagnostics.js";

/** Static path of a rule under data: package + the head ref's leading strings. */
export function staticPath(pkg: string[], rule: Rule): string[] {
  const out = [...pkg];
  const [head, ...rest] = rule.head.ref;
  if (head?.type === "var") out.push(head.name);
  for (const t of rest) {
    if (t.type !== "string") break;
    out.push(t.value);
  }
  return out;
}

/** The head ref has a non-string term after its first (a variable key such as `p[x]`). */
export function isDynamicHead(rule: Rule): boolean {
  return rule.head.ref.slice(1).some((t) => t.type !== "string");
}

/** What the check stage knows about the whole module set. */
export class Env {
  /** Package (joined with ".") -> names of the rules it defines (first head ref term). */
  readonly packageRules = new Map<string, Set<string>>();
  /** Function path (joined with ".") -> arity. */
  readonly functions = new Map<string, number>();
  /** All static rule paths (joined with "."). */
  readonly rulePaths = new Set<string>();

  constructor(
    readonly modules: Module[],
    readonly builtins: ReadonlyMap<string, BuiltinSignature>,
    diags: Diagnostics,
  ) {
    for (const m of modules) {
      const pkg = m.package.join(".");
      let names = this.packageRules.get(pkg);
      if (!names) {
        names = new Set();
        this.packageRules.set(pkg, names);
      }
      for (const r of m.rules) {
        const head = r.head.ref[0];
        if (head?.type !== "var") continue;
        names.add(head.name);
        if (head.name === "input" || head.name === "data") {
          diags.add(
            "rego_compile_error",
            `rules must not shadow ${head.name} (use a different rule name)`,
            r.loc,
          );
        }
        const path = staticPath(m.package, r).join(".");
        this.rulePaths.add(path);
        if (r.head.args) {
          const prev = this.functions.get(path);
          if (prev !== undefined && prev !== r.head.args.length) {
            diags.add("rego_type_error", `conflicting rules data.${path} found`, r.loc);
          }
          if (prev === undefined) this.functions.set(path, r.head.args.length);
        }
      }
    }
  }

  isPackageRule(pkg: string[], name: string): boolean {
    return this.packageRules.get(pkg.join("."))?.has(name) ?? false;
  }
}

/** A module's imports as alias -> full ref terms (rooted at data or input). */
export function importAliases(m: Module, diags: Diagnostics): Map<string, Term[]> {
  const out = new Map<string, Term[]>();
  for (const imp of m.imports) {
    const alias = importAlias(imp, diags);
    if (!alias) continue;
    if (out.has(alias)) {
      diags.add("rego_compile_error", `import must not shadow import ${alias}`, imp.loc);
      continue;
    }
    if (imp.path.type === "ref") out.set(alias, imp.path.terms);
  }
  return out;
}

function importAlias(imp: Import, diags: Diagnostics): string | undefined {
  if (imp.path.type !== "ref") return undefined;
  const [head, ...rest] = imp.path.terms;
  if (head?.type !== "var") return undefined;
  const keys = rest.map((t) => (t.type === "string" ? t.value : ""));
  if (head.name === "future") {
    if (keys[0] !== "keywords")
      diags.add("rego_parse_error", "invalid import, must be future.keywords", imp.loc);
    if (imp.alias) diags.add("rego_parse_error", "future keyword imports cannot be aliased", imp.loc);
    return undefined;
  }
  if (head.name === "rego") {
    if (keys.length !== 1 || keys[0] !== "v1")
      diags.add("rego_parse_error", "invalid import, must be rego.v1", imp.loc);
    if (imp.alias) diags.add("rego_parse_error", "rego.v1 import cannot be aliased", imp.loc);
    return undefined;
  }
  if (imp.alias) {
    if (imp.alias === "input" || imp.alias === "data") {
      diags.add("rego_compile_error", `import alias must not be ${imp.alias}`, imp.loc);
      return undefined;
    }
    return imp.alias;
  }
  if (keys.length === 0) return undefined; // `import input` / `import data`: no-ops
  return keys[keys.length - 1];
}
