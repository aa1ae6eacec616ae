/**
 * The tree of virtual documents under `data`, built from the rules' full head refs.
 *
 * A rule whose full ref (package + head ref) is made of strings only is "own" by the node at
 * that path (complete rules, partial sets, functions). A rule whose ref has a non-string part
 * (`a.b[x].c := v`, `p[k] := v`, `a.b[x] contains y`) is "dynamic": it belongs to the node at
 * its leading string prefix and inserts into that node's object at the remaining path.
 */
import type { CheckedProgram, Rule, Term } from "../ast/types.js";

export type OwnKind = "complete" | "set" | "function";

export interface DynamicRule {
  rule: Rule;
  /** Keys below the node's path; the first is not a constant string. */
  suffix: Term[];
  set: boolean;
}

export interface DocNode {
  path: string[];
  children: Map<string, DocNode>;
  own: Rule[];
  ownKind?: OwnKind;
  dynamic: DynamicRule[];
}

export function newNode(path: string[]): DocNode {
  return { path, children: new Map(), own: [], dynamic: [] };
}

export function isSetRule(rule: Rule): boolean {
  const h = rule.head;
  return (
    h.contains ||
    rule.kind === "partialSet" ||
    rule.kind === "multiValue" ||
    (h.key !== undefined && h.value === undefined && h.args === undefined)
  );
}

/** The rule's ref below data, with old-style object keys appended. */
export function fullRef(pkg: string[], rule: Rule): Term[] {
  const loc = rule.head.loc;
  const terms: Term[] = pkg.map((value) => ({ type: "string", value, loc }));
  rule.head.ref.forEach((t, i) => {
    terms.push(i === 0 && t.type === "var" ? { type: "string", value: t.name, loc: t.loc } : t);
  });
  const h = rule.head;
  // Old-style `p[k] = v` may come as ref [p] with key k; the parser keeps ref [p, k] and key k.
  if (!isSetRule(rule) && h.key !== undefined && h.value !== undefined && !h.args && h.ref.length === 1) {
    terms.push(h.key);
  }
  return terms;
}

/** The element a set rule adds. */
export function setElement(rule: Rule): Term {
  const h = rule.head;
  const element = h.key ?? h.value;
  if (element) return element;
  return h.ref[h.ref.length - 1]!;
}

function childOf(node: DocNode, key: string): DocNode {
  let child = node.children.get(key);
  if (!child) {
    child = newNode([...node.path, key]);
    node.children.set(key, child);
  }
  return child;
}

function elseRules(rule: Rule, into: Set<Rule>): void {
  for (let r = rule.else; r; r = r.else) into.add(r);
}

export function buildDocTree(program: CheckedProgram): DocNode {
  const root = newNode([]);
  const chained = new Set<Rule>();
  for (const m of program.modules) for (const r of m.rules) elseRules(r, chained);
  for (const m of program.modules) {
    // A package defines a document (an empty object) even when it has no rules.
    let pkgNode = root;
    for (const key of m.package) pkgNode = childOf(pkgNode, key);
    for (const rule of m.rules) {
      if (chained.has(rule)) continue;
      let terms = fullRef(m.package, rule);
      const set = isSetRule(rule);
      if (set && rule.head.key === undefined && rule.head.value === undefined) {
        terms = terms.slice(0, -1);
      }
      let node = root;
      let i = 0;
      while (i < terms.length) {
        const t = terms[i]!;
        if (t.type !== "string") break;
        node = childOf(node, t.value);
        i++;
      }
      if (i === terms.length) {
        node.own.push(rule);
        node.ownKind = rule.head.args ? "function" : set ? "set" : "complete";
      } else {
        node.dynamic.push({ rule, suffix: terms.slice(i), set });
      }
    }
  }
  return root;
}

/** The node at `path`, if the tree has one. */
export function findNode(root: DocNode, path: string[]): DocNode | undefined {
  let node: DocNode | undefined = root;
  for (const key of path) {
    node = node.children.get(key);
    if (!node) return undefined;
  }
  return node;
}
