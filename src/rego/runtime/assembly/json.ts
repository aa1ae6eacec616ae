// JSON (and Rego value text) parsing and dumping.
import {
  T_NULL, T_BOOLEAN, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, N_INT, N_FLOAT,
  mkNull, mkBool, mkInt, mkNumRef, mkStringRef, mkArray, arrAppend, arrLen, arrGet,
  mkObject, mkSet, objInsert, setAdd, tblCount, tblEntry, entKey, entValue, tblSort,
  numKind, intOf, floatOf, refPtr, refLen, strPtr, strLen, boolOf,
} from "./value";
import { Buf } from "./buffer";
import { malloc } from "./heap";

// ---------------------------------------------------------------- parse

let pos: usize = 0;
let end: usize = 0;
let regoSyntax: bool = false;
let parseError: bool = false;

function peek(): u32 {
  return pos < end ? <u32>load<u8>(pos) : 0xffffffff;
}

function skipWs(): void {
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 32 || c == 9 || c == 10 || c == 13) pos++;
    else break;
  }
}

function lit(s: string): bool {
  const n = <usize>s.length;
  if (pos + n > end) return false;
  for (let i: usize = 0; i < n; i++) if (<u32>load<u8>(pos + i) != <u32>s.charCodeAt(<i32>i)) return false;
  pos += n;
  return true;
}

function hexVal(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>(c - 48);
  if (c >= 97 && c <= 102) return <i32>(c - 87);
  if (c >= 65 && c <= 70) return <i32>(c - 55);
  return -1;
}

function hex4(): i32 {
  if (pos + 4 > end) return -1;
  let r: i32 = 0;
  for (let i = 0; i < 4; i++) {
    const h = hexVal(load<u8>(pos + <usize>i));
    if (h < 0) return -1;
    r = (r << 4) | h;
  }
  pos += 4;
  return r;
}

export function utf8Encode(b: Buf, cp: u32): void {
  if (cp < 0x80) b.byte(cp);
  else if (cp < 0x800) {
    b.byte(0xc0 | (cp >> 6));
    b.byte(0x80 | (cp & 63));
  } else if (cp < 0x10000) {
    b.byte(0xe0 | (cp >> 12));
    b.byte(0x80 | ((cp >> 6) & 63));
    b.byte(0x80 | (cp & 63));
  } else {
    b.byte(0xf0 | (cp >> 18));
    b.byte(0x80 | ((cp >> 12) & 63));
    b.byte(0x80 | ((cp >> 6) & 63));
    b.byte(0x80 | (cp & 63));
  }
}

function parseString(): usize {
  // at opening quote
  pos++;
  const start = pos;
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 34) {
      const v = mkStringRef(start, <u32>(pos - start));
      pos++;
      return v;
    }
    if (c == 92) break;
    if (c < 32) return 0;
    pos++;
  }
  if (pos >= end) return 0;
  // slow path with escapes
  const b = new Buf(<u32>(pos - start) + 16);
  b.bytes(start, <u32>(pos - start));
  while (pos < end) {
    const c = <u32>load<u8>(pos);
    if (c == 34) {
      pos++;
      return mkStringRef(b.ptr, b.len);
    }
    if (c < 32) return 0;
    if (c != 92) {
      b.byte(c);
      pos++;
      continue;
    }
    pos++;
    if (pos >= end) return 0;
    const e = <u32>load<u8>(pos);
    pos++;
    switch (e) {
      case 34: b.byte(34); break;
      case 92: b.byte(92); break;
      case 47: b.byte(47); break;
      case 98: b.byte(8); break;
      case 102: b.byte(12); break;
      case 110: b.byte(10); break;
      case 114: b.byte(13); break;
      case 116: b.byte(9); break;
      case 117: {
        let cp = hex4();
        if (cp < 0) return 0;
        if (cp >= 0xd800 && cp < 0xdc00) {
          // surrogate pair
          const save = pos;
          if (pos + 6 <= end && load<u8>(pos) == 92 && load<u8>(pos + 1) == 117) {
            pos += 2;
            const lo = hex4();
            if (lo >= 0xdc00 && lo < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            else {
              pos = save;
              cp = 0xfffd;
            }
          } else cp = 0xfffd;
        } else if (cp >= 0xdc00 && cp < 0xe000) cp = 0xfffd;
        utf8Encode(b, <u32>cp);
        break;
      }
      default:
        return 0;
    }
  }
  return 0;
}

function isDigit(c: u32): bool {
  return c >= 48 && c <= 57;
}

function parseNumber(): usize {
  const start = pos;
  let integral = true;
  if (peek() == 45) pos++;
  if (!isDigit(peek())) return 0;
  if (peek() == 48) {
    pos++;
  } else {
    while (isDigit(peek())) pos++;
  }
  if (peek() == 46) {
    integral = false;
    pos++;
    if (!isDigit(peek())) return 0;
    while (isDigit(peek())) pos++;
  }
  if (peek() == 101 || peek() == 69) {
    integral = false;
    pos++;
    if (peek() == 43 || peek() == 45) pos++;
    if (!isDigit(peek())) return 0;
    while (isDigit(peek())) pos++;
  }
  const len = <u32>(pos - start);
  if (integral) {
    const neg = load<u8>(start) == 45;
    const digits = neg ? len - 1 : len;
    if (digits <= 18) {
      let r: i64 = 0;
      for (let p = neg ? start + 1 : start; p < pos; p++) r = r * 10 + <i64>(load<u8>(p) - 48);
      return mkInt(neg ? -r : r);
    }
  }
  return mkNumRef(start, len);
}

function parseValue(depth: i32): usize {
  if (depth > 10000) return 0;
  skipWs();
  const c = peek();
  if (c == 123) return parseObjectOrSet(depth);
  if (c == 91) {
    pos++;
    const a = mkArray(4);
    skipWs();
    if (peek() == 93) {
      pos++;
      return a;
    }
    while (true) {
      const v = parseValue(depth + 1);
      if (v == 0) return 0;
      arrAppend(a, v);
      skipWs();
      const d = peek();
      pos++;
      if (d == 44) continue;
      if (d == 93) return a;
      return 0;
    }
  }
  if (c == 34) return parseString();
  if (c == 116) return lit("true") ? mkBool(true) : 0;
  if (c == 102) return lit("false") ? mkBool(false) : 0;
  if (c == 110) return lit("null") ? mkNull() : 0;
  if (regoSyntax && c == 115) return lit("set()") ? mkSet() : 0;
  if (c == 45 || isDigit(c)) return parseNumber();
  return 0;
}

function parseObjectOrSet(depth: i32): usize {
  pos++;
  skipWs();
  if (peek() == 125) {
    pos++;
    return mkObject();
  }
  const first = parseValue(depth + 1);
  if (first == 0) return 0;
  skipWs();
  if (regoSyntax && (peek() == 44 || peek() == 125)) {
    const s = mkSet();
    setAdd(s, first);
    while (true) {
      skipWs();
      const d = peek();
      pos++;
      if (d == 125) return s;
      if (d != 44) return 0;
      const v = parseValue(depth + 1);
      if (v == 0) return 0;
      setAdd(s, v);
    }
  }
  if (!regoSyntax && load<u32>(first) != T_STRING) return 0;
  const o = mkObject();
  let key = first;
  while (true) {
    skipWs();
    if (peek() != 58) return 0;
    pos++;
    const v = parseValue(depth + 1);
    if (v == 0) return 0;
    objInsert(o, key, v);
    skipWs();
    const d = peek();
    pos++;
    if (d == 125) return o;
    if (d != 44) return 0;
    skipWs();
    key = regoSyntax ? parseValue(depth + 1) : peek() == 34 ? parseString() : 0;
    if (key == 0) return 0;
  }
  return 0;
}

/** Parses JSON text (or Rego value text when rego is set); 0 on error. */
export function parseJSON(p: usize, len: usize, rego: bool): usize {
  pos = p;
  end = p + len;
  regoSyntax = rego;
  parseError = false;
  const v = parseValue(0);
  if (v == 0) return 0;
  skipWs();
  if (pos != end) return 0;
  return v;
}

// ---------------------------------------------------------------- dump

const HEX: string = "0123456789abcdef";

export function formatFloat(b: Buf, f: f64): void {
  if (!isFinite(f)) {
    // not representable in JSON; OPA never produces these from valid arithmetic
    b.ascii(isNaN(f) ? "null" : f > 0 ? "1e+309" : "-1e+309");
    return;
  }
  if (f == Math.floor(f) && Math.abs(f) < 1e21) {
    if (Math.abs(f) < 9.0e18) {
      let i = <i64>f;
      b.ascii(i.toString());
      return;
    }
  }
  let s = f.toString();
  if (s.endsWith(".0")) s = s.substring(0, s.length - 2);
  b.ascii(s);
}

export function dumpString(b: Buf, p: usize, n: u32, html: bool): void {
  b.byte(34);
  let i: u32 = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c == 34 || c == 92) {
      b.byte(92);
      b.byte(c);
    } else if (c < 32 || (html && (c == 60 || c == 62 || c == 38))) {
      if (c == 10) b.ascii("\\n");
      else if (c == 13) b.ascii("\\r");
      else if (c == 9) b.ascii("\\t");
      else {
        b.ascii("\\u00");
        b.byte(HEX.charCodeAt(c >> 4));
        b.byte(HEX.charCodeAt(c & 15));
      }
    } else if (html && c == 0xe2 && i + 2 < n && load<u8>(p + <usize>i + 1) == 0x80 && (load<u8>(p + <usize>i + 2) & 0xfe) == 0xa8) {
      b.ascii(load<u8>(p + <usize>i + 2) == 0xa8 ? "\\u2028" : "\\u2029");
      i += 3;
      continue;
    } else {
      b.byte(c);
    }
    i++;
  }
  b.byte(34);
}

export function dumpNumber(b: Buf, v: usize): void {
  const k = numKind(v);
  if (k == N_INT) b.ascii(intOf(v).toString());
  else if (k == N_FLOAT) formatFloat(b, floatOf(v));
  else b.bytes(refPtr(v), refLen(v));
}

/** Appends v as JSON (rego: sets as {..} / set(); html: Go's HTML escaping). */
export function dumpValue(b: Buf, v: usize, rego: bool, html: bool): void {
  switch (load<u32>(v)) {
    case T_NULL:
      b.ascii("null");
      return;
    case T_BOOLEAN:
      b.ascii(boolOf(v) ? "true" : "false");
      return;
    case T_NUMBER:
      dumpNumber(b, v);
      return;
    case T_STRING:
      dumpString(b, strPtr(v), strLen(v), html);
      return;
    case T_ARRAY: {
      b.byte(91);
      const n = arrLen(v);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) b.byte(44);
        dumpValue(b, arrGet(v, i), rego, html);
      }
      b.byte(93);
      return;
    }
    case T_OBJECT: {
      tblSort(v);
      b.byte(123);
      const n = tblCount(v);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) b.byte(44);
        const e = tblEntry(v, i);
        const k = entKey(e);
        if (!rego && load<u32>(k) != T_STRING) {
          // JSON keys must be strings: dump the key's JSON text as a string
          const kb = new Buf();
          dumpValue(kb, k, false, false);
          dumpString(b, kb.ptr, kb.len, html);
        } else dumpValue(b, k, rego, html);
        b.byte(58);
        dumpValue(b, entValue(e), rego, html);
      }
      b.byte(125);
      return;
    }
    case T_SET: {
      tblSort(v);
      const n = tblCount(v);
      if (rego && n == 0) {
        b.ascii("set()");
        return;
      }
      b.byte(rego ? 123 : 91);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) b.byte(44);
        dumpValue(b, entKey(tblEntry(v, i)), rego, html);
      }
      b.byte(rego ? 125 : 93);
      return;
    }
  }
}

/** NUL-terminated dump. */
export function dumpCString(v: usize, rego: bool): usize {
  const b = new Buf(256);
  dumpValue(b, v, rego, false);
  b.byte(0);
  return b.ptr;
}

export function cstring(s: string): usize {
  const b = String.UTF8.encode(s, true);
  const n = b.byteLength;
  const p = malloc(<usize>n);
  memory.copy(p, changetype<usize>(b), <usize>n);
  return p;
}
