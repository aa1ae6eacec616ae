/**
 * OPA's JSON form of a parsed module (what rego.parse_module returns): terms as
 * {"type", "value"}, expressions as {"index", "terms"} with a call's terms as [operator, ...args],
 * rule heads with name/ref/args/key/value/assign, `data` leading the package path. Locations and
 * comments are left out (OPA includes them only on request).
 */
import type { Body, Expr, Import, Module, Rule, Term } from "./types.js";

export type OpaJson = null | boolean | number | string | OpaJson[] | { [key: string]: OpaJson };

const TYPE_NAMES: Record<Term["type"], string> = {
  null: "null",
  boolean: "boolean",
  number: "number",
  string: "string",
  var: "var",
  ref: "ref",
  array: "array",
  object: "object",
  set: "set",
  call: "call",
  arraycomp: "arraycomprehension",
  setcomp: "setcomprehension",
  objectcomp: "objectcomprehension",
};

export function termJson(t: Term): { [key: string]: OpaJson } {
  return { type: TYPE_NAMES[t.type], value: termValue(t) };
}

function termValue(t: Term): OpaJson {
  switch (t.type) {
    case "null":
      return null;
    case "boolean":
    case "string":
      return t.value;
    case "number":
      return Number(t.value);
    case "var":
      return t.name;
    case "ref":
      return t.terms.map(termJson);
    case "array":
    case "set":
      return t.items.map(termJson);
    case "object":
      return t.items.map(([k, v]) => [termJson(k), termJson(v)]);
    case "call":
      return [termJson(t.op), ...t.args.map(termJson)];
    case "arraycomp":
    case "setcomp":
      return { term: termJson(t.term), body: bodyJson(t.body) };
    case "objectcomp":
      return { key: termJson(t.key), value: termJson(t.value), body: bodyJson(t.body) };
  }
}

export function bodyJson(body: Body): OpaJson[] {
  return body.map(exprJson);
}

const MEMBER = (n: number, loc: Term["loc"]): Term => ({
  type: "ref",
  terms: [
    { type: "var", name: "internal", loc },
    { type: "string", value: `member_${n}`, loc },
  ],
  loc,
});

function exprJson(e: Expr, index: number): OpaJson {
  const out: { [key: string]: OpaJson } = { index };
  const k = e.kind;
  switch (k.type) {
    case "term":
      out.terms = k.term.type === "call" ? termValue(k.term) : termJson(k.term);
      break;
    case "call":
      out.terms = [termJson(k.op), ...k.args.map(termJson)];
      break;
    case "some":
      out.terms = { symbols: k.vars.map(termJson) };
      break;
    case "somein": {
      const args = k.key ? [k.key, k.value, k.domain] : [k.value, k.domain];
      const call: Term = { type: "call", op: MEMBER(args.length, e.loc), args, loc: e.loc };
      out.terms = { symbols: [termJson(call)] };
      break;
    }
    case "every": {
      const every: { [key: string]: OpaJson } = { value: termJson(k.value), domain: termJson(k.domain) };
      if (k.key) every.key = termJson(k.key);
      every.body = bodyJson(k.body);
      out.terms = every;
      break;
    }
  }
  if (e.negated) out.negated = true;
  if (e.with.length > 0)
    out.with = e.with.map((w) => ({ target: termJson(w.target), value: termJson(w.value) }));
  if (e.generated) out.generated = true;
  return out;
}

function ruleJson(r: Rule): { [key: string]: OpaJson } {
  const h = r.head;
  const head: { [key: string]: OpaJson } = {};
  const [first, ...rest] = h.ref;
  if (first?.type === "var" && rest.length === 0) head.name = first.name;
  head.ref = h.ref.map(termJson);
  if (h.args) head.args = h.args.map(termJson);
  if (h.key) head.key = termJson(h.key);
  if (h.value) head.value = termJson(h.value);
  if (h.assign) head.assign = true;
  const out: { [key: string]: OpaJson } = {};
  if (r.default) out.default = true;
  out.head = head;
  out.body = bodyJson(r.body);
  if (r.else) out.else = ruleJson(r.else);
  return out;
}

function importJson(i: Import): OpaJson {
  const out: { [key: string]: OpaJson } = { path: termJson(i.path) };
  if (i.alias) out.alias = i.alias;
  return out;
}

export function moduleJson(m: Module): { [key: string]: OpaJson } {
  const path: OpaJson[] = [
    { type: "var", value: "data" },
    ...m.package.map((p): OpaJson => ({ type: "string", value: p })),
  ];
  const out: { [key: string]: OpaJson } = { package: { path } };
  if (m.imports.length > 0) out.imports = m.imports.map(importJson);
  if (m.annotations && m.annotations.length > 0) out.annotations = m.annotations.map((a) => a.value);
  if (m.rules.length > 0) out.rules = m.rules.map(ruleJson);
  return out;
}
