// sprintf with Go's fmt semantics, as OPA passes the arguments: integers as int (or *big.Int
// beyond 64 bits), other numbers as float64, strings as string, every other value as its Rego
// text. Supports flags (+ - # 0 space), width, precision and the verbs v s d f F e E g G x X o b
// c q t T %, with Go's %!verb(type=value), %!verb(MISSING) and %!(EXTRA ...) notes.
import {
  T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, N_INT, N_FLOAT, N_REF,
  arrLen, arrGet, numKind, intOf, floatOf, refPtr, refLen, strPtr, strLen, mkStringRef, strToAS,
  refIsInteger, numToF64, numAsI64, INT_OUT, tblSort, tblCount, tblEntry, entKey, entValue,
} from "../value";
import { Buf } from "../buffer";
import { dumpNumber } from "../json";
import { setError } from "./errors";
import { decodeRune, RUNE_SIZE } from "./strings";

const K_INT: i32 = 0;
const K_BIG: i32 = 1;
const K_FLOAT: i32 = 2;
const K_STR: i32 = 3;

class Arg {
  kind: i32 = K_STR;
  i: i64 = 0;
  big: string = ""; // decimal text of a big integer
  f: f64 = 0;
  s: string = "";
}

/** OPA's ast String() text of a value (used for %v of composites). */
export function regoText(b: Buf, v: usize): void {
  switch (load<u32>(v)) {
    case T_STRING:
      goQuote(b, strToAS(v));
      return;
    case T_NUMBER:
      dumpNumber(b, v);
      return;
    case T_ARRAY: {
      b.byte(91);
      for (let i: u32 = 0; i < arrLen(v); i++) {
        if (i > 0) b.ascii(", ");
        regoText(b, arrGet(v, i));
      }
      b.byte(93);
      return;
    }
    case T_OBJECT: {
      tblSort(v);
      b.byte(123);
      for (let i: u32 = 0; i < tblCount(v); i++) {
        if (i > 0) b.ascii(", ");
        const e = tblEntry(v, i);
        regoText(b, entKey(e));
        b.ascii(": ");
        regoText(b, entValue(e));
      }
      b.byte(125);
      return;
    }
    case T_SET: {
      tblSort(v);
      if (tblCount(v) == 0) {
        b.ascii("set()");
        return;
      }
      b.byte(123);
      for (let i: u32 = 0; i < tblCount(v); i++) {
        if (i > 0) b.ascii(", ");
        regoText(b, entKey(tblEntry(v, i)));
      }
      b.byte(125);
      return;
    }
    case 1:
      b.ascii("null");
      return;
    case 2:
      b.ascii(load<u32>(v, 4) != 0 ? "true" : "false");
      return;
  }
}

function toArg(v: usize): Arg {
  const a = new Arg();
  const t = load<u32>(v);
  if (t == T_NUMBER) {
    const k = numKind(v);
    if (k == N_INT) {
      a.kind = K_INT;
      a.i = intOf(v);
      return a;
    }
    if (numAsI64(v) && (k != N_FLOAT)) {
      a.kind = K_INT;
      a.i = INT_OUT;
      return a;
    }
    if (k == N_REF && refIsInteger(refPtr(v), refLen(v))) {
      a.kind = K_BIG;
      a.big = String.UTF8.decodeUnsafe(refPtr(v), <usize>refLen(v), false);
      // strip leading zeros
      return a;
    }
    if (k == N_FLOAT && numAsI64(v)) {
      // integral floats from arithmetic print as integers in OPA (their text has no fraction)
      a.kind = K_INT;
      a.i = INT_OUT;
      return a;
    }
    a.kind = K_FLOAT;
    a.f = numToF64(v);
    return a;
  }
  if (t == T_STRING) {
    a.kind = K_STR;
    a.s = strToAS(v);
    return a;
  }
  const b = new Buf(32);
  regoText(b, v);
  a.kind = K_STR;
  a.s = String.UTF8.decodeUnsafe(b.ptr, <usize>b.len, false);
  return a;
}

function typeName(a: Arg): string {
  if (a.kind == K_INT) return "int";
  if (a.kind == K_BIG) return "*big.Int";
  if (a.kind == K_FLOAT) return "float64";
  return "string";
}

// ---------------------------------------------------------------- float digits

/** Shortest decimal digits of |f| and the decimal point position: |f| = 0.DIGITS * 10^DP. */
let DIGITS: string = "";
let DP: i32 = 0;

function shortest(f: f64): void {
  let s = Math.abs(f).toString();
  let exp: i32 = 0;
  const e = s.indexOf("e");
  if (e >= 0) {
    exp = I32.parseInt(s.substring(e + 1));
    s = s.substring(0, e);
  }
  const dot = s.indexOf(".");
  let intPart = dot >= 0 ? s.substring(0, dot) : s;
  let frac = dot >= 0 ? s.substring(dot + 1) : "";
  if (frac == "0") frac = "";
  let digits = intPart + frac;
  let dp = intPart.length + exp;
  // strip leading zeros
  let k = 0;
  while (k < digits.length - 1 && digits.charCodeAt(k) == 48) {
    k++;
    dp--;
  }
  digits = digits.substring(k);
  // strip trailing zeros
  let n = digits.length;
  while (n > 1 && digits.charCodeAt(n - 1) == 48) n--;
  digits = digits.substring(0, n);
  if (digits == "0") dp = 1;
  DIGITS = digits;
  DP = dp;
}

/** Rounds DIGITS to n significant digits (half up), adjusting DP. */
function roundDigits(n: i32): void {
  if (n < 0) n = 0;
  if (DIGITS.length <= n) {
    DIGITS = DIGITS + "0".repeat(n - DIGITS.length);
    return;
  }
  const up = DIGITS.charCodeAt(n) >= 53;
  let d = DIGITS.substring(0, n);
  if (up) {
    // increment
    let i = n - 1;
    let arr = new Array<i32>(n);
    for (let k = 0; k < n; k++) arr[k] = d.charCodeAt(k) - 48;
    while (i >= 0) {
      if (arr[i] == 9) {
        arr[i] = 0;
        i--;
      } else {
        arr[i]++;
        break;
      }
    }
    d = "";
    for (let k = 0; k < n; k++) d += String.fromCharCode(48 + arr[k]);
    if (i < 0) {
      d = "1" + d.substring(0, n > 0 ? n - 1 : 0);
      if (n == 0) d = "1";
      DP++;
      if (n == 0) {
        DIGITS = "";
        return;
      }
    }
  }
  DIGITS = d;
}

function expText(e: i32): string {
  const neg = e < 0;
  let s = (neg ? -e : e).toString();
  if (s.length < 2) s = "0" + s;
  return (neg ? "e-" : "e+") + s;
}

function fmtE(f: f64, prec: i32, upper: bool): string {
  if (f == 0) {
    return (prec > 0 ? "0." + "0".repeat(prec) : "0") + (upper ? "E+00" : "e+00");
  }
  shortest(f);
  if (prec >= 0) roundDigits(prec + 1);
  const d = DIGITS;
  const mant = d.length > 1 ? d.substring(0, 1) + "." + d.substring(1) : d;
  const s = mant + expText(DP - 1);
  return upper ? s.toUpperCase() : s;
}

function fmtF(f: f64, prec: i32): string {
  if (f == 0) return prec > 0 ? "0." + "0".repeat(prec) : "0";
  shortest(f);
  if (prec >= 0) {
    const sig = DP + prec;
    if (sig < 0) return prec > 0 ? "0." + "0".repeat(prec) : "0";
    roundDigits(sig);
  }
  let d = DIGITS;
  let intPart: string;
  let frac: string;
  if (DP <= 0) {
    intPart = "0";
    frac = "0".repeat(-DP) + d;
  } else if (DP >= d.length) {
    intPart = d + "0".repeat(DP - d.length);
    frac = "";
  } else {
    intPart = d.substring(0, DP);
    frac = d.substring(DP);
  }
  if (prec >= 0) {
    if (frac.length < prec) frac += "0".repeat(prec - frac.length);
    else frac = frac.substring(0, prec);
  }
  return frac.length > 0 ? intPart + "." + frac : intPart;
}

/** %g / %v: shortest digits (or prec significant digits), %e form when the exponent is out of range. */
function fmtG(f: f64, prec: i32, upper: bool, vThreshold: bool): string {
  if (f == 0) return "0";
  shortest(f);
  let eprec: i32;
  if (prec >= 0) {
    if (prec == 0) prec = 1;
    roundDigits(prec);
    // trailing zeros are removed by %g
    let n = DIGITS.length;
    while (n > 1 && DIGITS.charCodeAt(n - 1) == 48) n--;
    DIGITS = DIGITS.substring(0, n);
    eprec = prec;
  } else eprec = vThreshold ? 21 : 6;
  const exp = DP - 1;
  let s: string;
  if (exp < -4 || exp >= eprec) {
    const d = DIGITS;
    const mant = d.length > 1 ? d.substring(0, 1) + "." + d.substring(1) : d;
    s = mant + expText(exp);
  } else {
    const d = DIGITS;
    if (DP <= 0) s = "0." + "0".repeat(-DP) + d;
    else if (DP >= d.length) s = d + "0".repeat(DP - d.length);
    else s = d.substring(0, DP) + "." + d.substring(DP);
  }
  return upper ? s.toUpperCase() : s;
}

// ---------------------------------------------------------------- integers

const HEXL: string = "0123456789abcdef";
const HEXU: string = "0123456789ABCDEF";

function u64ToBase(u: u64, base: u64, upper: bool): string {
  if (u == 0) return "0";
  const digs = upper ? HEXU : HEXL;
  let s = "";
  while (u > 0) {
    s = digs.charAt(<i32>(u % base)) + s;
    u /= base;
  }
  return s;
}

/** Converts decimal magnitude text to another base (small bases, schoolbook division). */
function bigToBase(dec: string, base: i32, upper: bool): string {
  let digits = new Array<i32>();
  for (let i = 0; i < dec.length; i++) digits.push(dec.charCodeAt(i) - 48);
  const digs = upper ? HEXU : HEXL;
  let out = "";
  while (digits.length > 0 && !(digits.length == 1 && digits[0] == 0)) {
    const q = new Array<i32>();
    let rem: i32 = 0;
    for (let i = 0; i < digits.length; i++) {
      const cur = rem * 10 + digits[i];
      const d = cur / base;
      rem = cur % base;
      if (q.length > 0 || d != 0) q.push(d);
    }
    out = digs.charAt(rem) + out;
    digits = q;
  }
  return out.length == 0 ? "0" : out;
}

// ---------------------------------------------------------------- formatting

class Spec {
  plus: bool = false;
  minus: bool = false;
  sharp: bool = false;
  zero: bool = false;
  space: bool = false;
  width: i32 = -1;
  prec: i32 = -1;
}

function runeLen(s: string): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

function pad(out: Buf, s: string, sp: Spec, numeric: bool): void {
  const n = runeLen(s);
  if (sp.width <= n) {
    out.utf8(s);
    return;
  }
  const fill = sp.width - n;
  if (sp.minus) {
    out.utf8(s);
    for (let i = 0; i < fill; i++) out.byte(32);
  } else if (sp.zero && numeric) {
    // zeros go after the sign
    let start = 0;
    if (s.length > 0 && (s.charCodeAt(0) == 45 || s.charCodeAt(0) == 43 || s.charCodeAt(0) == 32)) {
      out.byte(s.charCodeAt(0));
      start = 1;
    }
    for (let i = 0; i < fill; i++) out.byte(48);
    out.utf8(s.substring(start));
  } else {
    for (let i = 0; i < fill; i++) out.byte(32);
    out.utf8(s);
  }
}

function signed(neg: bool, mag: string, sp: Spec): string {
  if (neg) return "-" + mag;
  if (sp.plus) return "+" + mag;
  if (sp.space) return " " + mag;
  return mag;
}

function bad(out: Buf, verb: i32, a: Arg): void {
  out.ascii("%!");
  out.byte(<u32>verb);
  out.byte(40);
  out.ascii(typeName(a));
  out.byte(61);
  out.utf8(plainValue(a));
  out.byte(41);
}

function plainValue(a: Arg): string {
  if (a.kind == K_INT) return a.i.toString();
  if (a.kind == K_BIG) return a.big;
  if (a.kind == K_FLOAT) return fmtG(a.f, -1, false, true);
  return a.s;
}

export function goQuote(out: Buf, s: string): void {
  out.byte(34);
  for (let i = 0; i < s.length; i++) {
    let c = <u32>s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const lo = <u32>s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (c == 34) out.ascii("\\\"");
    else if (c == 92) out.ascii("\\\\");
    else if (c == 10) out.ascii("\\n");
    else if (c == 13) out.ascii("\\r");
    else if (c == 9) out.ascii("\\t");
    else if (c == 7) out.ascii("\\a");
    else if (c == 8) out.ascii("\\b");
    else if (c == 12) out.ascii("\\f");
    else if (c == 11) out.ascii("\\v");
    else if (c < 32 || c == 127) {
      out.ascii("\\x");
      out.byte(HEXL.charCodeAt(c >> 4));
      out.byte(HEXL.charCodeAt(c & 15));
    } else if (c == 0xfffd || (c >= 0x80 && c < 0xa0)) {
      out.ascii(c == 0xfffd ? "\\ufffd" : "\\u00" + HEXL.charAt(c >> 4) + HEXL.charAt(c & 15));
    } else out.utf8(String.fromCodePoint(c));
  }
  out.byte(34);
}

function formatOne(out: Buf, verb: i32, a: Arg, sp: Spec): void {
  switch (verb) {
    case 118: // v
      if (a.kind == K_FLOAT) pad(out, signed(a.f < 0, fmtG(Math.abs(a.f), sp.prec, false, true), sp), sp, true);
      else if (a.kind == K_STR) pad(out, sp.prec >= 0 ? truncRunes(a.s, sp.prec) : a.s, sp, false);
      else formatInt(out, a, sp, 10, false);
      return;
    case 115: // s
      if (a.kind == K_STR) pad(out, sp.prec >= 0 ? truncRunes(a.s, sp.prec) : a.s, sp, false);
      else if (a.kind == K_BIG) formatInt(out, a, sp, 10, false);
      else bad(out, verb, a);
      return;
    case 100: // d
      if (a.kind == K_INT || a.kind == K_BIG) formatInt(out, a, sp, 10, false);
      else bad(out, verb, a);
      return;
    case 120: // x
    case 88: {
      const upper = verb == 88;
      if (a.kind == K_INT || a.kind == K_BIG) formatInt(out, a, sp, 16, upper);
      else if (a.kind == K_STR) {
        const b = String.UTF8.encode(a.s, false);
        const p = changetype<usize>(b);
        let s = "";
        for (let i = 0; i < b.byteLength; i++) {
          const c = <i32>load<u8>(p + <usize>i);
          const digs = upper ? HEXU : HEXL;
          if (sp.space && i > 0) s += " ";
          if (sp.sharp && (sp.space || i == 0)) s += upper ? "0X" : "0x";
          s += digs.charAt(c >> 4) + digs.charAt(c & 15);
        }
        pad(out, s, sp, false);
      } else bad(out, verb, a);
      return;
    }
    case 111: // o
    case 98: // b
      if (a.kind == K_INT || a.kind == K_BIG) formatInt(out, a, sp, verb == 111 ? 8 : 2, false);
      else bad(out, verb, a);
      return;
    case 102: // f
    case 70:
      if (a.kind == K_FLOAT) pad(out, signed(a.f < 0, fmtF(a.f, sp.prec < 0 ? 6 : sp.prec), sp), sp, true);
      else bad(out, verb, a);
      return;
    case 101: // e
    case 69:
      if (a.kind == K_FLOAT) pad(out, signed(a.f < 0, fmtE(a.f, sp.prec < 0 ? 6 : sp.prec, verb == 69), sp), sp, true);
      else bad(out, verb, a);
      return;
    case 103: // g
    case 71:
      if (a.kind == K_FLOAT) pad(out, signed(a.f < 0, fmtG(Math.abs(a.f), sp.prec, verb == 71, false), sp), sp, true);
      else bad(out, verb, a);
      return;
    case 113: {
      // q
      const b = new Buf(16);
      if (a.kind == K_STR) goQuote(b, a.s);
      else if (a.kind == K_INT) {
        b.byte(39);
        b.utf8(String.fromCodePoint(<i32>a.i));
        b.byte(39);
      } else {
        bad(out, verb, a);
        return;
      }
      pad(out, String.UTF8.decodeUnsafe(b.ptr, <usize>b.len, false), sp, false);
      return;
    }
    case 99: // c
      if (a.kind == K_INT) pad(out, String.fromCodePoint(<i32>a.i), sp, false);
      else bad(out, verb, a);
      return;
    case 84: // T
      pad(out, typeName(a), sp, false);
      return;
  }
  bad(out, verb, a);
}

function truncRunes(s: string, n: i32): string {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) continue;
    if (count == n) return s.substring(0, i);
    count++;
  }
  return s;
}

function formatInt(out: Buf, a: Arg, sp: Spec, base: i32, upper: bool): void {
  let neg: bool;
  let mag: string;
  if (a.kind == K_INT) {
    neg = a.i < 0;
    const u: u64 = neg ? <u64>(-a.i) : <u64>a.i;
    mag = u64ToBase(u, <u64>base, upper);
  } else {
    neg = a.big.charCodeAt(0) == 45;
    let d = neg ? a.big.substring(1) : a.big;
    let k = 0;
    while (k < d.length - 1 && d.charCodeAt(k) == 48) k++;
    d = d.substring(k);
    mag = base == 10 ? d : bigToBase(d, base, upper);
  }
  if (sp.prec >= 0 && mag.length < sp.prec) mag = "0".repeat(sp.prec - mag.length) + mag;
  if (sp.sharp) {
    if (base == 16) mag = (upper ? "0X" : "0x") + mag;
    else if (base == 8 && mag.charCodeAt(0) != 48) mag = "0" + mag;
    else if (base == 2) mag = "0b" + mag;
  }
  pad(out, signed(neg, mag, sp), sp, sp.prec < 0);
}

export function opa_b_sprintf(format: usize, values: usize): usize {
  if (format == 0 || load<u32>(format) != T_STRING) return setError("sprintf: operand 1 must be string");
  if (values == 0 || load<u32>(values) != T_ARRAY) return setError("sprintf: operand 2 must be array");
  const n = arrLen(values);
  const args = new Array<Arg>();
  for (let i: u32 = 0; i < n; i++) args.push(toArg(arrGet(values, i)));
  const out = new Buf(64);
  const p = strPtr(format);
  const end = p + <usize>strLen(format);
  let q = p;
  let argi = 0;
  while (q < end) {
    const c = <u32>load<u8>(q);
    if (c != 37) {
      decodeRune(q, end);
      out.bytes(q, RUNE_SIZE);
      q += <usize>RUNE_SIZE;
      continue;
    }
    q++;
    const sp = new Spec();
    // flags
    while (q < end) {
      const f = load<u8>(q);
      if (f == 43) sp.plus = true;
      else if (f == 45) {
        sp.minus = true;
        sp.zero = false;
      } else if (f == 35) sp.sharp = true;
      else if (f == 48) sp.zero = !sp.minus;
      else if (f == 32) sp.space = true;
      else break;
      q++;
    }
    // width
    if (q < end && load<u8>(q) == 42) {
      q++;
      if (argi < args.length && args[argi].kind == K_INT) {
        sp.width = <i32>args[argi].i;
        if (sp.width < 0) {
          sp.minus = true;
          sp.width = -sp.width;
        }
      } else out.ascii("%!(BADWIDTH)");
      argi++;
    } else {
      while (q < end && load<u8>(q) >= 48 && load<u8>(q) <= 57) {
        sp.width = (sp.width < 0 ? 0 : sp.width) * 10 + <i32>(load<u8>(q) - 48);
        q++;
      }
    }
    // precision
    if (q < end && load<u8>(q) == 46) {
      q++;
      sp.prec = 0;
      if (q < end && load<u8>(q) == 42) {
        q++;
        if (argi < args.length && args[argi].kind == K_INT) sp.prec = <i32>args[argi].i;
        else out.ascii("%!(BADPREC)");
        argi++;
      } else {
        while (q < end && load<u8>(q) >= 48 && load<u8>(q) <= 57) {
          sp.prec = sp.prec * 10 + <i32>(load<u8>(q) - 48);
          q++;
        }
      }
    }
    if (q >= end) {
      out.ascii("%!(NOVERB)");
      break;
    }
    decodeRune(q, end);
    const verb = <i32>load<u8>(q);
    q += <usize>RUNE_SIZE;
    if (verb == 37) {
      out.byte(37);
      continue;
    }
    if (argi >= args.length) {
      out.ascii("%!");
      out.byte(<u32>verb);
      out.ascii("(MISSING)");
      continue;
    }
    formatOne(out, verb, args[argi], sp);
    argi++;
  }
  if (argi < args.length) {
    out.ascii("%!(EXTRA ");
    for (let i = argi; i < args.length; i++) {
      if (i > argi) out.ascii(", ");
      out.ascii(typeName(args[i]));
      out.byte(61);
      out.utf8(plainValue(args[i]));
    }
    out.byte(41);
  }
  return mkStringRef(out.ptr, out.len);
}


// ---------------------------------------------------------------- template strings

/**
 * internal.template_string(parts): string parts are literal text; every other part is the set of
 * an expression's values: empty prints "<undefined>", one value prints raw (strings) or as Rego
 * text, more than one is an error.
 */
export function opa_b_internal_template_string(parts: usize): usize {
  if (parts == 0 || load<u32>(parts) != T_ARRAY) return setError("internal.template_string: operand must be an array");
  const out = new Buf(64);
  for (let i: u32 = 0; i < arrLen(parts); i++) {
    const p = arrGet(parts, i);
    const t = load<u32>(p);
    if (t == T_STRING) {
      out.bytes(strPtr(p), strLen(p));
      continue;
    }
    if (t != T_SET) {
      regoText(out, p);
      continue;
    }
    const n = tblCount(p);
    if (n == 0) {
      out.ascii("<undefined>");
      continue;
    }
    if (n > 1) return setError("template string: expression produced multiple values");
    const v = entKey(tblEntry(p, 0));
    if (load<u32>(v) == T_STRING) out.bytes(strPtr(v), strLen(v));
    else regoText(out, v);
  }
  return mkStringRef(out.ptr, out.len);
}
