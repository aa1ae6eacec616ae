// regex.*, re_match and glob.match on the runtime's own RE2-compatible engine (../regex.ts).
import {
  T_STRING, T_ARRAY, T_NULL, mkBool, mkArray, arrAppend, arrLen, arrGet, mkStringRef, strPtr, strLen,
  numAsI64, INT_OUT,
} from "../value";
import { compileRegex, findAll, matches, replaceMatches, Regex } from "../regex";
import { Buf } from "../buffer";
import { setError } from "./errors";
import { isNumber } from "./numbers";
import { elements } from "./sets";
import { decodeRune, RUNE_SIZE } from "./strings";

function isStr(v: usize): bool {
  return v != 0 && load<u32>(v) == T_STRING;
}

// Compiled patterns of the current evaluation (policies often match one pattern in a loop).
// The cache lives on the heap that the SDK resets between evaluations, so evaluation entry
// points call resetRegexCache() first.
const CACHE_SIZE = 16;
let cacheKeys: Array<usize> = new Array<usize>();
let cacheRes: Array<Regex | null> = new Array<Regex | null>();
let cacheNext: i32 = 0;

export function resetRegexCache(): void {
  cacheKeys = new Array<usize>();
  cacheRes = new Array<Regex | null>();
  cacheNext = 0;
}

function compile(pattern: usize): Regex | null {
  const p = strPtr(pattern);
  const n = strLen(pattern);
  for (let i = 0; i < cacheKeys.length; i++) {
    const k = cacheKeys[i];
    if (strLen(k) == n && memory.compare(strPtr(k), p, <usize>n) == 0) return cacheRes[i];
  }
  const re = compileRegex(p, n);
  if (cacheKeys.length < CACHE_SIZE) {
    cacheKeys.push(pattern);
    cacheRes.push(re);
  } else {
    cacheKeys[cacheNext] = pattern;
    cacheRes[cacheNext] = re;
    cacheNext = (cacheNext + 1) % CACHE_SIZE;
  }
  return re;
}

export function opa_b_regex_match(pattern: usize, value: usize): usize {
  if (!isStr(pattern) || !isStr(value)) return setError("regex.match: operands must be strings");
  const re = compile(pattern);
  if (re == null) return setError("regex.match: invalid regular expression");
  return mkBool(matches(re, strPtr(value), strLen(value)));
}

export function opa_b_re_match(pattern: usize, value: usize): usize {
  return opa_b_regex_match(pattern, value);
}

export function opa_b_regex_is_valid(pattern: usize): usize {
  if (!isStr(pattern)) return mkBool(false);
  return mkBool(compile(pattern) != null);
}

function limit(n: usize): i32 {
  if (!isNumber(n) || !numAsI64(n)) return -2;
  const x = INT_OUT;
  return x < 0 ? -1 : x > 0x7fffffff ? 0x7fffffff : <i32>x;
}

export function opa_b_regex_find_all_string_submatch_n(pattern: usize, value: usize, n: usize): usize {
  if (!isStr(pattern) || !isStr(value)) return setError("regex.find_all_string_submatch_n: operands must be strings");
  const max = limit(n);
  if (max == -2) return setError("regex.find_all_string_submatch_n: n must be an integer");
  const re = compile(pattern);
  if (re == null) return setError("regex.find_all_string_submatch_n: invalid regular expression");
  const p = strPtr(value);
  const ms = findAll(re, p, strLen(value), max);
  const r = mkArray(<u32>ms.length);
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    const groups = mkArray(<u32>(m.length / 2));
    for (let g = 0; g < m.length; g += 2) {
      if (m[g] < 0) arrAppend(groups, mkStringRef(p, 0));
      else arrAppend(groups, mkStringRef(p + <usize>m[g], <u32>(m[g + 1] - m[g])));
    }
    arrAppend(r, groups);
  }
  return r;
}

export function opa_b_regex_find_n(pattern: usize, value: usize, n: usize): usize {
  if (!isStr(pattern) || !isStr(value)) return setError("regex.find_n: operands must be strings");
  const max = limit(n);
  if (max == -2) return setError("regex.find_n: n must be an integer");
  const re = compile(pattern);
  if (re == null) return setError("regex.find_n: invalid regular expression");
  const p = strPtr(value);
  const ms = findAll(re, p, strLen(value), max);
  const r = mkArray(<u32>ms.length);
  for (let i = 0; i < ms.length; i++) arrAppend(r, mkStringRef(p + <usize>ms[i][0], <u32>(ms[i][1] - ms[i][0])));
  return r;
}

export function opa_b_regex_split(pattern: usize, value: usize): usize {
  if (!isStr(pattern) || !isStr(value)) return setError("regex.split: operands must be strings");
  const re = compile(pattern);
  if (re == null) return setError("regex.split: invalid regular expression");
  const p = strPtr(value);
  const n = strLen(value);
  const ms = findAll(re, p, n, -1);
  const r = mkArray(4);
  let from: i32 = 0;
  for (let i = 0; i < ms.length; i++) {
    const s = ms[i][0];
    const e = ms[i][1];
    if (e == 0 && n > 0) continue; // Go: an empty match at the start is skipped
    arrAppend(r, mkStringRef(p + <usize>from, <u32>(s - from)));
    from = e;
  }
  arrAppend(r, mkStringRef(p + <usize>from, n - <u32>from));
  return r;
}

/** Appends Go's Regexp.Expand of template for one match ($1, ${1}, $name, ${name}, $$). */
function expand(out: Buf, re: Regex, tp: usize, tn: u32, src: usize, m: StaticArray<i32>): void {
  let i: u32 = 0;
  while (i < tn) {
    const c = load<u8>(tp + <usize>i);
    if (c != 36 || i + 1 >= tn) {
      out.byte(c);
      i++;
      continue;
    }
    i++;
    if (load<u8>(tp + <usize>i) == 36) {
      out.byte(36);
      i++;
      continue;
    }
    let name = "";
    let braced = false;
    let j = i;
    if (load<u8>(tp + <usize>j) == 123) {
      braced = true;
      j++;
    }
    const start = j;
    while (j < tn) {
      const d = load<u8>(tp + <usize>j);
      const ok = d == 95 || (d >= 48 && d <= 57) || (d >= 65 && d <= 90) || (d >= 97 && d <= 122);
      if (!ok) break;
      j++;
    }
    name = String.UTF8.decodeUnsafe(tp + <usize>start, <usize>(j - start), false);
    if (name.length == 0 || (braced && (j >= tn || load<u8>(tp + <usize>j) != 125))) {
      // not a valid reference: keep the '$' literally
      out.byte(36);
      continue;
    }
    if (braced) j++;
    i = j;
    // group number or name
    let g: i32 = -1;
    let numeric = true;
    for (let k = 0; k < name.length; k++) {
      const d = name.charCodeAt(k);
      if (d < 48 || d > 57) numeric = false;
    }
    if (numeric) g = I32.parseInt(name);
    else {
      for (let k = 0; k < re.names.length; k++) {
        if (re.names[k] == name) {
          g = k + 1;
          break;
        }
      }
    }
    if (g >= 0 && g * 2 + 1 < m.length && m[g * 2] >= 0) out.bytes(src + <usize>m[g * 2], <u32>(m[g * 2 + 1] - m[g * 2]));
  }
}

export function opa_b_regex_replace(s: usize, pattern: usize, value: usize): usize {
  if (!isStr(s) || !isStr(pattern) || !isStr(value)) return setError("regex.replace: operands must be strings");
  const re = compile(pattern);
  if (re == null) return setError("regex.replace: invalid regular expression");
  const p = strPtr(s);
  const n = strLen(s);
  const ms = replaceMatches(re, p, n);
  const out = new Buf(n + 16);
  let last: i32 = 0;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    if (m[0] > last) out.bytes(p + <usize>last, <u32>(m[0] - last));
    expand(out, re, strPtr(value), strLen(value), p, m);
    if (m[1] > last) last = m[1];
  }
  out.bytes(p + <usize>last, n - <u32>last);
  return mkStringRef(out.ptr, out.len);
}

// ---------------------------------------------------------------- glob.match

function escapeInto(b: Buf, c: u32): void {
  // regex-quote a code point given as UTF-8 bytes
  const special = c == 92 || c == 46 || c == 43 || c == 42 || c == 63 || c == 40 || c == 41 || c == 124 || c == 91 || c == 93 || c == 123 || c == 125 || c == 94 || c == 36 || c == 45;
  if (special) b.byte(92);
}

let gp: usize = 0;
let gend: usize = 0;
let gerr: bool = false;

/** Negated class of the delimiters, e.g. [^.] (or "(?s:.)" when there are none). */
function notDelims(b: Buf, delims: Buf): void {
  if (delims.len == 0) {
    b.ascii("(?s:.)");
    return;
  }
  b.ascii("[^");
  b.bytes(delims.ptr, delims.len);
  b.byte(93);
}

/** Translates glob syntax up to `stop` (0 for the end, or ',' / '}' inside alternatives). */
function globToRegex(b: Buf, delims: Buf, inAlt: bool): void {
  while (gp < gend) {
    const c = <u32>load<u8>(gp);
    if (inAlt && (c == 44 || c == 125)) return;
    if (c == 42) {
      if (gp + 1 < gend && load<u8>(gp + 1) == 42) {
        b.ascii("(?s:.)*");
        gp += 2;
      } else {
        notDelims(b, delims);
        b.byte(42);
        gp++;
      }
      continue;
    }
    if (c == 63) {
      notDelims(b, delims);
      gp++;
      continue;
    }
    if (c == 91) {
      gp++;
      b.byte(91);
      if (gp < gend && load<u8>(gp) == 33) {
        b.byte(94);
        gp++;
      }
      let closed = false;
      while (gp < gend) {
        const d = <u32>load<u8>(gp);
        if (d == 93) {
          closed = true;
          gp++;
          break;
        }
        if (d == 92 && gp + 1 < gend) {
          gp++;
          b.byte(92);
          b.byte(load<u8>(gp));
          gp++;
          continue;
        }
        if (d == 45) b.byte(45);
        else {
          if (d == 94 || d == 91) b.byte(92);
          b.byte(d);
        }
        gp++;
      }
      if (!closed) gerr = true;
      b.byte(93);
      continue;
    }
    if (c == 123) {
      gp++;
      b.ascii("(?:");
      while (true) {
        globToRegex(b, delims, true);
        if (gp >= gend) {
          gerr = true;
          return;
        }
        const d = load<u8>(gp);
        gp++;
        if (d == 44) b.byte(124);
        else break;
      }
      b.byte(41);
      continue;
    }
    if (c == 92) {
      gp++;
      if (gp >= gend) {
        gerr = true;
        return;
      }
    }
    decodeRune(gp, gend);
    const size = RUNE_SIZE;
    escapeInto(b, <u32>load<u8>(gp));
    b.bytes(gp, size);
    gp += <usize>size;
  }
}

export function opa_b_glob_match(pattern: usize, delimiters: usize, value: usize): usize {
  if (!isStr(pattern) || !isStr(value)) return setError("glob.match: pattern and match must be strings");
  const delims = new Buf(8);
  if (delimiters != 0 && load<u32>(delimiters) == T_NULL) {
    // no delimiters
  } else {
    const ds = elements(delimiters);
    if (ds == 0) return setError("glob.match: delimiters must be an array");
    for (let i: u32 = 0; i < arrLen(ds); i++) {
      const d = arrGet(ds, i);
      if (!isStr(d)) return setError("glob.match: delimiters must be strings");
      for (let k: u32 = 0; k < strLen(d); k++) {
        const c = <u32>load<u8>(strPtr(d) + <usize>k);
        if (c == 92 || c == 93 || c == 94 || c == 45) delims.byte(92);
        delims.byte(c);
      }
    }
    if (arrLen(ds) == 0) delims.byte(46);
  }
  const b = new Buf(64);
  b.ascii("^(?:");
  gp = strPtr(pattern);
  gend = gp + <usize>strLen(pattern);
  gerr = false;
  globToRegex(b, delims, false);
  if (gerr) return setError("glob.match: invalid pattern");
  b.ascii(")$");
  const re = compile(mkStringRef(b.ptr, b.len));
  if (re == null) return setError("glob.match: invalid pattern");
  return mkBool(matches(re, strPtr(value), strLen(value)));
}

