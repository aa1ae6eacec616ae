import type { Body, Term } from "../ast/types.js";

/**
 * The variables a query binds, in order of first appearance: var names in the query's own
 * expressions (refs' heads and keys, composites, call arguments, `some` declarations), but not
 * inside comprehensions or `every` bodies, and not `_`, `input`, `data`, call operators or
 * compiler-generated names (starting with `$`).
 */
export function queryVars(body: Body): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (t: Term): void => {
    switch (t.type) {
      case "var":
        if (t.name === "_" || t.name === "input" || t.name === "data" || t.name.startsWith("$")) return;
        if (!seen.has(t.name)) {
          seen.add(t.name);
          out.push(t.name);
        }
        return;
      case "ref":
        for (const x of t.terms) visit(x);
        return;
      case "array":
      case "set":
        for (const x of t.items) visit(x);
        return;
      case "object":
        for (const [k, v] of t.items) {
          visit(k);
          visit(v);
        }
        return;
      case "call":
        for (const x of t.args) visit(x);
        return;
      default:
        return;
    }
  };
  for (const e of body) {
    const k = e.kind;
    if (k.type === "term") visit(k.term);
    else if (k.type === "call") k.args.forEach(visit);
    else if (k.type === "some") k.vars.forEach(visit);
    else if (k.type === "somein") {
      if (k.key) visit(k.key);
      visit(k.value);
      visit(k.domain);
    } else visit(k.domain);
    for (const w of e.with) visit(w.value);
  }
  return out;
}
