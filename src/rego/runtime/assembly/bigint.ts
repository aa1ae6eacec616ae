// Exact integer arithmetic on decimal text (for integers beyond i64). Magnitudes are strings of
// digits without leading zeros; signs are handled by the callers below.

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) == 48) i++;
  return s.substring(i);
}

export function cmpMag(a: string, b: string): i32 {
  if (a.length != b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

function addMag(a: string, b: string): string {
  let out = new Array<i32>();
  let i = a.length - 1;
  let j = b.length - 1;
  let carry = 0;
  while (i >= 0 || j >= 0 || carry > 0) {
    let s = carry;
    if (i >= 0) s += a.charCodeAt(i--) - 48;
    if (j >= 0) s += b.charCodeAt(j--) - 48;
    out.push(s % 10);
    carry = s / 10;
  }
  let r = "";
  for (let k = out.length - 1; k >= 0; k--) r += String.fromCharCode(48 + out[k]);
  return stripZeros(r);
}

/** a - b with a >= b. */
export function subMag(a: string, b: string): string {
  let out = new Array<i32>();
  let i = a.length - 1;
  let j = b.length - 1;
  let borrow = 0;
  while (i >= 0) {
    let s = a.charCodeAt(i--) - 48 - borrow;
    if (j >= 0) s -= b.charCodeAt(j--) - 48;
    if (s < 0) {
      s += 10;
      borrow = 1;
    } else borrow = 0;
    out.push(s);
  }
  let r = "";
  for (let k = out.length - 1; k >= 0; k--) r += String.fromCharCode(48 + out[k]);
  return stripZeros(r);
}

function mulMag(a: string, b: string): string {
  const n = a.length;
  const m = b.length;
  const res = new StaticArray<i32>(n + m);
  for (let k = 0; k < n + m; k++) res[k] = 0;
  for (let i = n - 1; i >= 0; i--) {
    const x = a.charCodeAt(i) - 48;
    let carry: i32 = 0;
    for (let j = m - 1; j >= 0; j--) {
      const t = res[i + j + 1] + x * (b.charCodeAt(j) - 48) + carry;
      res[i + j + 1] = t % 10;
      carry = t / 10;
    }
    let k = i;
    while (carry > 0) {
      const t = res[k] + carry;
      res[k] = t % 10;
      carry = t / 10;
      k--;
    }
  }
  let r = "";
  for (let k = 0; k < n + m; k++) r += String.fromCharCode(48 + res[k]);
  return stripZeros(r);
}

function neg(s: string): bool {
  return s.length > 0 && s.charCodeAt(0) == 45;
}

function mag(s: string): string {
  return stripZeros(neg(s) ? s.substring(1) : s);
}

function signed(negative: bool, m: string): string {
  return negative && m != "0" ? "-" + m : m;
}

export function bigAdd(a: string, b: string): string {
  const na = neg(a);
  const nb = neg(b);
  const ma = mag(a);
  const mb = mag(b);
  if (na == nb) return signed(na, addMag(ma, mb));
  const c = cmpMag(ma, mb);
  if (c == 0) return "0";
  return c > 0 ? signed(na, subMag(ma, mb)) : signed(nb, subMag(mb, ma));
}

export function bigSub(a: string, b: string): string {
  return bigAdd(a, neg(b) ? b.substring(1) : "-" + b);
}

export function bigMul(a: string, b: string): string {
  return signed(neg(a) != neg(b), mulMag(mag(a), mag(b)));
}

/**
 * Decimal long division of magnitudes: the first `maxDigits` digits of a / b (b != "0") as a
 * digit string; DIV_EXACT is set when the remainder reached zero within those digits. The
 * quotient's digits are those of floor(a * 10^k / b) for the smallest k that makes it exact,
 * or k = maxDigits - intDigits otherwise; DIV_SCALE returns k.
 */
export let DIV_EXACT: bool = false;
export let DIV_SCALE: i32 = 0;

export function divMag(a: string, b: string, maxDigits: i32): string {
  let rem = "0";
  let q = "";
  let i = 0;
  let k = 0;
  DIV_EXACT = false;
  while (true) {
    let digit = 48;
    if (i < a.length) digit = a.charCodeAt(i);
    else {
      if (rem == "0") {
        DIV_EXACT = true;
        break;
      }
      if (q.length - countLeadingZeros(q) >= maxDigits) break;
      k++;
    }
    i++;
    rem = rem == "0" ? String.fromCharCode(digit) : rem + String.fromCharCode(digit);
    let d = 0;
    while (cmpMag(rem, b) >= 0) {
      rem = subMag(rem, b);
      d++;
    }
    q += String.fromCharCode(48 + d);
  }
  DIV_SCALE = k;
  return stripZerosPublic(q.length == 0 ? "0" : q);
}

function countLeadingZeros(s: string): i32 {
  let n = 0;
  while (n < s.length && s.charCodeAt(n) == 48) n++;
  return n;
}

function stripZerosPublic(s: string): string {
  return stripZeros(s);
}
