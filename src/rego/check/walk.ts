import type { Body, Expr, Term } from "../ast/types.js";

/** Calls f for every term in t, depth first, including comprehension heads and bodies. */
export function walkTerm(t: Term, f: (t: Term) => void): void {
  f(t);
  switch (t.type) {
    case "ref":
      for (const x of t.terms) walkTerm(x, f);
      return;
    case "array":
    case "set":
      for (const x of t.items) walkTerm(x, f);
      return;
    case "object":
      for (const [k, v] of t.items) {
        walkTerm(k, f);
        walkTerm(v, f);
      }
      return;
    case "call":
      walkTerm(t.op, f);
      for (const x of t.args) walkTerm(x, f);
      return;
    case "arraycomp":
    case "setcomp":
      walkTerm(t.term, f);
      walkBody(t.body, f);
      return;
    case "objectcomp":
      walkTerm(t.key, f);
      walkTerm(t.value, f);
      walkBody(t.body, f);
      return;
    default:
      return;
  }
}

export function walkBody(b: Body, f: (t: Term) => void): void {
  for (const e of b) walkExpr(e, f);
}

/** Every term of an expression: a call's operator, its kind's terms, nested bodies and `with` targets and values. */
export function walkExpr(e: Expr, f: (t: Term) => void): void {
  if (e.kind.type === "call") walkTerm(e.kind.op, f);
  for (const t of exprTerms(e)) walkTerm(t, f);
  if (e.kind.type === "every") walkBody(e.kind.body, f);
  for (const w of e.with) {
    walkTerm(w.target, f);
    walkTerm(w.value, f);
  }
}

/** The terms directly in an expression's kind (not `with`, not an `every` body). */
export function exprTerms(e: Expr): Term[] {
  const k = e.kind;
  switch (k.type) {
    case "term":
      return [k.term];
    case "call":
      return k.args;
    case "some":
      return k.vars;
    case "somein":
      return k.key ? [k.key, k.value, k.domain] : [k.value, k.domain];
    case "every":
      return k.key ? [k.key, k.value, k.domain] : [k.value, k.domain];
  }
}
