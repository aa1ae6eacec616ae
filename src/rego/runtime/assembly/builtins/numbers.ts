// Arithmetic, comparison and number builtins.
import {
  T_NUMBER, T_STRING, T_ARRAY, T_SET, T_NULL, T_BOOLEAN, N_INT, N_FLOAT, N_REF,
  mkInt, mkFloat, mkNumRef, mkBool, mkArray, arrAppend, numKind, intOf, floatOf, refPtr, refLen,
  numToF64, numAsI64, INT_OUT, refIsInteger, compareValues, valueEqual, strPtr, strLen, mkStringFromAS,
  boolOf, mkStringCopy,
} from "../value";
import { bigAdd, bigSub, bigMul } from "../bigint";
import { Dec, parseDec, decAdd, decSub, decMul, decDivExact, decToString } from "../decimal";
import { Buf } from "../buffer";
import { formatFloat } from "../json";
import { setError } from "./errors";

export function isNumber(v: usize): bool {
  return v != 0 && load<u32>(v) == T_NUMBER;
}

/** A number value from an f64 result: integral values become ints, as OPA prints them. */
export function numFromF64(f: f64): usize {
  if (isFinite(f) && f == Math.floor(f) && Math.abs(f) < 9.007199254740992e15) return mkInt(<i64>f);
  if (!isFinite(f)) return 0;
  return mkFloat(f);
}

/** Integer text of a number known to be integral; "" if not an integer. */
function integerText(v: usize): string {
  const k = numKind(v);
  if (k == N_INT) return intOf(v).toString();
  if (k == N_REF && refIsInteger(refPtr(v), refLen(v))) return String.UTF8.decodeUnsafe(refPtr(v), <usize>refLen(v), false);
  if (numAsI64(v)) return INT_OUT.toString();
  return "";
}

function fromIntText(s: string): usize {
  const neg = s.charCodeAt(0) == 45;
  const digits = neg ? s.length - 1 : s.length;
  if (digits <= 18) return mkInt(I64.parseInt(s, 10));
  const b = String.UTF8.encode(s, false);
  return mkNumRef(changetype<usize>(b), <u32>b.byteLength);
}

/** i64 values of both operands if both are integers in i64 range. */
let X: i64 = 0;
let Y: i64 = 0;

function bothI64(a: usize, b: usize): bool {
  if (!numAsI64(a)) return false;
  X = INT_OUT;
  if (!numAsI64(b)) return false;
  Y = INT_OUT;
  return true;
}

function bothIntegral(a: usize, b: usize): bool {
  return integerText(a) != "" && integerText(b) != "";
}

/** Exact decimal form of a number (refs from their text, floats from their shortest text). */
function toDec(v: usize): Dec | null {
  const k = numKind(v);
  if (k == N_INT) return new Dec(intOf(v).toString(), 0);
  if (k == N_REF) return parseDec(String.UTF8.decodeUnsafe(refPtr(v), <usize>refLen(v), false));
  const f = floatOf(v);
  if (!isFinite(f)) return null;
  const b = new Buf(32);
  formatFloat(b, f);
  return parseDec(String.UTF8.decodeUnsafe(b.ptr, <usize>b.len, false));
}

/** A number value from exact decimal text: ints when integral and in range, else a ref. */
function fromDec(d: Dec): usize {
  const s = decToString(d);
  const b = String.UTF8.encode(s, false);
  const r = mkNumRef(changetype<usize>(b), <u32>b.byteLength);
  if (numAsI64(r)) return mkInt(INT_OUT);
  return r;
}

/** Exact decimal arithmetic (op: 0 add, 1 sub, 2 mul); 0 if an operand has no exact form. */
function decimalOp(a: usize, b: usize, op: i32): usize {
  const x = toDec(a);
  const y = toDec(b);
  if (x == null || y == null) return 0;
  return fromDec(op == 0 ? decAdd(x, y) : op == 1 ? decSub(x, y) : decMul(x, y));
}

export function arithPlus(a: usize, b: usize): usize {
  if (!isNumber(a) || !isNumber(b)) return setError("plus: operands must be numbers");
  if (bothI64(a, b)) {
    const r = X + Y;
    if (((X ^ r) & (Y ^ r)) >= 0) return mkInt(r);
  }
  if (bothIntegral(a, b)) return fromIntText(bigAdd(integerText(a), integerText(b)));
  const r = decimalOp(a, b, 0);
  return r != 0 ? r : numFromF64(numToF64(a) + numToF64(b));
}

export function arithMinus(a: usize, b: usize): usize {
  if (bothI64(a, b)) {
    const r = X - Y;
    if (((X ^ Y) & (X ^ r)) >= 0) return mkInt(r);
  }
  if (bothIntegral(a, b)) return fromIntText(bigSub(integerText(a), integerText(b)));
  const r = decimalOp(a, b, 1);
  return r != 0 ? r : numFromF64(numToF64(a) - numToF64(b));
}

export function arithMul(a: usize, b: usize): usize {
  if (bothI64(a, b)) {
    const r = X * Y;
    if (X == 0 || (r / X == Y && !(X == -1 && Y == i64.MIN_VALUE))) return mkInt(r);
  }
  if (bothIntegral(a, b)) return fromIntText(bigMul(integerText(a), integerText(b)));
  const r = decimalOp(a, b, 2);
  return r != 0 ? r : numFromF64(numToF64(a) * numToF64(b));
}

export function opa_b_plus(a: usize, b: usize): usize {
  return arithPlus(a, b);
}

export function opa_b_minus(a: usize, b: usize): usize {
  if (isNumber(a) && isNumber(b)) return arithMinus(a, b);
  if (a != 0 && b != 0 && load<u32>(a) == T_SET && load<u32>(b) == T_SET) return setDiff(a, b);
  return setError("minus: operands must be numbers or sets");
}

// set difference lives in sets.ts; imported lazily to avoid a cycle
import { setDiff } from "./sets";

export function opa_b_mul(a: usize, b: usize): usize {
  if (!isNumber(a) || !isNumber(b)) return setError("mul: operands must be numbers");
  return arithMul(a, b);
}

export function opa_b_div(a: usize, b: usize): usize {
  if (!isNumber(a) || !isNumber(b)) return setError("div: operands must be numbers");
  const y = numToF64(b);
  if (y == 0) return setError("div: divide by zero");
  if (bothI64(a, b) && Y != 0 && X % Y == 0 && !(X == i64.MIN_VALUE && Y == -1)) return mkInt(X / Y);
  // exact decimal quotients (1e109 / 1e100, 1 / 8) as OPA's big.Float prints them
  const x = toDec(a);
  const d = toDec(b);
  if (x != null && d != null) {
    const q = decDivExact(x, d);
    if (q != null) return fromDec(q);
  }
  return numFromF64(numToF64(a) / y);
}

export function opa_b_rem(a: usize, b: usize): usize {
  if (!isNumber(a) || !isNumber(b)) return setError("rem: operands must be numbers");
  if (!bothI64(a, b)) return setError("rem: modulo on floating-point number");
  if (Y == 0) return setError("rem: modulo by zero");
  if (Y == -1) return mkInt(0);
  return mkInt(X % Y);
}

export function opa_b_abs(a: usize): usize {
  if (!isNumber(a)) return setError("abs: operand must be a number");
  if (numKind(a) == N_INT) {
    const x = intOf(a);
    if (x != i64.MIN_VALUE) return mkInt(x < 0 ? -x : x);
  }
  const t = integerText(a);
  if (t != "") return fromIntText(t.charCodeAt(0) == 45 ? t.substring(1) : t);
  return numFromF64(Math.abs(numToF64(a)));
}

function rounding(a: usize, mode: i32): usize {
  if (!isNumber(a)) return setError("operand must be a number");
  if (integerText(a) != "") return a;
  const f = numToF64(a);
  let r: f64;
  if (mode == 0) r = f < 0 ? -Math.floor(-f + 0.5) : Math.floor(f + 0.5);
  else if (mode == 1) r = Math.ceil(f);
  else r = Math.floor(f);
  return numFromF64(r == 0 ? 0 : r);
}

export function opa_b_round(a: usize): usize {
  return rounding(a, 0);
}

export function opa_b_ceil(a: usize): usize {
  return rounding(a, 1);
}

export function opa_b_floor(a: usize): usize {
  return rounding(a, 2);
}

// ---------------------------------------------------------------- comparison

export function opa_b_equal(a: usize, b: usize): usize {
  return mkBool(valueEqual(a, b));
}

export function opa_b_neq(a: usize, b: usize): usize {
  return mkBool(!valueEqual(a, b));
}

export function opa_b_gt(a: usize, b: usize): usize {
  return mkBool(compareValues(a, b) > 0);
}

export function opa_b_gte(a: usize, b: usize): usize {
  return mkBool(compareValues(a, b) >= 0);
}

export function opa_b_lt(a: usize, b: usize): usize {
  return mkBool(compareValues(a, b) < 0);
}

export function opa_b_lte(a: usize, b: usize): usize {
  return mkBool(compareValues(a, b) <= 0);
}

// ---------------------------------------------------------------- numbers.*, casts

export function opa_b_numbers_range(a: usize, b: usize): usize {
  if (!isNumber(a) || !isNumber(b)) return setError("numbers.range: operands must be numbers");
  if (!bothI64(a, b)) return setError("numbers.range: operands must be integers");
  const n = X <= Y ? Y - X + 1 : X - Y + 1;
  if (n > 100000000) return setError("numbers.range: range too large");
  const r = mkArray(<u32>n);
  if (X <= Y) for (let i = X; i <= Y; i++) arrAppend(r, mkInt(i));
  else for (let i = X; i >= Y; i--) arrAppend(r, mkInt(i));
  return r;
}

export function opa_b_numbers_range_step(a: usize, b: usize, s: usize): usize {
  if (!isNumber(a) || !isNumber(b) || !isNumber(s)) return setError("numbers.range_step: operands must be numbers");
  if (!bothI64(a, b)) return setError("numbers.range_step: operands must be integers");
  let st: i64;
  if (numAsI64(s)) st = INT_OUT;
  else if (integerText(s) != "" || (numKind(s) == N_REF && refIsInteger(refPtr(s), refLen(s)))) {
    // beyond i64: only the first element can be in range
    st = integerText(s).charCodeAt(0) == 45 ? -1 : i64.MAX_VALUE;
  } else return setError("numbers.range_step: step must be an integer");
  if (st <= 0) return setError("numbers.range_step: step must be a positive number above zero");
  const r = mkArray(4);
  if (X <= Y) {
    for (let i = X; i <= Y; i += st) {
      arrAppend(r, mkInt(i));
      if (i > i64.MAX_VALUE - st) break;
    }
  } else {
    for (let i = X; i >= Y; i -= st) {
      arrAppend(r, mkInt(i));
      if (i < i64.MIN_VALUE + st) break;
    }
  }
  return r;
}

function validNumberText(p: usize, n: u32): bool {
  let i: u32 = 0;
  if (i < n && (load<u8>(p) == 45 || load<u8>(p) == 43)) i++;
  let digits = 0;
  while (i < n && load<u8>(p + <usize>i) >= 48 && load<u8>(p + <usize>i) <= 57) {
    i++;
    digits++;
  }
  if (i < n && load<u8>(p + <usize>i) == 46) {
    i++;
    while (i < n && load<u8>(p + <usize>i) >= 48 && load<u8>(p + <usize>i) <= 57) {
      i++;
      digits++;
    }
  }
  if (digits == 0) return false;
  if (i < n && (load<u8>(p + <usize>i) == 101 || load<u8>(p + <usize>i) == 69)) {
    i++;
    if (i < n && (load<u8>(p + <usize>i) == 45 || load<u8>(p + <usize>i) == 43)) i++;
    let ed = 0;
    while (i < n && load<u8>(p + <usize>i) >= 48 && load<u8>(p + <usize>i) <= 57) {
      i++;
      ed++;
    }
    if (ed == 0) return false;
  }
  return i == n;
}

export function opa_b_to_number(v: usize): usize {
  const t = load<u32>(v);
  if (t == T_NULL) return mkInt(0);
  if (t == T_BOOLEAN) return mkInt(boolOf(v) ? 1 : 0);
  if (t == T_NUMBER) return v;
  if (t == T_STRING) {
    const p = strPtr(v);
    const n = strLen(v);
    if (!validNumberText(p, n)) return setError("to_number: invalid syntax");
    let s = String.UTF8.decodeUnsafe(p, <usize>n, false);
    if (s.charCodeAt(0) == 43) s = s.substring(1);
    // normalize leading zeros / "1." forms through the JSON number grammar when possible
    const b = String.UTF8.encode(s, false);
    const c = mkStringCopy(changetype<usize>(b), <u32>b.byteLength);
    const r = mkNumRef(strPtr(c), strLen(c));
    if (numAsI64(r)) return mkInt(INT_OUT);
    const f = numToF64(r);
    if (!isFinite(f)) return r;
    return jsonNumberText(s) ? r : numFromF64(f);
  }
  return setError("to_number: operand must be null, boolean, number or string");
}

function jsonNumberText(s: string): bool {
  let i = 0;
  if (s.charCodeAt(0) == 45) i++;
  if (i >= s.length) return false;
  if (s.charCodeAt(i) == 48 && i + 1 < s.length && s.charCodeAt(i + 1) >= 48 && s.charCodeAt(i + 1) <= 57) return false;
  if (s.charCodeAt(i) == 46) return false;
  const dot = s.indexOf(".");
  if (dot >= 0 && (dot + 1 >= s.length || s.charCodeAt(dot + 1) < 48 || s.charCodeAt(dot + 1) > 57)) return false;
  return true;
}

const DIGITS: string = "0123456789abcdef";

export function opa_b_format_int(v: usize, base: usize): usize {
  if (!isNumber(v) || !isNumber(base)) return setError("format_int: operands must be numbers");
  if (!numAsI64(base)) return setError("format_int: base must be one of 2, 8, 10, 16");
  const bs = INT_OUT;
  if (bs != 2 && bs != 8 && bs != 10 && bs != 16) return setError("format_int: base must be one of 2, 8, 10, 16");
  let x: i64;
  if (numAsI64(v)) x = INT_OUT;
  else {
    const f = numToF64(v);
    x = <i64>(f < 0 ? Math.ceil(f) : Math.floor(f));
  }
  const neg = x < 0;
  let u: u64 = neg ? <u64>(-x) : <u64>x;
  let s = "";
  if (u == 0) s = "0";
  while (u > 0) {
    s = DIGITS.charAt(<i32>(u % <u64>bs)) + s;
    u /= <u64>bs;
  }
  return mkStringFromAS(neg ? "-" + s : s);
}

// ---------------------------------------------------------------- bits.*

function ints(a: usize, b: usize): bool {
  return isNumber(a) && isNumber(b) && bothI64(a, b);
}

export function opa_b_bits_and(a: usize, b: usize): usize {
  return ints(a, b) ? mkInt(X & Y) : setError("bits.and: operands must be integers");
}

export function opa_b_bits_or(a: usize, b: usize): usize {
  return ints(a, b) ? mkInt(X | Y) : setError("bits.or: operands must be integers");
}

export function opa_b_bits_xor(a: usize, b: usize): usize {
  return ints(a, b) ? mkInt(X ^ Y) : setError("bits.xor: operands must be integers");
}

export function opa_b_bits_negate(a: usize): usize {
  if (!isNumber(a) || !numAsI64(a)) return setError("bits.negate: operand must be an integer");
  return mkInt(~INT_OUT);
}

export function opa_b_bits_lsh(a: usize, b: usize): usize {
  if (!ints(a, b)) return setError("bits.lsh: operands must be integers");
  if (Y < 0) return setError("bits.lsh: shift must be non-negative");
  if (Y >= 63 || (X != 0 && (Y > 0 && (X >= (<i64>1 << (63 - Y)) || X < -(<i64>1 << (63 - Y)))))) {
    // beyond i64: exact through big multiplication
    let r = X.toString();
    for (let i: i64 = 0; i < Y; i++) r = bigMul(r, "2");
    return fromIntText(r);
  }
  return mkInt(X << Y);
}

export function opa_b_bits_rsh(a: usize, b: usize): usize {
  if (!ints(a, b)) return setError("bits.rsh: operands must be integers");
  if (Y < 0) return setError("bits.rsh: shift must be non-negative");
  if (Y >= 64) return mkInt(X < 0 ? -1 : 0);
  return mkInt(X >> Y);
}

