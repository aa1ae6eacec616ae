/**
 * Rego v1 syntax: SourceFile -> Module. Throws RegoCompileError (code rego_parse_error) with
 * file:row:col on bad input, including invalid UTF-8, over-deep nesting and oversized files.
 */
import type { Body, Module, SourceFile, Term } from "../ast/types.js";
import { decodeSource } from "./decode.js";
import { parseError } from "./errors.js";
import { Parser } from "./parser.js";

export { MAX_NESTING } from "./parser.js";
export { queryVars } from "./query-vars.js";
export { MAX_SOURCE_LENGTH } from "./decode.js";

export function parseModule(file: SourceFile): Module {
  const text = decodeSource(file);
  return guarded(file.path, () => new Parser(text, file.path).parseModule());
}

/** Last line of defence: an engine stack overflow becomes a parse error, never a crash. */
function guarded<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw parseError({ file, row: 1, col: 1 }, "input too complex to parse");
    throw e;
  }
}

/** Parses a query: literals separated by newlines or `;` (e.g. `data.test.p = x`). */
export function parseBody(text: string, file = "query"): Body {
  const src = decodeSource({ path: file, text });
  return guarded(file, () => new Parser(src, file).parseTopQuery());
}

/** Parses one term (e.g. a conformance case's `input_term`). */
export function parseTerm(text: string, file = "term"): Term {
  const src = decodeSource({ path: file, text });
  return guarded(file, () => {
    const p = new Parser(src, file);
    const t = p.parseTermIn(false);
    p.expectEof();
    return t;
  });
}
