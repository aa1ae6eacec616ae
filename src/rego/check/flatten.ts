import type { Body, Expr, ExprKind, Rule, Term } from "../ast/types.js";
import { mk } from "../syntax/terms.js";
import type { Names, Scope } from "./scope.js";
import { walkTerm } from "./walk.js";
import { Scope as ScopeClass } from "./scope.js";

/**
 * Guarantee 3: nested calls become their own expressions with an output variable:
 * `x := count(y) + 1` -> `count(y, t1)`, `plus(t1, 1, t2)`, `assign(x, t2)`. Calls inside
 * comprehension heads and rule heads are computed at the end of their body. A negated expression
 * with nested calls, `not E`, becomes `[true | pre..., E] == []`, so that the extracted calls stay
 * under the negation.
 */
export class Flattener {
  constructor(
    private readonly names: Names,
    private readonly bodyScopes: Map<Body, Scope>,
  ) {}

  rule(rule: Rule, scope: Scope): Rule {
    const body = this.body(rule.body, scope);
    const pre: Expr[] = [];
    const h = rule.head;
    const head = {
      ...h,
      ref: h.ref.map((t, i) =>
        i === 0 || t.type === "string" ? t : this.headTerm(this.term(t, pre, scope), pre, scope),
      ),
    };
    if (h.args) head.args = h.args.map((t) => this.term(t, pre, scope));
    // `p[k] = v`: the key is the ref's second term; keep them the same term.
    if (h.key && !h.contains && h.ref.length === 2) head.key = head.ref[1]!;
    else if (h.key) head.key = this.headTerm(this.term(h.key, pre, scope), pre, scope);
    if (h.value) head.value = this.headTerm(this.term(h.value, pre, scope), pre, scope);
    const full = [...body, ...pre];
    this.bodyScopes.set(full, scope);
    const out: Rule = { ...rule, head, body: full };
    return out;
  }

  /** As OPA: a head key/value containing refs or comprehensions is computed in the body (`t = value`). */
  private headTerm(t: Term, pre: Expr[], scope: Scope): Term {
    let needsEval = false;
    walkTerm(t, (x) => {
      if (x.type === "ref" || x.type === "arraycomp" || x.type === "setcomp" || x.type === "objectcomp")
        needsEval = true;
    });
    if (!needsEval) return t;
    const v = mk.var(this.names.local(scope, "$head"), t.loc);
    pre.push({
      kind: { type: "call", op: mk.op("eq", t.loc), args: [v, t] },
      negated: false,
      with: [],
      loc: t.loc,
      generated: true,
    });
    return v;
  }

  body(body: Body, scope: Scope): Body {
    const out: Body = [];
    for (const e of body) out.push(...this.expr(e, scope));
    this.bodyScopes.set(out, scope);
    return out;
  }

  private expr(e: Expr, scope: Scope): Expr[] {
    const owner = e.negated ? new ScopeClass(scope) : scope;
    const withPre: Expr[] = [];
    const withs = e.with.map((w) => ({ ...w, value: this.term(w.value, withPre, scope) }));
    const pre: Expr[] = [];
    const kind = this.kind(e.kind, pre, owner);
    const core: Expr = { ...e, kind, with: withs };
    for (const p of pre) p.with = withs.map((w) => ({ ...w }));
    if (pre.length === 0) return [...withPre, core];
    if (!e.negated) return [...withPre, ...pre, core];
    const compBody: Body = [...pre, { ...core, negated: false }];
    this.bodyScopes.set(compBody, owner);
    const comp: Term = { type: "arraycomp", term: mk.bool(true, e.loc), body: compBody, loc: e.loc };
    const test: Expr = {
      kind: {
        type: "call",
        op: mk.op("equal", e.loc),
        args: [comp, { type: "array", items: [], loc: e.loc }],
      },
      negated: false,
      with: [],
      loc: e.loc,
      generated: true,
    };
    return [...withPre, test];
  }

  private kind(k: ExprKind, pre: Expr[], scope: Scope): ExprKind {
    switch (k.type) {
      case "term":
        if (k.term.type === "call") {
          return { type: "call", op: k.term.op, args: k.term.args.map((a) => this.term(a, pre, scope)) };
        }
        return { type: "term", term: this.term(k.term, pre, scope) };
      case "call":
        return { type: "call", op: k.op, args: k.args.map((a) => this.term(a, pre, scope)) };
      case "some":
        return k;
      case "somein":
        return { ...k, domain: this.term(k.domain, pre, scope) };
      case "every": {
        const inner = this.bodyScopes.get(k.body) ?? scope;
        return { ...k, domain: this.term(k.domain, pre, scope), body: this.body(k.body, inner) };
      }
    }
  }

  term(t: Term, pre: Expr[], scope: Scope): Term {
    switch (t.type) {
      case "call": {
        const args = t.args.map((a) => this.term(a, pre, scope));
        const out = mk.var(this.names.local(scope, "$call"), t.loc);
        pre.push({
          kind: { type: "call", op: t.op, args: [...args, out] },
          negated: false,
          with: [],
          loc: t.loc,
          generated: true,
        });
        return out;
      }
      case "ref":
        return { ...t, terms: t.terms.map((x) => this.term(x, pre, scope)) };
      case "array":
        return { ...t, items: t.items.map((x) => this.term(x, pre, scope)) };
      case "set":
        return { ...t, items: t.items.map((x) => this.term(x, pre, scope)) };
      case "object":
        return {
          ...t,
          items: t.items.map(
            ([k, v]) => [this.term(k, pre, scope), this.term(v, pre, scope)] as [Term, Term],
          ),
        };
      case "arraycomp":
      case "setcomp": {
        const inner = this.bodyScopes.get(t.body) ?? scope;
        const body = this.body(t.body, inner);
        const headPre: Expr[] = [];
        const term = this.term(t.term, headPre, inner);
        const full = [...body, ...headPre];
        this.bodyScopes.set(full, inner);
        return { ...t, term, body: full };
      }
      case "objectcomp": {
        const inner = this.bodyScopes.get(t.body) ?? scope;
        const body = this.body(t.body, inner);
        const headPre: Expr[] = [];
        const key = this.term(t.key, headPre, inner);
        const value = this.term(t.value, headPre, inner);
        const full = [...body, ...headPre];
        this.bodyScopes.set(full, inner);
        return { ...t, key, value, body: full };
      }
      default:
        return t;
    }
  }
}
