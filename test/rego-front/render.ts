import type { Body, Expr, Rule, Term } from "../../src/rego/ast/types.js";

/** Compact text of a term for table-driven tests: `plus(x, 1)`, `data.a[x]`, `{1, 2}`. */
export function term(t: Term): string {
  switch (t.type) {
    case "null":
      return "null";
    case "boolean":
      return String(t.value);
    case "number":
      return t.value;
    case "string":
      return JSON.stringify(t.value);
    case "var":
      return t.name;
    case "ref":
      return t.terms
        .map((x, i) =>
          i === 0
            ? term(x)
            : x.type === "string" && /^[a-z_]\w*$/i.test(x.value)
              ? `.${x.value}`
              : `[${term(x)}]`,
        )
        .join("");
    case "array":
      return `[${t.items.map(term).join(", ")}]`;
    case "set":
      return t.items.length === 0 ? "set()" : `{${t.items.map(term).join(", ")}}`;
    case "object":
      return `{${t.items.map(([k, v]) => `${term(k)}: ${term(v)}`).join(", ")}}`;
    case "call":
      return `${term(t.op)}(${t.args.map(term).join(", ")})`;
    case "arraycomp":
      return `[${term(t.term)} | ${body(t.body)}]`;
    case "setcomp":
      return `{${term(t.term)} | ${body(t.body)}}`;
    case "objectcomp":
      return `{${term(t.key)}: ${term(t.value)} | ${body(t.body)}}`;
  }
}

export function expr(e: Expr): string {
  const k = e.kind;
  let s: string;
  switch (k.type) {
    case "term":
      s = term(k.term);
      break;
    case "call":
      s = `${term(k.op)}(${k.args.map(term).join(", ")})`;
      break;
    case "some":
      s = `some ${k.vars.map(term).join(", ")}`;
      break;
    case "somein":
      s = `some ${k.key ? `${term(k.key)}, ` : ""}${term(k.value)} in ${term(k.domain)}`;
      break;
    case "every":
      s = `every ${k.key ? `${term(k.key)}, ` : ""}${term(k.value)} in ${term(k.domain)} { ${body(k.body)} }`;
      break;
  }
  if (e.negated) s = `not ${s}`;
  for (const w of e.with) s += ` with ${term(w.target)} as ${term(w.value)}`;
  return s;
}

export function body(b: Body): string {
  return b.map(expr).join("; ");
}

export function rule(r: Rule): string {
  const h = r.head;
  let s = r.default ? "default " : "";
  s += h.ref
    .map((x, i) => (i === 0 ? term(x) : x.type === "string" ? `.${x.value}` : `[${term(x)}]`))
    .join("");
  if (h.args) s += `(${h.args.map(term).join(", ")})`;
  if (h.contains && h.key) s += ` contains ${term(h.key)}`;
  if (h.value) s += ` ${h.assign ? ":=" : "="} ${term(h.value)}`;
  s += ` if { ${body(r.body)} }`;
  if (r.else) s += ` else ${rule(r.else).replace(/^[^ ]+ /, "")}`;
  return s;
}
