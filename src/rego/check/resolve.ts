import type { Body, Expr, ExprKind, Location, Module, Rule, RuleHead, Term, With } from "../ast/types.js";
import { mk, opName } from "../syntax/terms.js";
import type { Diagnostics } from "./diagnostics.js";
import type { Env } from "./env.js";
import { Names, Scope } from "./scope.js";

export { Names };

/** Per-module context of name resolution. */
export interface ModuleContext {
  module: Module;
  imports: Map<string, Term[]>;
}

/** What resolution records for the later passes. */
export interface ResolveTables {
  /** Scope of every body produced (rule, else, comprehension, every, not-body). */
  bodyScopes: Map<Body, Scope>;
  /** Functions and builtins called: builtins by Rego name, user functions as data.<path>. */
  called: Set<string>;
}

let printCounter = 0;

/**
 * Guarantees 1 and 2: resolves names (locals, imports, package rules, input/data, functions) and
 * renames local variables to unique names, producing new rule objects.
 */
export class Resolver {
  constructor(
    private readonly env: Env,
    private readonly names: Names,
    private readonly diags: Diagnostics,
    private readonly tables: ResolveTables,
  ) {}

  private ctx!: ModuleContext;

  /** Resolves a rule (not its else chain). `args` carries the primary's renamed arguments to else rules. */
  resolveRule(
    rule: Rule,
    ctx: ModuleContext,
    primaryArgs?: Map<string, string>,
  ): { rule: Rule; scope: Scope; args: Map<string, string> } {
    this.ctx = ctx;
    const scope = new Scope(undefined);
    const headTerms: Term[] = [...rule.head.ref.slice(1)];
    if (rule.head.key) headTerms.push(rule.head.key);
    if (rule.head.value) headTerms.push(rule.head.value);
    scope.candidates = candidateNames(rule.body, headTerms);
    let args: Term[] | undefined;
    const argMap = new Map<string, string>();
    if (rule.head.args) {
      if (primaryArgs) {
        for (const [src, unique] of primaryArgs) {
          scope.vars.set(src, unique);
          scope.declared.add(src);
          argMap.set(src, unique);
        }
        args = rule.head.args.map((a) => this.term(a, scope));
      } else {
        args = rule.head.args.map((a) => this.pattern(a, scope, "argument"));
        for (const [src, unique] of scope.vars) argMap.set(src, unique);
      }
    }
    const body = this.body(rule.body, scope);
    const head: RuleHead = {
      ref: [
        rule.head.ref[0]!,
        ...rule.head.ref.slice(1).map((t) => (t.type === "string" ? t : this.term(t, scope))),
      ],
      assign: rule.head.assign,
      contains: rule.head.contains,
      loc: rule.head.loc,
    };
    if (args) head.args = args;
    if (rule.head.key) head.key = this.term(rule.head.key, scope);
    if (rule.head.value) head.value = this.term(rule.head.value, scope);
    this.tables.bodyScopes.set(body, scope);
    const out: Rule = { default: rule.default, head, body, loc: rule.loc };
    return { rule: out, scope, args: argMap };
  }

  /** A query body in its own top-level scope (conformance queries). */
  resolveQuery(body: Body, ctx: ModuleContext): { body: Body; scope: Scope } {
    this.ctx = ctx;
    const scope = new Scope(undefined);
    scope.candidates = candidateNames(body, []);
    const out = this.body(body, scope);
    this.tables.bodyScopes.set(out, scope);
    return { body: out, scope };
  }

  private body(body: Body, scope: Scope): Body {
    const out = body.map((e) => this.expr(e, scope));
    this.tables.bodyScopes.set(out, scope);
    return out;
  }

  private childScope(parent: Scope, body: Body, heads: Term[]): Scope {
    const s = new Scope(parent);
    s.candidates = candidateNames(body, heads);
    return s;
  }

  private expr(e: Expr, scope: Scope): Expr {
    const kind = this.exprKind(e, scope);
    const withs: With[] = e.with.map((w) => ({
      target: this.withTarget(w.target),
      value: this.withValue(w.value, scope),
      loc: w.loc,
    }));
    const out: Expr = { kind, negated: e.negated, with: withs, loc: e.loc };
    if (e.generated) out.generated = true;
    return out;
  }

  private exprKind(e: Expr, scope: Scope): ExprKind {
    const k = e.kind;
    switch (k.type) {
      case "term":
        return { type: "term", term: this.term(k.term, scope) };
      case "some":
        return { type: "some", vars: k.vars.map((v) => this.pattern(v, scope, "some")) };
      case "somein": {
        const domain = this.term(k.domain, scope);
        const out: ExprKind = { type: "somein", value: mk.var("", e.loc), domain };
        if (k.key) out.key = this.pattern(k.key, scope, "some");
        out.value = this.pattern(k.value, scope, "some");
        return out;
      }
      case "every": {
        const domain = this.term(k.domain, scope);
        const child = this.childScope(scope, k.body, []);
        const key = k.key ? this.pattern(k.key, child, "every") : undefined;
        const value = this.pattern(k.value, child, "every");
        const body = this.body(k.body, child);
        return key ? { type: "every", key, value, domain, body } : { type: "every", value, domain, body };
      }
      case "call":
        return this.callExpr(k.op, k.args, e.loc, scope);
    }
  }

  private callExpr(op: Term, args: Term[], loc: Location, scope: Scope): ExprKind {
    const name = opName(op);
    if (name === "assign") {
      const rhs = this.term(args[1]!, scope);
      const lhs = this.assignTarget(args[0]!, scope);
      return { type: "call", op, args: [lhs, rhs] };
    }
    if (name === "eq") return { type: "call", op, args: args.map((a) => this.term(a, scope)) };
    if (name === "print" && !this.userFunction(op)) {
      return this.callExpr(mk.op("internal.print", op.loc), [this.printArgs(args, loc)], loc, scope);
    }
    const fn = this.function(op, loc);
    const rargs = args.map((a) => this.term(a, scope));
    if (fn && fn.arity !== undefined && rargs.length !== fn.arity && rargs.length !== fn.arity + 1) {
      this.arityError(fn.name, rargs.length, fn.arity, loc);
    }
    return { type: "call", op: fn?.op ?? op, args: rargs };
  }

  /** `print(a, b)` -> internal.print([{v | v = a}, {v | v = b}]): undefined arguments print as such. */
  private printArgs(args: Term[], loc: Location): Term {
    const items = args.map((a): Term => {
      const v = mk.var(`$print${++printCounter}`, a.loc);
      const eq: Expr = {
        kind: { type: "call", op: mk.op("eq", a.loc), args: [v, a] },
        negated: false,
        with: [],
        loc: a.loc,
        generated: true,
      };
      return { type: "setcomp", term: v, body: [eq], loc: a.loc };
    });
    return { type: "array", items, loc };
  }

  private arityError(name: string, have: number, want: number, loc: Location): void {
    this.diags.add(
      "rego_type_error",
      `${name}: arity mismatch: have ${have} argument${have === 1 ? "" : "s"}, want ${want}`,
      loc,
    );
  }

  // ---------- terms ----------
  term(t: Term, scope: Scope): Term {
    switch (t.type) {
      case "null":
      case "boolean":
      case "number":
      case "string":
        return t;
      case "var":
        return this.variable(t.name, t.loc, scope);
      case "ref":
        return this.ref(t, scope);
      case "array":
        return { type: "array", items: t.items.map((x) => this.term(x, scope)), loc: t.loc };
      case "set":
        return { type: "set", items: t.items.map((x) => this.term(x, scope)), loc: t.loc };
      case "object":
        return {
          type: "object",
          items: t.items.map(([k, v]) => [this.term(k, scope), this.term(v, scope)] as [Term, Term]),
          loc: t.loc,
        };
      case "call": {
        const name = opName(t.op);
        if (name === "print" && !this.userFunction(t.op)) {
          return this.term(mk.call("internal.print", [this.printArgs(t.args, t.loc)], t.loc), scope);
        }
        if (name === "assign" || name === "eq") {
          this.diags.add(
            "rego_parse_error",
            `${name === "assign" ? ":=" : "="} cannot be used inside a term`,
            t.loc,
          );
        }
        const fn = this.function(t.op, t.loc);
        const args = t.args.map((a) => this.term(a, scope));
        if (fn && fn.arity !== undefined && args.length !== fn.arity)
          this.arityError(fn.name, args.length, fn.arity, t.loc);
        return { type: "call", op: fn?.op ?? t.op, args, loc: t.loc };
      }
      case "arraycomp":
      case "setcomp": {
        const child = this.childScope(scope, t.body, [t.term]);
        const body = this.body(t.body, child);
        return { type: t.type, term: this.term(t.term, child), body, loc: t.loc };
      }
      case "objectcomp": {
        const child = this.childScope(scope, t.body, [t.key, t.value]);
        const body = this.body(t.body, child);
        return {
          type: "objectcomp",
          key: this.term(t.key, child),
          value: this.term(t.value, child),
          body,
          loc: t.loc,
        };
      }
    }
  }

  private ref(t: Extract<Term, { type: "ref" }>, scope: Scope): Term {
    const [head, ...keys] = t.terms;
    const rkeys = keys.map((k) => (k.type === "string" ? k : this.term(k, scope)));
    const rhead =
      head!.type === "var" ? this.variable(head!.name, head!.loc, scope) : this.term(head!, scope);
    if (rhead.type === "ref") return { type: "ref", terms: [...rhead.terms, ...rkeys], loc: t.loc };
    return { type: "ref", terms: [rhead, ...rkeys], loc: t.loc };
  }

  /** A variable in a term: local, input/data, import alias, package rule, else a new local. */
  private variable(name: string, loc: Location, scope: Scope): Term {
    if (name === "_") return mk.var(this.names.wildcard(scope), loc);
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return mk.var(v, loc);
    }
    const global = this.global(name, loc);
    if (global) return global;
    // The outermost body where the name appears owns it (inner uses are closures).
    let owner = scope;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.candidates.has(name)) owner = s;
    }
    const unique = this.names.local(owner, name);
    owner.vars.set(name, unique);
    owner.implicit.add(name);
    return mk.var(unique, loc);
  }

  private global(name: string, loc: Location): Term | undefined {
    if (name === "input" || name === "data") return mk.var(name, loc);
    const imported = this.ctx.imports.get(name);
    if (imported)
      return mk.ref(
        imported.map((t) => ({ ...t, loc })),
        loc,
      );
    if (this.env.isPackageRule(this.ctx.module.package, name)) {
      return mk.ref(
        [mk.var("data", loc), ...this.ctx.module.package.map((p) => mk.str(p, loc)), mk.str(name, loc)],
        loc,
      );
    }
    return undefined;
  }

  /** A declared pattern (`:=` target, `some`, `every`, function argument): its vars are new locals. */
  private pattern(t: Term, scope: Scope, what: string): Term {
    switch (t.type) {
      case "var":
        if (t.name === "_") return mk.var(this.names.wildcard(scope), t.loc);
        return mk.var(this.declare(t.name, t.loc, scope), t.loc);
      case "array":
        return { type: "array", items: t.items.map((x) => this.pattern(x, scope, what)), loc: t.loc };
      case "object":
        return {
          type: "object",
          items: t.items.map(([k, v]) => [this.term(k, scope), this.pattern(v, scope, what)] as [Term, Term]),
          loc: t.loc,
        };
      case "null":
      case "boolean":
      case "number":
      case "string":
        return t;
      default:
        if (what !== "assign") return this.term(t, scope);
        this.diags.add("rego_compile_error", `cannot assign to ${t.type}`, t.loc);
        return this.term(t, scope);
    }
  }

  private assignTarget(t: Term, scope: Scope): Term {
    if (t.type === "ref") {
      this.diags.add("rego_compile_error", "cannot assign to ref", t.loc);
      return this.term(t, scope);
    }
    return this.pattern(t, scope, "assign");
  }

  private declare(name: string, loc: Location, scope: Scope): string {
    if (name === "input" || name === "data") {
      this.diags.add(
        "rego_compile_error",
        `variables must not shadow ${name} (use a different variable name)`,
        loc,
      );
    } else if (scope.declared.has(name)) {
      this.diags.add("rego_compile_error", `var ${name} assigned above`, loc);
    } else if (scope.implicit.has(name)) {
      this.diags.add("rego_compile_error", `var ${name} referenced above`, loc);
    }
    const unique = this.names.local(scope, name);
    scope.vars.set(name, unique);
    scope.declared.add(name);
    scope.implicit.delete(name);
    return unique;
  }

  // ---------- functions ----------
  private userFunction(op: Term): string | undefined {
    const path = this.functionPath(op);
    return path && this.env.functions.has(path) ? path : undefined;
  }

  /** The data path (without "data.") a call operator would name as a user function. */
  private functionPath(op: Term): string | undefined {
    const name = opName(op);
    if (!name) return undefined;
    const [head, ...rest] = name.split(".");
    if (head === "data") return rest.join(".");
    const imported = this.ctx.imports.get(head!);
    if (imported) {
      const base = opName(mk.ref(imported, op.loc));
      if (base?.startsWith("data.")) return [base.slice(5), ...rest].join(".");
      return undefined;
    }
    if (this.env.isPackageRule(this.ctx.module.package, head!))
      return [...this.ctx.module.package, head, ...rest].join(".");
    return undefined;
  }

  /** Resolves a call operator to a user function (data ref) or a builtin; reports unknown ones. */
  private function(
    op: Term,
    loc: Location,
  ): { op: Term; name: string; arity: number | undefined } | undefined {
    const name = opName(op);
    if (!name) {
      this.diags.add("rego_type_error", "invalid function name", loc);
      return undefined;
    }
    const path = this.functionPath(op);
    if (path !== undefined && this.env.functions.has(path)) {
      const fullName = `data.${path}`;
      this.tables.called.add(fullName);
      const segs = path.split(".");
      return {
        op: mk.ref([mk.var("data", op.loc), ...segs.map((s) => mk.str(s, op.loc))], op.loc),
        name: fullName,
        arity: this.env.functions.get(path),
      };
    }
    const builtin = this.env.builtins.get(name);
    if (builtin && !(path !== undefined && this.env.rulePaths.has(path))) {
      if (builtin.deprecated) {
        this.diags.add("rego_type_error", `deprecated built-in function calls in expression: ${name}`, loc);
      }
      this.tables.called.add(name);
      return { op: mk.op(name, op.loc), name, arity: builtin.variadic ? undefined : builtin.arity };
    }
    this.diags.add(
      "rego_type_error",
      `undefined function ${path !== undefined && path !== name ? `data.${path}` : name}`,
      loc,
    );
    return undefined;
  }

  // ---------- with ----------
  private withTarget(t: Term): Term {
    const bad = () => {
      this.diags.add(
        "rego_type_error",
        "with keyword target must reference existing input, data, or a function",
        t.loc,
      );
      return t;
    };
    const name =
      t.type === "var"
        ? t.name
        : t.type === "ref" && t.terms[0]?.type === "var"
          ? t.terms[0].name
          : undefined;
    if (name === undefined) return bad();
    const keys = t.type === "ref" ? t.terms.slice(1) : [];
    if (name === "input" || name === "data") {
      if (keys.some((k) => k.type !== "string")) return bad();
      return t;
    }
    const imported = this.ctx.imports.get(name);
    if (imported) return mk.ref([...imported.map((x) => ({ ...x, loc: t.loc })), ...keys], t.loc);
    if (this.env.isPackageRule(this.ctx.module.package, name)) {
      return mk.ref(
        [
          mk.var("data", t.loc),
          ...this.ctx.module.package.map((p) => mk.str(p, t.loc)),
          mk.str(name, t.loc),
          ...keys,
        ],
        t.loc,
      );
    }
    const full = opName(t);
    if (full && this.env.builtins.has(full)) return mk.op(full, t.loc);
    return bad();
  }

  private withValue(t: Term, scope: Scope): Term {
    // A function or builtin name used as a mock value stays a name.
    const name = opName(t);
    if (
      name &&
      !this.ctx.imports.has(name.split(".")[0]!) &&
      !this.env.isPackageRule(this.ctx.module.package, name.split(".")[0]!)
    ) {
      let local = false;
      for (let s: Scope | undefined = scope; s; s = s.parent)
        if (s.vars.has(name.split(".")[0]!)) local = true;
      if (!local && this.env.builtins.has(name) && name !== "input" && name !== "data")
        return mk.op(name, t.loc);
    }
    return this.term(t, scope);
  }
}

/** Var names appearing directly in a body (and extra head terms), not inside nested bodies. */
function candidateNames(body: Body, heads: Term[]): Set<string> {
  const out = new Set<string>();
  const visit = (t: Term): void => {
    switch (t.type) {
      case "var":
        if (t.name !== "_") out.add(t.name);
        return;
      case "ref":
        t.terms.forEach(visit);
        return;
      case "array":
      case "set":
        t.items.forEach(visit);
        return;
      case "object":
        for (const [k, v] of t.items) {
          visit(k);
          visit(v);
        }
        return;
      case "call":
        t.args.forEach(visit);
        return;
      default:
        return;
    }
  };
  heads.forEach(visit);
  for (const e of body) {
    const k = e.kind;
    if (k.type === "term") visit(k.term);
    else if (k.type === "call") k.args.forEach(visit);
    else if (k.type === "some") k.vars.forEach(visit);
    else if (k.type === "somein") {
      visit(k.domain);
      if (k.key) visit(k.key);
      visit(k.value);
    } else if (k.type === "every") visit(k.domain);
    for (const w of e.with) visit(w.value);
  }
  return out;
}
