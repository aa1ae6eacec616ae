import type { Body, Expr, Rule, Term } from "../ast/types.js";
import { opName } from "../syntax/terms.js";
import type { Diagnostics } from "./diagnostics.js";
import type { Env } from "./env.js";
import type { Names, Scope } from "./scope.js";
import { exprTerms, walkBody, walkExpr, walkTerm } from "./walk.js";

type VarTerm = Extract<Term, { type: "var" }>;

/** Accumulates what one expression needs and binds, given the variables bound before it. */
class Acc {
  readonly out = new Set<string>();
  readonly need: VarTerm[] = [];
  constructor(
    readonly bound: ReadonlySet<string>,
    private readonly isLocal: (v: string) => boolean,
  ) {}
  has(v: string): boolean {
    return !this.isLocal(v) || this.bound.has(v) || this.out.has(v);
  }
  requireVar(t: VarTerm): void {
    if (!this.has(t.name)) this.need.push(t);
  }
}

/**
 * Guarantee 4: OPA's safety reordering. Each body is reordered so that every expression only needs
 * variables bound by earlier ones (or by enclosing bodies, for closures); what cannot be ordered is
 * a `var x is unsafe` error. Nested bodies (comprehensions, `every`, not-bodies) are processed too.
 */
export class Safety {
  constructor(
    private readonly env: Env,
    private readonly names: Names,
    private readonly bodyScopes: Map<Body, Scope>,
    private readonly diags: Diagnostics,
  ) {}

  rule(rule: Rule, scope: Scope): Rule {
    const bound0 = new Set<string>();
    for (const a of rule.head.args ?? []) walkTerm(a, (t) => t.type === "var" && bound0.add(t.name));
    const before = this.diags.errors.length;
    const { body, bound } = this.reorder(rule.body, scope, bound0);
    // Unsafe body variables already reported: do not repeat them for the head.
    if (this.diags.errors.length > before) return { ...rule, body };
    const isLocal = (v: string) => this.names.owner.get(v) === scope;
    const headTerms: Term[] = [...rule.head.ref.slice(1)];
    if (rule.head.key) headTerms.push(rule.head.key);
    if (rule.head.value) headTerms.push(rule.head.value);
    const reported = new Set<string>();
    for (const h of headTerms) {
      walkTerm(h, (t) => {
        if (t.type !== "var" || !isLocal(t.name) || bound.has(t.name) || reported.has(t.name)) return;
        reported.add(t.name);
        this.unsafe(t);
      });
      this.nestedInTerm(h);
    }
    return { ...rule, body };
  }

  /** Reorders a body; returns it with the set of variables bound at its end. */
  reorder(body: Body, scope: Scope, bound0: ReadonlySet<string>): { body: Body; bound: Set<string> } {
    const isLocal = (v: string) => this.names.owner.get(v) === scope;
    const bound = new Set(bound0);
    const done: Expr[] = [];
    let remaining = [...body];
    for (;;) {
      const before = done.length;
      const still: Expr[] = [];
      for (const e of remaining) {
        const acc = new Acc(bound, isLocal);
        if (this.analyze(e, acc)) {
          done.push(e);
          for (const v of acc.out) bound.add(v);
        } else {
          still.push(e);
        }
      }
      remaining = still;
      if (remaining.length === 0 || done.length === before) break;
    }
    if (remaining.length > 0) {
      const reported = new Set<string>();
      for (const e of remaining) {
        walkExpr(e, (t) => {
          if (t.type !== "var" || !isLocal(t.name) || bound.has(t.name) || reported.has(t.name)) return;
          reported.add(t.name);
          this.unsafe(t);
        });
      }
      done.push(...remaining);
    }
    for (const e of done) this.nestedInExpr(e);
    this.bodyScopes.set(done, scope);
    // Keep the same array identity for callers holding the body.
    body.length = 0;
    body.push(...done);
    return { body, bound };
  }

  private unsafe(t: VarTerm): void {
    this.diags.add("rego_unsafe_var_error", `var ${this.names.display(t.name)} is unsafe`, t.loc);
  }

  /** Reorders the bodies nested in an expression (comprehensions, every). */
  private nestedInExpr(e: Expr): void {
    for (const t of exprTerms(e)) this.nestedInTerm(t);
    for (const w of e.with) this.nestedInTerm(w.value);
    if (e.kind.type === "every") {
      const scope = this.bodyScopes.get(e.kind.body);
      if (scope) {
        const bound0 = new Set<string>();
        if (e.kind.key?.type === "var") bound0.add(e.kind.key.name);
        if (e.kind.value.type === "var") bound0.add(e.kind.value.name);
        this.reorder(e.kind.body, scope, bound0);
      }
    }
  }

  private nestedInTerm(t: Term): void {
    switch (t.type) {
      case "ref":
        t.terms.forEach((x) => {
          this.nestedInTerm(x);
        });
        return;
      case "array":
      case "set":
        t.items.forEach((x) => {
          this.nestedInTerm(x);
        });
        return;
      case "object":
        for (const [k, v] of t.items) {
          this.nestedInTerm(k);
          this.nestedInTerm(v);
        }
        return;
      case "call":
        t.args.forEach((x) => {
          this.nestedInTerm(x);
        });
        return;
      case "arraycomp":
      case "setcomp":
      case "objectcomp": {
        const scope = this.bodyScopes.get(t.body);
        if (!scope) return;
        const { bound } = this.reorder(t.body, scope, new Set());
        const heads = t.type === "objectcomp" ? [t.key, t.value] : [t.term];
        const reported = new Set<string>();
        for (const h of heads) {
          walkTerm(h, (x) => {
            if (
              x.type !== "var" ||
              this.names.owner.get(x.name) !== scope ||
              bound.has(x.name) ||
              reported.has(x.name)
            )
              return;
            reported.add(x.name);
            this.unsafe(x);
          });
          this.nestedInTerm(h);
        }
        return;
      }
      default:
        return;
    }
  }

  // ---------- per-expression analysis ----------
  private analyze(e: Expr, acc: Acc): boolean {
    for (const w of e.with) this.needAll(w.value, acc);
    if (e.negated) {
      for (const t of exprTerms(e)) this.needAll(t, acc);
      if (e.kind.type === "every") walkBody(e.kind.body, (t) => t.type === "var" && acc.requireVar(t));
      return acc.need.length === 0 && this.noOutputs(acc);
    }
    const k = e.kind;
    switch (k.type) {
      case "term":
        this.evalTerm(k.term, acc);
        break;
      case "some":
        break;
      case "somein":
        this.evalTerm(k.domain, acc);
        if (acc.need.length === 0) {
          if (k.key) this.pattern(k.key, acc);
          this.pattern(k.value, acc);
        }
        break;
      case "every":
        this.needAll(k.domain, acc);
        walkBody(k.body, (t) => t.type === "var" && acc.requireVar(t));
        // key/value and the body's own locals are not the enclosing body's variables
        break;
      case "call":
        return this.call(opName(k.op) ?? "", k.args, acc);
    }
    return acc.need.length === 0;
  }

  private noOutputs(acc: Acc): boolean {
    return acc.out.size === 0 || [...acc.out].every((v) => acc.bound.has(v));
  }

  private call(name: string, args: Term[], acc: Acc): boolean {
    if (name === "eq" || name === "assign") return this.unify(args[0]!, args[1]!, acc);
    const arity = this.arity(name);
    // Unknown arity (an undefined function, already reported): take the last argument as output.
    const hasOutput = arity === undefined ? args.length > 0 && name !== "print" : args.length === arity + 1;
    const inputs = hasOutput ? args.slice(0, -1) : args;
    for (const a of inputs) this.evalTerm(a, acc);
    if (acc.need.length > 0) return false;
    if (hasOutput) this.pattern(args[args.length - 1]!, acc);
    return acc.need.length === 0;
  }

  private arity(name: string): number | undefined {
    if (name.startsWith("data.")) return this.env.functions.get(name.slice(5));
    const b = this.env.builtins.get(name);
    return b && !b.variadic ? b.arity : undefined;
  }

  /** Unification: one side evaluable, the other a pattern; or element-wise for same-shaped arrays. */
  private unify(a: Term, b: Term, acc: Acc): boolean {
    for (const [src, dst] of [
      [a, b],
      [b, a],
    ] as const) {
      const trial = new Acc(new Set([...acc.bound, ...acc.out]), (v) => !acc.has(v));
      this.evalTerm(src, trial);
      if (trial.need.length === 0) this.pattern(dst, trial);
      if (trial.need.length === 0) {
        for (const v of trial.out) acc.out.add(v);
        return true;
      }
    }
    if (a.type === "array" && b.type === "array" && a.items.length === b.items.length) {
      return this.unifyPairs(
        a.items.map((x, i) => [x, b.items[i]!] as [Term, Term]),
        acc,
      );
    }
    if (a.type === "object" && b.type === "object" && a.items.length === b.items.length) {
      const bk = new Map(b.items.map(([k, v]) => [JSON.stringify(stripLoc(k)), v]));
      const pairs: [Term, Term][] = [];
      for (const [k, v] of a.items) {
        const other = bk.get(JSON.stringify(stripLoc(k)));
        if (!other) break;
        pairs.push([v, other]);
      }
      if (pairs.length === a.items.length) return this.unifyPairs(pairs, acc);
    }
    // Report every unbound variable of both sides.
    for (const t of [a, b]) walkTerm(t, (x) => x.type === "var" && acc.requireVar(x));
    return false;
  }

  private unifyPairs(pairs: [Term, Term][], acc: Acc): boolean {
    let pending = pairs;
    for (;;) {
      const still: [Term, Term][] = [];
      for (const [x, y] of pending) {
        const trial = new Acc(new Set([...acc.bound, ...acc.out]), (v) => !acc.has(v));
        if (this.unify(x, y, trial)) for (const v of trial.out) acc.out.add(v);
        else still.push([x, y]);
      }
      if (still.length === 0) return true;
      if (still.length === pending.length) {
        for (const [x, y] of still)
          for (const t of [x, y]) walkTerm(t, (z) => z.type === "var" && acc.requireVar(z));
        return false;
      }
      pending = still;
    }
  }

  /** A term to evaluate: refs may bind their variable keys by iteration; everything else must be bound. */
  private evalTerm(t: Term, acc: Acc): void {
    switch (t.type) {
      case "var":
        acc.requireVar(t);
        return;
      case "ref": {
        const [head, ...keys] = t.terms;
        if (head) this.evalTerm(head, acc);
        for (const k of keys) {
          if (k.type === "var") {
            if (!acc.has(k.name)) acc.out.add(k.name);
          } else if (k.type === "ref") {
            this.evalTerm(k, acc);
          } else if (k.type === "array" || k.type === "object") {
            this.pattern(k, acc);
          } else {
            this.needAll(k, acc);
          }
        }
        return;
      }
      case "array":
      case "set":
        t.items.forEach((x) => {
          this.evalTerm(x, acc);
        });
        return;
      case "object":
        for (const [k, v] of t.items) {
          this.needAll(k, acc);
          this.evalTerm(v, acc);
        }
        return;
      case "call":
        t.args.forEach((x) => {
          this.evalTerm(x, acc);
        });
        return;
      case "arraycomp":
      case "setcomp":
      case "objectcomp":
        this.needAll(t, acc);
        return;
      default:
        return;
    }
  }

  /** A unification target: unbound variables become outputs. */
  private pattern(t: Term, acc: Acc): void {
    switch (t.type) {
      case "var":
        if (!acc.has(t.name)) acc.out.add(t.name);
        return;
      case "array":
        t.items.forEach((x) => {
          this.pattern(x, acc);
        });
        return;
      case "object":
        for (const [k, v] of t.items) {
          this.needAll(k, acc);
          this.pattern(v, acc);
        }
        return;
      case "ref":
        this.evalTerm(t, acc);
        return;
      default:
        this.needAll(t, acc);
        return;
    }
  }

  /** Every variable of t (including a comprehension's closure variables) must be bound. */
  private needAll(t: Term, acc: Acc): void {
    walkTerm(t, (x) => x.type === "var" && acc.requireVar(x));
  }
}

function stripLoc(t: Term): unknown {
  return JSON.parse(JSON.stringify(t, (k, v) => (k === "loc" ? undefined : v)));
}
