import { parseError } from "./errors.js";
import type { Token } from "./tokens.js";

/** Most tokens accepted in one source file; larger inputs belong in data files. */
export const MAX_TOKENS = 1_000_000;
/** Deepest nesting of template strings inside template expressions. */
const MAX_TEMPLATE_NESTING = 64;
const PUNCT1: ReadonlySet<string> = new Set([..."{}[]().,;:=<>+-*/%|&"]);

function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** A `#` comment: its text after the `#`, and where the `#` is. */
export interface Comment {
  text: string;
  row: number;
  col: number;
}

/**
 * Splits Rego source text into tokens. Iterative: no recursion, any input size. Comments are
 * appended to `comments` when given (METADATA annotations are read from them).
 */
export function tokenize(text: string, file: string, comments?: Comment[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let row = 1;
  let lineStart = 0;
  let nl = false;
  let ws = false;
  const n = text.length;
  const loc = (off: number) => ({ file, row, col: off - lineStart + 1 });
  const push = (kind: Token["kind"], value: string, start: number) => {
    if (tokens.length >= MAX_TOKENS) {
      throw parseError(loc(start), `too many tokens (more than ${MAX_TOKENS}); put large data in data files`);
    }
    tokens.push({ kind, value, row, col: start - lineStart + 1, offset: start, end: i, nl, ws });
    nl = false;
    ws = false;
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte order mark
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      i++;
      row++;
      lineStart = i;
      nl = true;
      ws = true;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
      ws = true;
      continue;
    }
    if (c === 0x23) {
      // comment to end of line
      const start = i;
      while (i < n && text.charCodeAt(i) !== 0x0a) i++;
      comments?.push({ text: text.slice(start + 1, i).replace(/\r$/, ""), row, col: start - lineStart + 1 });
      ws = true;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      push("ident", text.slice(start, i), start);
      continue;
    }
    if (isDigit(c)) {
      i = scanNumber(text, i, file, loc);
      push("number", text.slice(start, i), start);
      continue;
    }
    if (c === 0x22) {
      const r = scanString(text, i, file, loc, row, lineStart);
      i = r.end;
      push("string", r.value, start);
      continue;
    }
    if (c === 0x60) {
      const r = scanRaw(text, i, file, loc);
      i = r.end;
      push("rawstring", r.value, start);
      const startRow = row;
      row += r.newlines;
      if (r.newlines > 0) lineStart = r.lastLineStart;
      tokens[tokens.length - 1]!.row = startRow;
      continue;
    }
    if (c === 0x24 && (text.charCodeAt(i + 1) === 0x22 || text.charCodeAt(i + 1) === 0x60)) {
      const raw = text.charCodeAt(i + 1) === 0x60;
      const startCol = start - lineStart + 1;
      const startRow = row;
      i++;
      let value: string;
      if (raw) {
        const r = scanRaw(text, i, file, loc);
        i = r.end;
        value = r.value;
        row += r.newlines;
        if (r.newlines > 0) lineStart = r.lastLineStart;
      } else {
        const end = templateEnd(text, i);
        if (end < 0) throw parseError(loc(start), "non-terminated template string");
        value = text.slice(i + 1, end - 1);
        i = end;
      }
      if (tokens.length >= MAX_TOKENS)
        throw parseError(loc(start), `too many tokens (more than ${MAX_TOKENS})`);
      tokens.push({
        kind: "template",
        value,
        row: startRow,
        col: startCol,
        offset: start,
        end: i,
        nl,
        ws,
        raw,
      });
      nl = false;
      ws = false;
      continue;
    }
    if (
      text.charCodeAt(i + 1) === 0x3d &&
      (c === 0x3a || c === 0x3d || c === 0x21 || c === 0x3c || c === 0x3e)
    ) {
      const two = text.slice(i, i + 2);
      i += 2;
      push("punct", two, start);
      continue;
    }
    const one = text[i]!;
    if (PUNCT1.has(one)) {
      i++;
      push("punct", one, start);
      continue;
    }
    const cp = text.codePointAt(i) ?? c;
    const shown =
      cp >= 0x20 && cp < 0x7f
        ? String.fromCodePoint(cp)
        : `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
    throw parseError(loc(i), `illegal token: unexpected character ${shown}`);
  }
  tokens.push({ kind: "eof", value: "", row, col: i - lineStart + 1, offset: i, end: i, nl, ws });
  return tokens;
}

type LocFn = (off: number) => { file: string; row: number; col: number };

function scanNumber(text: string, i: number, _file: string, loc: LocFn): number {
  const n = text.length;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 0x2e && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    let j = i + 1;
    const s = text.charCodeAt(j);
    if (s === 0x2b || s === 0x2d) j++;
    if (!isDigit(text.charCodeAt(j)))
      throw parseError(loc(i), "illegal number format: missing exponent digits");
    i = j;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  if (i < n && (isIdentStart(text.charCodeAt(i)) || text.charCodeAt(i) === 0x2e)) {
    if (text.charCodeAt(i) !== 0x2e || isDigit(text.charCodeAt(i + 1)))
      throw parseError(loc(i), "illegal number format");
  }
  return i;
}

/** Returns the offset just after the closing quote of a "..." string starting at i. */
function skipQuoted(text: string, i: number, _file: string, loc: LocFn): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) {
      j += 2;
      continue;
    }
    if (c === 0x0a) break;
    j++;
  }
  throw parseError(loc(i), "non-terminated string");
}

function scanString(
  text: string,
  i: number,
  file: string,
  loc: LocFn,
  _row: number,
  _lineStart: number,
): { value: string; end: number } {
  const end = skipQuoted(text, i, file, loc);
  return { value: decodeStringBody(text, i + 1, end - 1, loc, false), end };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/**
 * Decodes the escapes of a JSON-style string body text[from, to). With `template`, `\{` is an
 * escaped brace. Lone surrogates decode to U+FFFD as Go's strconv.Unquote does.
 */
export function decodeStringBody(
  text: string,
  from: number,
  to: number,
  loc: LocFn,
  template: boolean,
): string {
  let out = "";
  let j = from;
  let chunk = from;
  while (j < to) {
    const c = text.charCodeAt(j);
    if (c < 0x20) throw parseError(loc(j), "illegal control character in string");
    if (c !== 0x5c) {
      j++;
      continue;
    }
    out += text.slice(chunk, j);
    const e = text[j + 1] ?? "";
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      j += 2;
    } else if (template && e === "{") {
      out += "{";
      j += 2;
    } else if (e === "u") {
      const hi = readHex4(text, j + 2, to, loc, j);
      j += 6;
      if (hi >= 0xd800 && hi <= 0xdbff && text[j] === "\\" && text[j + 1] === "u") {
        const lo = readHex4(text, j + 2, to, loc, j);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          out += String.fromCharCode(hi, lo);
          j += 6;
        } else {
          out += "\ufffd";
        }
      } else if (hi >= 0xd800 && hi <= 0xdfff) {
        out += "\ufffd";
      } else {
        out += String.fromCharCode(hi);
      }
    } else {
      throw parseError(loc(j), `illegal escape sequence \\${e}`);
    }
    chunk = j;
  }
  return out + text.slice(chunk, to);
}

function readHex4(text: string, at: number, to: number, loc: LocFn, escAt: number): number {
  const h = text.slice(at, at + 4);
  if (at + 4 > to || !/^[0-9a-fA-F]{4}$/.test(h)) throw parseError(loc(escAt), "illegal \\u escape sequence");
  return Number.parseInt(h, 16);
}

function scanRaw(
  text: string,
  i: number,
  _file: string,
  loc: LocFn,
): { value: string; end: number; newlines: number; lastLineStart: number } {
  const close = text.indexOf("`", i + 1);
  if (close < 0) throw parseError(loc(i), "non-terminated raw string");
  let newlines = 0;
  let lastLineStart = 0;
  for (let j = i + 1; j < close; j++) {
    if (text.charCodeAt(j) === 0x0a) {
      newlines++;
      lastLineStart = j + 1;
    }
  }
  return { value: text.slice(i + 1, close), end: close + 1, newlines, lastLineStart };
}

/**
 * Offset just after the closing quote of the template string whose opening `"` is at `i`, or -1.
 * Quotes inside `{...}` expressions belong to nested strings (and nested templates).
 */
export function templateEnd(text: string, i: number, nesting = 0): number {
  if (nesting > MAX_TEMPLATE_NESTING) return -1;
  let depth = 0;
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (depth === 0) {
      if (c === "\\") j += 2;
      else if (c === '"') return j + 1;
      else if (c === "\n") return -1;
      else {
        if (c === "{") depth++;
        j++;
      }
      continue;
    }
    if (c === "$" && text[j + 1] === '"') {
      const e = templateEnd(text, j + 1, nesting + 1);
      if (e < 0) return -1;
      j = e;
    } else if (c === '"') {
      j++;
      while (j < text.length && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      if (text[j] !== '"') return -1;
      j++;
    } else if (c === "`") {
      const close = text.indexOf("`", j + 1);
      if (close < 0) return -1;
      j = close + 1;
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      j++;
    }
  }
  return -1;
}
