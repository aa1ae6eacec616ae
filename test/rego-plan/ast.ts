/** Tiny constructors for checked Rego ASTs, for planner tests that do not need the front end. */
import type {
  Body,
  CheckedProgram,
  Expr,
  Location,
  Module,
  Rule,
  RuleHead,
  Term,
} from "../../src/rego/ast/types.js";

export const LOC: Location = { file: "test.rego", row: 1, col: 1 };

export const num = (value: number | string): Term => ({ type: "number", value: String(value), loc: LOC });
export const str = (value: string): Term => ({ type: "string", value, loc: LOC });
export const bool = (value: boolean): Term => ({ type: "boolean", value, loc: LOC });
export const v = (name: string): Term => ({ type: "var", name, loc: LOC });
export const arr = (...items: Term[]): Term => ({ type: "array", items, loc: LOC });
export const set = (...items: Term[]): Term => ({ type: "set", items, loc: LOC });
export const obj = (...items: [Term, Term][]): Term => ({ type: "object", items, loc: LOC });

/** A ref from a dotted root ("input", "data.pkg.p") plus further key terms. */
export function ref(path: string, ...keys: Term[]): Term {
  const [head, ...rest] = path.split(".");
  return { type: "ref", terms: [v(head!), ...rest.map(str), ...keys], loc: LOC };
}

export function op(name: string): Term {
  return ref(name);
}

export const call = (name: string, ...args: Term[]): Term => ({ type: "call", op: op(name), args, loc: LOC });

export function expr(t: Term, negated = false): Expr {
  return { kind: { type: "term", term: t }, negated, with: [], loc: LOC };
}

export function callExpr(name: string, ...args: Term[]): Expr {
  return { kind: { type: "call", op: op(name), args }, negated: false, with: [], loc: LOC };
}

export const eq = (a: Term, b: Term): Expr => callExpr("eq", a, b);
export const assign = (a: Term, b: Term): Expr => callExpr("assign", a, b);
export const not = (e: Expr): Expr => ({ ...e, negated: true });

export function rule(
  name: string | Term[],
  head: Partial<RuleHead>,
  body: Body = [],
  extra: Partial<Rule> = {},
): Rule {
  const headRef = typeof name === "string" ? [v(name)] : name;
  return {
    default: false,
    head: { ref: headRef, assign: true, contains: false, loc: LOC, ...head },
    body,
    loc: LOC,
    ...extra,
  };
}

export function program(pkg: string, rules: Rule[], extraModules: Module[] = []): CheckedProgram {
  const mod: Module = { file: "test.rego", package: pkg.split("."), packageLoc: LOC, imports: [], rules };
  const modules = [mod, ...extraModules];
  const byPath = new Map<string, Rule[]>();
  for (const m of modules) {
    for (const r of m.rules) {
      const first = r.head.ref[0];
      const key = [...m.package, first?.type === "var" ? first.name : "?"].join(".");
      byPath.set(key, [...(byPath.get(key) ?? []), r]);
    }
  }
  return { modules, rules: byPath, calledBuiltins: new Set() };
}

export function module(pkg: string, rules: Rule[]): Module {
  return { file: `${pkg}.rego`, package: pkg.split("."), packageLoc: LOC, imports: [], rules };
}
