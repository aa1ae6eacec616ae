// Exact decimal arithmetic for non-integer numbers: OPA computes with 64-bit-mantissa big.Float
// values and prints the shortest text that identifies the result, so sums and products of short
// decimals come out exact (0.1 + 0.2 == 0.3), unlike f64 arithmetic. Values are sign, digit
// string (no leading zeros) and a power-of-ten exponent.
import { bigAdd, bigMul, divMag, DIV_EXACT, DIV_SCALE } from "./bigint";

export class Dec {
  digits: string; // signed integer text, e.g. "-15"
  exp: i32; // value = digits * 10^exp
  constructor(digits: string, exp: i32) {
    this.digits = digits;
    this.exp = exp;
  }
}

const MAX_DIGITS = 400;

/** Parses JSON number text; null if it is not one or is too large to handle exactly. */
export function parseDec(s: string): Dec | null {
  let i = 0;
  const n = s.length;
  let neg = false;
  if (i < n && s.charCodeAt(i) == 45) {
    neg = true;
    i++;
  }
  let digits = "";
  let exp: i32 = 0;
  let seen = false;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    digits += s.charAt(i);
    i++;
    seen = true;
  }
  if (i < n && s.charCodeAt(i) == 46) {
    i++;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      digits += s.charAt(i);
      exp--;
      i++;
      seen = true;
    }
  }
  if (!seen) return null;
  if (i < n && (s.charCodeAt(i) == 101 || s.charCodeAt(i) == 69)) {
    i++;
    let eneg = false;
    if (i < n && (s.charCodeAt(i) == 43 || s.charCodeAt(i) == 45)) {
      eneg = s.charCodeAt(i) == 45;
      i++;
    }
    let e: i32 = 0;
    let ed = 0;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      e = e * 10 + (s.charCodeAt(i) - 48);
      if (e > 100000) return null;
      i++;
      ed++;
    }
    if (ed == 0) return null;
    exp += eneg ? -e : e;
  }
  if (i != n) return null;
  // strip leading zeros
  let k = 0;
  while (k < digits.length - 1 && digits.charCodeAt(k) == 48) k++;
  digits = digits.substring(k);
  if (digits.length > MAX_DIGITS || exp > MAX_DIGITS || exp < -MAX_DIGITS) return null;
  return new Dec(neg && digits != "0" ? "-" + digits : digits, exp);
}

function zeros(n: i32): string {
  return "0".repeat(n);
}

function align(a: Dec, b: Dec): i32 {
  return a.exp < b.exp ? a.exp : b.exp;
}

function scaled(d: Dec, exp: i32): string {
  if (d.digits == "0") return "0";
  return d.digits + zeros(d.exp - exp);
}

export function decAdd(a: Dec, b: Dec): Dec {
  const e = align(a, b);
  return new Dec(bigAdd(scaled(a, e), scaled(b, e)), e);
}

export function decSub(a: Dec, b: Dec): Dec {
  const e = align(a, b);
  const bs = scaled(b, e);
  return new Dec(bigAdd(scaled(a, e), bs.charCodeAt(0) == 45 ? bs.substring(1) : bs == "0" ? "0" : "-" + bs), e);
}

export function decMul(a: Dec, b: Dec): Dec {
  return new Dec(bigMul(a.digits, b.digits), a.exp + b.exp);
}

/** Normalized text: integers without exponent; other values as plain decimals. */
export function decToString(d: Dec): string {
  let digits = d.digits;
  let exp = d.exp;
  const neg = digits.charCodeAt(0) == 45;
  if (neg) digits = digits.substring(1);
  if (digits == "0") return "0";
  while (exp < 0 && digits.length > 1 && digits.charCodeAt(digits.length - 1) == 48) {
    digits = digits.substring(0, digits.length - 1);
    exp++;
  }
  let out: string;
  if (exp >= 0) {
    if (digits.length + exp > 40) out = sci(digits, exp);
    else out = digits + zeros(exp);
  } else {
    const point = digits.length + exp;
    if (point > 0) out = digits.substring(0, point) + "." + digits.substring(point);
    else if (point > -20) out = "0." + zeros(-point) + digits;
    else out = sci(digits, exp);
  }
  return neg ? "-" + out : out;
}

function sci(digits: string, exp: i32): string {
  // d.ddd e(exp + len - 1), trailing zeros removed
  let d = digits;
  let e = exp + d.length - 1;
  while (d.length > 1 && d.charCodeAt(d.length - 1) == 48) d = d.substring(0, d.length - 1);
  const mant = d.length > 1 ? d.substring(0, 1) + "." + d.substring(1) : d;
  return mant + "e" + (e < 0 ? "-" : "+") + (e < 0 ? (-e).toString() : e.toString());
}

/** True if the decimal is an integer (exponent >= 0 after normalization). */
export function decIsInteger(d: Dec): bool {
  if (d.exp >= 0) return true;
  let digits = d.digits;
  let exp = d.exp;
  while (exp < 0 && digits.length > 1 && digits.charCodeAt(digits.length - 1) == 48) {
    digits = digits.substring(0, digits.length - 1);
    exp++;
  }
  return exp >= 0 || digits == "0" || digits == "-0";
}

/** a / b if the quotient is an exact decimal of at most 30 significant digits; null otherwise. */
export function decDivExact(a: Dec, b: Dec): Dec | null {
  const an = a.digits.charCodeAt(0) == 45;
  const bn = b.digits.charCodeAt(0) == 45;
  const am = an ? a.digits.substring(1) : a.digits;
  const bm = bn ? b.digits.substring(1) : b.digits;
  if (bm == "0") return null;
  if (am == "0") return new Dec("0", 0);
  const q = divMag(am, bm, 30);
  if (!DIV_EXACT) return null;
  return new Dec(an != bn ? "-" + q : q, a.exp - b.exp - DIV_SCALE);
}
