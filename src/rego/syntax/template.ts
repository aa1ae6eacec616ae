import type { Expr, Location, Term } from "../ast/types.js";
import { parseError } from "./errors.js";
import { decodeStringBody, templateEnd } from "./lexer.js";
import { mk } from "./terms.js";
import type { Token } from "./tokens.js";

let templateVarCounter = 0;

/**
 * Template strings (`$"a {x} b"`, OPA 1.x string interpolation) become
 * `internal.template_string([parts...])`: literal parts are strings; each `{expr}` part is the
 * set comprehension `{v | v = expr}`, so an undefined expression yields an empty set instead of
 * making the whole expression undefined (as OPA does).
 */
export function parseTemplate(
  tok: Token,
  loc: Location,
  file: string,
  parseExpr: (text: string, base: Location) => Expr,
): Term {
  const body = tok.value;
  const parts: Term[] = [];
  const raw = tok.raw === true;
  const at = (i: number): Location => ({ file, row: loc.row, col: loc.col + 2 + i });
  let lit = "";
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (!raw && c === "\\") {
      const j = i + (body[i + 1] === "u" ? 6 : 2);
      lit += decodeStringBody(body, i, Math.min(j, body.length), (o) => at(o), true);
      i = j;
      continue;
    }
    if (c === "{") {
      const end = matchBrace(body, i, at);
      if (lit) parts.push(mk.str(lit, loc));
      lit = "";
      const exprText = body.slice(i + 1, end);
      if (exprText.trim() === "") throw parseError(at(i), "empty template expression");
      const expr = parseExpr(exprText, at(i + 1));
      const term: Term =
        expr.kind.type === "term"
          ? expr.kind.term
          : expr.kind.type === "call"
            ? { type: "call", op: expr.kind.op, args: expr.kind.args, loc: expr.loc }
            : fail(expr.loc);
      if (expr.negated) fail(expr.loc);
      const v = mk.var(`$tmpl${++templateVarCounter}`, term.loc);
      parts.push({
        type: "setcomp",
        term: v,
        body: [
          {
            kind: { type: "call", op: mk.op("eq", term.loc), args: [v, term] },
            negated: false,
            with: expr.with,
            loc: term.loc,
            generated: true,
          },
        ],
        loc: term.loc,
      });
      i = end + 1;
      continue;
    }
    if (!raw && c !== undefined && c.charCodeAt(0) < 0x20)
      throw parseError(at(i), "illegal control character in string");
    lit += c;
    i++;
  }
  if (lit) parts.push(mk.str(lit, loc));
  return mk.call("internal.template_string", [{ type: "array", items: parts, loc }], loc);
}

/** Index of the `}` closing the `{` at `open`, skipping nested braces and string literals. */
function matchBrace(s: string, open: number, at: (i: number) => Location): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "$" && s[i + 1] === '"') {
      const e = templateEnd(s, i + 1);
      if (e < 0) break;
      i = e - 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === "\\" ? 2 : 1;
      continue;
    }
    if (c === "`") {
      const close = s.indexOf("`", i + 1);
      if (close < 0) break;
      i = close;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  throw parseError(at(open), "unterminated template expression");
}

function fail(loc: Location): never {
  throw parseError(loc, "template expression must be a term or a call, optionally with `with` modifiers");
}
