/**
 * rego.metadata.rule() and rego.metadata.chain(): compile-time values (as in OPA, whose compiler
 * rewrites these calls into constants). Each call is replaced by the JSON of the annotations
 * (src/rego/syntax/annotations.ts) in effect for the rule it appears in:
 *
 * - rule(): the rule's own rule-scope annotations (the one closest to the rule), or {};
 * - chain(): from the rule outward, entries {path, annotations}: the rule's rule-scope
 *   annotations (closest first; an entry with only the path when it has none), the document
 *   scope of its path, the package scope of its package, then subpackages scopes of the package
 *   and its ancestors (nearest first). Paths leave out `data`.
 *
 * A second package (or subpackages) annotation for one package path, or a second document
 * annotation for one rule path, is a compile error (OPA: annotation redeclared). Rules that call
 * neither builtin are returned unchanged (the same objects).
 */
import type { Annotation, Body, Expr, JsonValue, Location, Module, Rule, Term } from "../ast/types.js";
import { mk, opName } from "../syntax/terms.js";
import type { Diagnostics } from "./diagnostics.js";
import { staticPath } from "./env.js";
import { walkBody, walkTerm } from "./walk.js";

const CHAIN = "rego.metadata.chain";
const RULE = "rego.metadata.rule";

type JsonObject = { [key: string]: JsonValue };

interface Scoped {
  value: JsonObject;
  loc: Location;
}

/** Annotations of a module set by scope (OPA's annotation set). */
class AnnotationSet {
  readonly byRule = new Map<Rule, Scoped[]>();
  readonly byDocument = new Map<string, Scoped>();
  readonly byPackage = new Map<string, Scoped>();
  readonly bySubpackages = new Map<string, Scoped>();

  constructor(modules: Module[], diags: Diagnostics) {
    for (const m of modules) for (const a of m.annotations ?? []) this.add(m, a, diags);
  }

  private add(m: Module, a: Annotation, diags: Diagnostics): void {
    const scoped = { value: a.value, loc: a.loc };
    const once = (map: Map<string, Scoped>, key: string) => {
      const prev = map.get(key);
      if (prev) {
        const at = `${prev.loc.file}:${prev.loc.row}`;
        diags.add("rego_type_error", `${a.scope} annotation redeclared: ${at}`, a.loc);
      } else {
        map.set(key, scoped);
      }
    };
    if (a.scope === "package") once(this.byPackage, key(m.package));
    else if (a.scope === "subpackages") once(this.bySubpackages, key(m.package));
    else if (a.scope === "rule" || a.scope === "document") {
      const rule = m.rules[a.rule];
      if (!rule) return;
      if (a.scope === "document") once(this.byDocument, key(staticPath(m.package, rule)));
      else this.byRule.set(rule, [...(this.byRule.get(rule) ?? []), scoped]);
    }
  }

  /** The rule's rule-scope annotations, closest to the rule first. */
  ruleScope(rule: Rule): Scoped[] {
    return [...(this.byRule.get(rule) ?? [])].sort((a, b) => b.loc.row - a.loc.row || b.loc.col - a.loc.col);
  }

  chain(m: Module, rule: Rule, primary: Rule): JsonValue[] {
    const path = staticPath(m.package, rule);
    const entry = (p: string[], s?: Scoped): JsonObject =>
      s ? { path: p, annotations: s.value } : { path: p };
    const out: JsonValue[] = this.ruleScope(primary).map((s) => entry(path, s));
    if (out.length === 0) out.push(entry(path));
    const doc = this.byDocument.get(key(path));
    if (doc) out.push(entry(path, doc));
    const pkg = this.byPackage.get(key(m.package));
    if (pkg) out.push(entry(m.package, pkg));
    for (let n = m.package.length; n > 0; n--) {
      const p = m.package.slice(0, n);
      const sub = this.bySubpackages.get(key(p));
      if (sub) out.push(entry(p, sub));
    }
    return out;
  }
}

function key(path: string[]): string {
  return JSON.stringify(path);
}

function isMetadataName(name: string | undefined): boolean {
  return name === CHAIN || name === RULE;
}

function isMetadataCall(t: Term & { type: "call" }): boolean {
  return isMetadataName(opName(t.op)) && t.args.length <= 1;
}

function isMetadataStatement(e: Expr): boolean {
  return e.kind.type === "call" && isMetadataName(opName(e.kind.op)) && e.kind.args.length <= 1;
}

/** Calls onCall for every metadata call term and onStatement for every metadata call statement. */
function visitCalls(
  rule: Rule,
  onCall: (t: Term & { type: "call" }) => void,
  onStatement: (e: Expr) => void,
): void {
  const term = (t: Term) => {
    if (t.type === "call" && isMetadataCall(t)) onCall(t);
    if (t.type === "arraycomp" || t.type === "setcomp" || t.type === "objectcomp") statements(t.body);
  };
  const statements = (b: Body) => {
    for (const e of b) {
      if (isMetadataStatement(e)) onStatement(e);
      if (e.kind.type === "every") statements(e.kind.body);
    }
  };
  for (const t of headTerms(rule)) walkTerm(t, term);
  statements(rule.body);
  walkBody(rule.body, term);
}

function callsMetadata(rule: Rule): boolean {
  let found = false;
  const hit = () => {
    found = true;
  };
  visitCalls(rule, hit, hit);
  return found;
}

function headTerms(rule: Rule): Term[] {
  const h = rule.head;
  return [...(h.args ?? []), ...(h.key ? [h.key] : []), ...(h.value ? [h.value] : []), ...h.ref];
}

export function rewriteMetadataCalls(modules: Module[], diags: Diagnostics): Module[] {
  const set = new AnnotationSet(modules, diags);
  return modules.map((m) => {
    let changed = false;
    const rules = m.rules.map((r) => {
      const out = rewriteRule(set, m, r, r);
      if (out !== r) changed = true;
      return out;
    });
    return changed ? { ...m, rules } : m;
  });
}

/** The rule with its metadata calls replaced (a copy), or the rule itself when it has none. */
function rewriteRule(set: AnnotationSet, m: Module, rule: Rule, primary: Rule): Rule {
  const elseRule = rule.else ? rewriteRule(set, m, rule.else, rule.else) : undefined;
  if (!callsMetadata(rule)) return elseRule === rule.else ? rule : { ...rule, else: elseRule };
  const copy: Rule = structuredClone({ ...rule, else: undefined });
  if (elseRule) copy.else = elseRule;
  else delete copy.else;
  const ruleValue = (): JsonValue => set.ruleScope(primary)[0]?.value ?? {};
  const valueOfCall = (op: Term, loc: Location): Term =>
    termOf(opName(op) === CHAIN ? set.chain(m, rule, primary) : ruleValue(), loc);
  const onCall = (t: Term & { type: "call" }) => {
    const constant = valueOfCall(t.op, t.loc);
    const out = t.args[0];
    const next: Term = out ? mk.call("eq", [out, constant], t.loc) : constant;
    for (const k of Object.keys(t)) delete (t as Record<string, unknown>)[k];
    Object.assign(t, next);
  };
  const onStatement = (e: Expr) => {
    if (e.kind.type !== "call") return;
    const constant = valueOfCall(e.kind.op, e.loc);
    const out = e.kind.args[0];
    e.kind = out
      ? { type: "call", op: mk.op("eq", e.loc), args: [out, constant] }
      : { type: "term", term: constant };
  };
  visitCalls(copy, onCall, onStatement);
  return copy;
}

/** A JSON value as a constant term. */
export function termOf(v: JsonValue, loc: Location): Term {
  if (v === null) return { type: "null", loc };
  if (typeof v === "boolean") return mk.bool(v, loc);
  if (typeof v === "number") return mk.num(JSON.stringify(v), loc);
  if (typeof v === "string") return mk.str(v, loc);
  if (Array.isArray(v)) return { type: "array", items: v.map((x) => termOf(x, loc)), loc };
  return {
    type: "object",
    items: Object.entries(v).map(([k, x]): [Term, Term] => [mk.str(k, loc), termOf(x, loc)]),
    loc,
  };
}
