// String builtins. Strings are UTF-8; positions and lengths count code points, as in OPA.
import {
  T_STRING, T_ARRAY, T_SET, T_OBJECT, mkStringRef, mkStringFromAS, mkStringCopy, strPtr, strLen, strToAS,
  mkBool, mkInt, mkArray, arrAppend, arrLen, arrGet, tblSort, tblCount, tblEntry, entKey, entValue,
} from "../value";
import { Buf } from "../buffer";
import { setError } from "./errors";
import { elements } from "./sets";
import { isNumber } from "./numbers";
import { numAsI64, INT_OUT } from "../value";

export function isStr(v: usize): bool {
  return v != 0 && load<u32>(v) == T_STRING;
}

/** Decodes the UTF-8 sequence at p (end exclusive); returns the code point, RUNE_SIZE its length. */
export let RUNE_SIZE: u32 = 1;

export function decodeRune(p: usize, end: usize): u32 {
  const c = <u32>load<u8>(p);
  RUNE_SIZE = 1;
  if (c < 0x80) return c;
  let need: u32 = 0;
  let cp: u32 = 0;
  let min: u32 = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    need = 1;
    cp = c & 0x1f;
    min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    cp = c & 0x0f;
    min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    cp = c & 0x07;
    min = 0x10000;
  } else return 0xfffd;
  if (p + <usize>need >= end) return 0xfffd;
  for (let i: u32 = 1; i <= need; i++) {
    const d = <u32>load<u8>(p + <usize>i);
    if ((d & 0xc0) != 0x80) return 0xfffd;
    cp = (cp << 6) | (d & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0xfffd;
  RUNE_SIZE = need + 1;
  return cp;
}

/** Number of runes as Go counts them (each invalid byte is one rune). */
export function runeCountGo(p: usize, n: u32): u32 {
  let i: u32 = 0;
  let c: u32 = 0;
  const end = p + <usize>n;
  while (i < n) {
    decodeRune(p + <usize>i, end);
    i += RUNE_SIZE;
    c++;
  }
  return c;
}

function find(hp: usize, hn: u32, np: usize, nn: u32, from: u32): i32 {
  if (nn == 0) return <i32>from;
  if (nn > hn) return -1;
  const first = load<u8>(np);
  for (let i = from; i + nn <= hn; i++) {
    if (load<u8>(hp + <usize>i) == first && memory.compare(hp + <usize>i, np, <usize>nn) == 0) return <i32>i;
  }
  return -1;
}

function runeCount(p: usize, n: u32): u32 {
  return runeCountGo(p, n);
}

export function opa_b_contains(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return setError("contains: operands must be strings");
  return mkBool(find(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0) >= 0);
}

export function opa_b_startswith(s: usize, p: usize): usize {
  if (!isStr(s) || !isStr(p)) return setError("startswith: operands must be strings");
  const n = strLen(p);
  return mkBool(n <= strLen(s) && memory.compare(strPtr(s), strPtr(p), <usize>n) == 0);
}

export function opa_b_endswith(s: usize, p: usize): usize {
  if (!isStr(s) || !isStr(p)) return setError("endswith: operands must be strings");
  const n = strLen(p);
  const m = strLen(s);
  return mkBool(n <= m && memory.compare(strPtr(s) + <usize>(m - n), strPtr(p), <usize>n) == 0);
}

export function opa_b_indexof(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return setError("indexof: operands must be strings");
  const i = find(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0);
  if (i < 0) return mkInt(-1);
  return mkInt(<i64>runeCount(strPtr(s), <u32>i));
}

export function opa_b_indexof_n(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return setError("indexof_n: operands must be strings");
  const r = mkArray(4);
  const hn = strLen(s);
  const nn = strLen(sub);
  let from: u32 = 0;
  while (from <= hn) {
    const i = find(strPtr(s), hn, strPtr(sub), nn, from);
    if (i < 0) break;
    arrAppend(r, mkInt(<i64>runeCount(strPtr(s), <u32>i)));
    from = <u32>i + (nn == 0 ? 1 : nn);
  }
  return r;
}

/**
 * Go's strings.ToLower/ToUpper: each code point maps to one code point (simple case mapping),
 * so "ß" stays "ß" in upper case where JavaScript's full mapping would give "SS".
 */
function mapCase(s: usize, upper: bool): usize {
  const p = strPtr(s);
  const n = strLen(s);
  const end = p + <usize>n;
  const out = new Buf(n + 8);
  let i: u32 = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c < 0x80) {
      if (upper && c >= 97 && c <= 122) out.byte(c - 32);
      else if (!upper && c >= 65 && c <= 90) out.byte(c + 32);
      else out.byte(c);
      i++;
      continue;
    }
    const cp = decodeRune(p + <usize>i, end);
    const size = RUNE_SIZE;
    if (cp == 0xfffd && size == 1) {
      out.bytes(p + <usize>i, 1);
      i++;
      continue;
    }
    let mapped = cp;
    if (!upper && cp == 0x130) mapped = 0x69; // İ -> i (Go's simple mapping)
    else {
      const one = String.fromCodePoint(<i32>cp);
      const m = upper ? one.toUpperCase() : one.toLowerCase();
      const first = <u32>m.codePointAt(0);
      // keep the code point when the full mapping is not a single code point
      if (m.length == (first >= 0x10000 ? 2 : 1)) mapped = first;
    }
    out.utf8(String.fromCodePoint(<i32>mapped));
    i += size;
  }
  return mkStringRef(out.ptr, out.len);
}

export function opa_b_lower(s: usize): usize {
  if (!isStr(s)) return setError("lower: operand must be a string");
  return mapCase(s, false);
}

export function opa_b_upper(s: usize): usize {
  if (!isStr(s)) return setError("upper: operand must be a string");
  return mapCase(s, true);
}

function replaceAll(s: usize, old: usize, nw: usize): usize {
  const sp = strPtr(s);
  const sn = strLen(s);
  const op = strPtr(old);
  const on = strLen(old);
  const b = new Buf(sn + 16);
  if (on == 0) {
    // Go: insert `new` before every rune and at the end
    let i: u32 = 0;
    while (i < sn) {
      b.bytes(strPtr(nw), strLen(nw));
      decodeRune(sp + <usize>i, sp + <usize>sn);
      b.bytes(sp + <usize>i, RUNE_SIZE);
      i += RUNE_SIZE;
    }
    b.bytes(strPtr(nw), strLen(nw));
    return mkStringRef(b.ptr, b.len);
  }
  let from: u32 = 0;
  while (true) {
    const i = find(sp, sn, op, on, from);
    if (i < 0) break;
    b.bytes(sp + <usize>from, <u32>i - from);
    b.bytes(strPtr(nw), strLen(nw));
    from = <u32>i + on;
  }
  b.bytes(sp + <usize>from, sn - from);
  return mkStringRef(b.ptr, b.len);
}

export function opa_b_replace(s: usize, old: usize, nw: usize): usize {
  if (!isStr(s) || !isStr(old) || !isStr(nw)) return setError("replace: operands must be strings");
  return replaceAll(s, old, nw);
}

export function opa_b_split(s: usize, d: usize): usize {
  if (!isStr(s) || !isStr(d)) return setError("split: operands must be strings");
  const sp = strPtr(s);
  const sn = strLen(s);
  const r = mkArray(4);
  const dn = strLen(d);
  if (dn == 0) {
    let i: u32 = 0;
    while (i < sn) {
      decodeRune(sp + <usize>i, sp + <usize>sn);
      arrAppend(r, mkStringRef(sp + <usize>i, RUNE_SIZE));
      i += RUNE_SIZE;
    }
    return r;
  }
  let from: u32 = 0;
  while (true) {
    const i = find(sp, sn, strPtr(d), dn, from);
    if (i < 0) break;
    arrAppend(r, mkStringRef(sp + <usize>from, <u32>i - from));
    from = <u32>i + dn;
  }
  arrAppend(r, mkStringRef(sp + <usize>from, sn - from));
  return r;
}

/** Byte offset of the rune with index k (or the length if k is past the end). */
function runeOffset(p: usize, n: u32, k: i64): u32 {
  let i: u32 = 0;
  let c: i64 = 0;
  while (i < n && c < k) {
    decodeRune(p + <usize>i, p + <usize>n);
    i += RUNE_SIZE;
    c++;
  }
  return i;
}

export function opa_b_substring(s: usize, start: usize, len: usize): usize {
  if (!isStr(s) || !isNumber(start) || !isNumber(len)) return setError("substring: invalid operands");
  if (!numAsI64(start)) return setError("substring: start must be an integer");
  const st = INT_OUT;
  if (!numAsI64(len)) return setError("substring: length must be an integer");
  const ln = INT_OUT;
  if (st < 0) return setError("substring: negative offset");
  const p = strPtr(s);
  const n = strLen(s);
  const a = runeOffset(p, n, st);
  if (a >= n) return mkStringRef(p, 0);
  let b: u32;
  if (ln < 0) b = n;
  else b = a + runeOffset(p + <usize>a, n - a, ln);
  return mkStringRef(p + <usize>a, b - a);
}

function cutsetHas(cp: usize, cn: u32, r: u32): bool {
  let i: u32 = 0;
  while (i < cn) {
    const c = decodeRune(cp + <usize>i, cp + <usize>cn);
    if (c == r) return true;
    i += RUNE_SIZE;
  }
  return false;
}

function isSpace(r: u32): bool {
  if (r == 32 || (r >= 9 && r <= 13) || r == 0x85 || r == 0xa0) return true;
  if (r < 0x1680) return false;
  return r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}

/** Trims runes matching the cutset (or whitespace when cp == 0) from the left and/or right. */
function trimRunes(s: usize, cp: usize, cn: u32, left: bool, right: bool, space: bool): usize {
  const p = strPtr(s);
  const n = strLen(s);
  let a: u32 = 0;
  let b: u32 = n;
  if (left) {
    while (a < b) {
      const r = decodeRune(p + <usize>a, p + <usize>b);
      if (space ? !isSpace(r) : !cutsetHas(cp, cn, r)) break;
      a += RUNE_SIZE;
    }
  }
  if (right) {
    while (b > a) {
      let k = b - 1;
      while (k > a && (load<u8>(p + <usize>k) & 0xc0) == 0x80) k--;
      const r = decodeRune(p + <usize>k, p + <usize>b);
      if (space ? !isSpace(r) : !cutsetHas(cp, cn, r)) break;
      b = k;
    }
  }
  return mkStringRef(p + <usize>a, b - a);
}

export function opa_b_trim(s: usize, c: usize): usize {
  if (!isStr(s) || !isStr(c)) return setError("trim: operands must be strings");
  return trimRunes(s, strPtr(c), strLen(c), true, true, false);
}

export function opa_b_trim_left(s: usize, c: usize): usize {
  if (!isStr(s) || !isStr(c)) return setError("trim_left: operands must be strings");
  return trimRunes(s, strPtr(c), strLen(c), true, false, false);
}

export function opa_b_trim_right(s: usize, c: usize): usize {
  if (!isStr(s) || !isStr(c)) return setError("trim_right: operands must be strings");
  return trimRunes(s, strPtr(c), strLen(c), false, true, false);
}

export function opa_b_trim_space(s: usize): usize {
  if (!isStr(s)) return setError("trim_space: operand must be a string");
  return trimRunes(s, 0, 0, true, true, true);
}

export function opa_b_trim_prefix(s: usize, pre: usize): usize {
  if (!isStr(s) || !isStr(pre)) return setError("trim_prefix: operands must be strings");
  const n = strLen(pre);
  if (n <= strLen(s) && memory.compare(strPtr(s), strPtr(pre), <usize>n) == 0) return mkStringRef(strPtr(s) + <usize>n, strLen(s) - n);
  return s;
}

export function opa_b_trim_suffix(s: usize, suf: usize): usize {
  if (!isStr(s) || !isStr(suf)) return setError("trim_suffix: operands must be strings");
  const n = strLen(suf);
  const m = strLen(s);
  if (n <= m && memory.compare(strPtr(s) + <usize>(m - n), strPtr(suf), <usize>n) == 0) return mkStringRef(strPtr(s), m - n);
  return s;
}

export function opa_b_concat(d: usize, coll: usize): usize {
  if (!isStr(d)) return setError("concat: delimiter must be a string");
  const a = elements(coll);
  if (a == 0) return setError("concat: operand must be an array or set of strings");
  const b = new Buf(64);
  const n = arrLen(a);
  for (let i: u32 = 0; i < n; i++) {
    const x = arrGet(a, i);
    if (!isStr(x)) return setError("concat: operand must be an array or set of strings");
    if (i > 0) b.bytes(strPtr(d), strLen(d));
    b.bytes(strPtr(x), strLen(x));
  }
  return mkStringRef(b.ptr, b.len);
}

export function opa_b_strings_reverse(s: usize): usize {
  if (!isStr(s)) return setError("strings.reverse: operand must be a string");
  const p = strPtr(s);
  const n = strLen(s);
  const out = new Buf(n + 1);
  let b = n;
  while (b > 0) {
    let k = b - 1;
    while (k > 0 && (load<u8>(p + <usize>k) & 0xc0) == 0x80) k--;
    out.bytes(p + <usize>k, b - k);
    b = k;
  }
  return mkStringRef(out.ptr, out.len);
}

export function opa_b_strings_replace_n(patterns: usize, s: usize): usize {
  if (patterns == 0 || load<u32>(patterns) != T_OBJECT) return setError("strings.replace_n: patterns must be an object");
  if (!isStr(s)) return setError("strings.replace_n: operand must be a string");
  tblSort(patterns);
  const m = tblCount(patterns);
  for (let k: u32 = 0; k < m; k++) {
    const e = tblEntry(patterns, k);
    if (!isStr(entKey(e)) || !isStr(entValue(e))) return setError("strings.replace_n: patterns must map strings to strings");
  }
  const p = strPtr(s);
  const n = strLen(s);
  const b = new Buf(n + 16);
  let i: u32 = 0;
  while (i <= n) {
    let matched = false;
    for (let k: u32 = 0; k < m; k++) {
      const e = tblEntry(patterns, k);
      const old = entKey(e);
      const on = strLen(old);
      if (on == 0) continue;
      if (i + on <= n && memory.compare(p + <usize>i, strPtr(old), <usize>on) == 0) {
        const nw = entValue(e);
        b.bytes(strPtr(nw), strLen(nw));
        i += on;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (i == n) break;
    b.byte(load<u8>(p + <usize>i));
    i++;
  }
  return mkStringRef(b.ptr, b.len);
}

export function opa_b_strings_count(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return setError("strings.count: operands must be strings");
  const sn = strLen(s);
  const nn = strLen(sub);
  if (nn == 0) return mkInt(<i64>runeCount(strPtr(s), sn) + 1);
  let c: i64 = 0;
  let from: u32 = 0;
  while (true) {
    const i = find(strPtr(s), sn, strPtr(sub), nn, from);
    if (i < 0) break;
    c++;
    from = <u32>i + nn;
  }
  return mkInt(c);
}

export function opa_b_strings_any_prefix_match(s: usize, p: usize): usize {
  return anyMatch(s, p, true);
}

export function opa_b_strings_any_suffix_match(s: usize, p: usize): usize {
  return anyMatch(s, p, false);
}

function strList(v: usize): usize {
  if (isStr(v)) {
    const a = mkArray(1);
    arrAppend(a, v);
    return a;
  }
  return elements(v);
}

function anyMatch(s: usize, p: usize, prefix: bool): usize {
  const a = strList(s);
  const b = strList(p);
  if (a == 0 || b == 0) return setError("strings.any_prefix_match: operands must be strings, arrays or sets");
  for (let i: u32 = 0; i < arrLen(a); i++) {
    const x = arrGet(a, i);
    if (!isStr(x)) return setError("operands must contain strings");
    for (let j: u32 = 0; j < arrLen(b); j++) {
      const y = arrGet(b, j);
      if (!isStr(y)) return setError("operands must contain strings");
      const r = prefix ? opa_b_startswith(x, y) : opa_b_endswith(x, y);
      if (load<u32>(r, 4) != 0) return mkBool(true);
    }
  }
  return mkBool(false);
}

