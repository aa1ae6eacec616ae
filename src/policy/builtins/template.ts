/**
 * strings.render_template: a subset of Go's text/template, as OPA runs it over JSON variables.
 * Supported: text, {{/* comments *\/}}, trim markers ({{- -}}), {{pipeline}} output, if/else if/
 * else, range (with `$v :=` or `$i, $v :=`, and else), with/else, and operands `.`, `.a.b`, `$`,
 * `$v`, `$v.a`, string/number/bool literals. A missing map key prints "<undefined>" (OPA's text).
 * Anything else (functions, pipes, define/template/block) is a precise error, never a guess.
 */
import { type Json, type JsonObject, isObject, obj, str } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const MAX_TEMPLATE = 1 << 20;
const MAX_OUTPUT = 1 << 22;
const MAX_DEPTH = 64;

type Node =
  | { kind: "text"; text: string }
  | { kind: "out"; expr: string }
  | { kind: "if"; expr: string; then: Node[]; else: Node[] }
  | { kind: "with"; expr: string; then: Node[]; else: Node[] }
  | { kind: "range"; keyVar?: string; valVar?: string; expr: string; body: Node[]; else: Node[] };

type Token = { kind: "text"; text: string } | { kind: "action"; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf("{{", pos);
    if (open < 0) {
      out.push({ kind: "text", text: src.slice(pos) });
      break;
    }
    let text = src.slice(pos, open);
    let start = open + 2;
    if (/^-\s/.test(src.slice(start, start + 2))) {
      text = text.replace(/\s+$/, "");
      start += 1;
    }
    if (text) out.push({ kind: "text", text });
    const close = findClose(src, start);
    let end = close;
    let trimAfter = false;
    if (src[close - 1] === "-" && /\s/.test(src[close - 2] ?? "")) {
      end = close - 1;
      trimAfter = true;
    }
    out.push({ kind: "action", text: src.slice(start, end).trim() });
    pos = close + 2;
    if (trimAfter) while (pos < src.length && /\s/.test(src[pos] ?? "")) pos++;
  }
  return out;
}

/** Index of the "}}" closing an action, skipping string literals and comments. */
function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (src.startsWith("/*", i)) {
      const e = src.indexOf("*/", i + 2);
      if (e < 0) fail("template: unclosed comment");
      i = e + 2;
      continue;
    }
    if (c === '"' || c === "`") {
      i = skipString(src, i);
      continue;
    }
    if (src.startsWith("}}", i)) return i;
    i++;
  }
  return fail("template: unclosed action");
}

function skipString(src: string, i: number): number {
  const q = src[i];
  let j = i + 1;
  while (j < src.length && src[j] !== q) {
    if (q === '"' && src[j] === "\\") j++;
    if (q === '"' && src[j] === "\n") fail("template: unterminated quoted string");
    j++;
  }
  if (j >= src.length) fail("template: unterminated quoted string");
  return j + 1;
}

interface Parser {
  toks: Token[];
  pos: number;
}

/** Parses nodes until one of the stop keywords; returns the nodes and the keyword action seen. */
function parseNodes(p: Parser, stops: string[], depth: number): [Node[], string | undefined] {
  if (depth > MAX_DEPTH) fail("template: nested too deeply");
  const nodes: Node[] = [];
  while (p.pos < p.toks.length) {
    const t = p.toks[p.pos++];
    if (!t) break;
    if (t.kind === "text") {
      nodes.push({ kind: "text", text: t.text });
      continue;
    }
    const a = t.text;
    if (a.startsWith("/*")) {
      if (!a.endsWith("*/")) fail("template: comment ends in the middle of an action");
      continue;
    }
    const word = /^[a-z]+\b/.exec(a)?.[0] ?? "";
    if (stops.includes(word)) return [nodes, a];
    if (word === "if" || word === "with")
      nodes.push(parseBranch(p, word, a.slice(word.length).trim(), depth));
    else if (word === "range") nodes.push(parseRange(p, a.slice(5).trim(), depth));
    else if (word === "end" || word === "else") fail(`template: unexpected {{${word}}}`);
    else if (["define", "template", "block", "break", "continue"].includes(word))
      fail(`template: {{${word}}} is not supported`);
    else nodes.push({ kind: "out", expr: a });
  }
  if (stops.length > 0) fail("template: unexpected EOF");
  return [nodes, undefined];
}

function parseBranch(p: Parser, kind: "if" | "with", expr: string, depth: number): Node {
  if (!expr) fail(`template: missing value for ${kind}`);
  const [then, stop] = parseNodes(p, ["else", "end"], depth + 1);
  let otherwise: Node[] = [];
  if (stop?.startsWith("else")) {
    const rest = stop.slice(4).trim();
    if (rest.startsWith(`${kind} `)) {
      // {{else if x}} chains: the nested branch consumes the shared {{end}}.
      otherwise = [parseBranch(p, kind, rest.slice(kind.length).trim(), depth + 1)];
    } else {
      if (rest) fail("template: unexpected text after else");
      const [els, stop2] = parseNodes(p, ["end"], depth + 1);
      if (stop2 !== "end") fail("template: else must be closed by end");
      otherwise = els;
    }
  } else if (stop !== "end") fail("template: unexpected text after end");
  return { kind, expr, then, else: otherwise };
}

function parseRange(p: Parser, spec: string, depth: number): Node {
  const m = /^(?:(\$[A-Za-z_]\w*)\s*(?:,\s*(\$[A-Za-z_]\w*)\s*)?:=\s*)?(.+)$/.exec(spec);
  if (!m?.[3]) fail("template: missing value for range");
  const [body, stop] = parseNodes(p, ["else", "end"], depth + 1);
  let otherwise: Node[] = [];
  if (stop === "else") {
    const [els, stop2] = parseNodes(p, ["end"], depth + 1);
    if (stop2 !== "end") fail("template: else must be closed by end");
    otherwise = els;
  } else if (stop !== "end") fail("template: unexpected text after range end");
  const node: Node = { kind: "range", expr: m[3].trim(), body, else: otherwise };
  if (m[2]) {
    node.keyVar = m[1];
    node.valVar = m[2];
  } else if (m[1]) node.valVar = m[1];
  return node;
}

/** A missing map key: prints as OPA's "<undefined>" and is false in conditions. */
const MISSING = Symbol("missing");
type Val = Json | typeof MISSING;

interface Scope {
  dot: Val;
  vars: Map<string, Val>;
}

function evalExpr(expr: string, scope: Scope): Val {
  const e = expr.trim();
  if (/^"(?:[^"\\]|\\.)*"$/.test(e)) return JSON.parse(e) as string;
  if (/^`[^`]*`$/.test(e)) return e.slice(1, -1);
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(e)) return Number(e);
  if (e === "true" || e === "false") return e === "true";
  if (e === "nil") fail("template: nil is not a command");
  const m = /^(\.|\$[A-Za-z_]\w*|\$)((?:\.[A-Za-z_]\w*)*)$/.exec(e) ?? /^()((?:\.[A-Za-z_]\w*)+)$/.exec(e);
  if (!m) fail(`template: unsupported expression ${JSON.stringify(e.slice(0, 40))}`);
  let cur: Val;
  const head = m[1] ?? "";
  if (head === "." || head === "") cur = scope.dot;
  else {
    const v = scope.vars.get(head);
    if (v === undefined) fail(`template: undefined variable ${head}`);
    cur = v;
  }
  const fields = (m[2] ?? "").split(".").filter(Boolean);
  for (const f of fields) {
    if (cur === MISSING || cur === null) fail(`template: nil pointer evaluating .${f}`);
    if (!isObject(cur)) fail(`template: can't evaluate field ${f} in a non-object`);
    cur = Object.hasOwn(cur, f) ? (cur[f] as Json) : MISSING;
  }
  return cur;
}

function truthy(v: Val): boolean {
  if (v === MISSING || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** Go's %v of a JSON value as OPA hands it to text/template. */
function show(v: Val): string {
  if (v === MISSING) return "<undefined>";
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(" ")}]`;
  const o = v as JsonObject;
  return `map[${Object.keys(o)
    .sort()
    .map((k) => `${k}:${show(o[k] as Json)}`)
    .join(" ")}]`;
}

function exec(nodes: Node[], scope: Scope, out: string[], size: { n: number }): void {
  for (const n of nodes) {
    switch (n.kind) {
      case "text":
        emit(n.text, out, size);
        break;
      case "out":
        emit(show(evalExpr(n.expr, scope)), out, size);
        break;
      case "if":
        exec(truthy(evalExpr(n.expr, scope)) ? n.then : n.else, scope, out, size);
        break;
      case "with": {
        const v = evalExpr(n.expr, scope);
        if (truthy(v)) exec(n.then, { dot: v, vars: scope.vars }, out, size);
        else exec(n.else, scope, out, size);
        break;
      }
      case "range":
        execRange(n, scope, out, size);
        break;
    }
  }
}

function execRange(n: Extract<Node, { kind: "range" }>, scope: Scope, out: string[], size: { n: number }) {
  const v = evalExpr(n.expr, scope);
  let entries: [Json, Json][];
  if (Array.isArray(v)) entries = v.map((e, i) => [i, e]);
  else if (isObject(v))
    entries = Object.keys(v)
      .sort()
      .map((k) => [k, v[k] as Json]);
  else if (v === MISSING || v === null) entries = [];
  else return fail("template: range can't iterate over a non-collection");
  if (entries.length === 0) {
    exec(n.else, scope, out, size);
    return;
  }
  for (const [k, e] of entries) {
    const vars = new Map(scope.vars);
    if (n.keyVar) vars.set(n.keyVar, k);
    if (n.valVar) vars.set(n.valVar, e);
    exec(n.body, { dot: e, vars }, out, size);
  }
}

function emit(s: string, out: string[], size: { n: number }): void {
  size.n += s.length;
  if (size.n > MAX_OUTPUT) fail("template: output too large");
  out.push(s);
}

/** Renders a text/template-subset template over JSON variables. */
export function renderTemplate(template: string, vars: JsonObject): string {
  if (template.length > MAX_TEMPLATE) fail("template too large");
  const [nodes] = parseNodes({ toks: tokenize(template), pos: 0 }, [], 0);
  const out: string[] = [];
  exec(nodes, { dot: vars, vars: new Map([["$", vars]]) }, out, { n: 0 });
  return out.join("");
}

export const template: BuiltinFamily = {
  "strings.render_template": (t, v) => renderTemplate(str(t, 1), obj(v, 2)),
};
