/** Exact decimals for builtins whose results must not lose precision: value = digits * 10^-scale. */

export interface Decimal {
  digits: bigint;
  scale: number;
}

const MAX_EXPONENT = 10_000;

export type DecimalParse = Decimal | "invalid" | "exponent";

/** Parses "[-]ddd[.ddd][e[+-]ddd]" (also ".5"); "exponent" when the exponent is absurd. */
export function parseDecimal(text: string): DecimalParse {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return "invalid";
  const [, sign, int = "", frac = "", exp] = m;
  if (int === "" && frac === "") return "invalid";
  const e = exp === undefined ? 0 : Number(exp);
  if (!Number.isFinite(e) || Math.abs(e) > MAX_EXPONENT) return "exponent";
  let digits = BigInt(`${int}${frac}` || "0");
  if (sign === "-") digits = -digits;
  let scale = frac.length - e;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

export function mulInt(d: Decimal, factor: bigint): Decimal {
  return { digits: d.digits * factor, scale: d.scale };
}

export function truncate(d: Decimal): bigint {
  return d.scale === 0 ? d.digits : d.digits / 10n ** BigInt(d.scale);
}

/** Shortest JSON number text for the decimal. */
export function decimalText(d: Decimal): string {
  let { digits, scale } = d;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale--;
  }
  if (scale === 0) return digits.toString();
  const neg = digits < 0n;
  const abs = (neg ? -digits : digits).toString().padStart(scale + 1, "0");
  const text = `${abs.slice(0, abs.length - scale)}.${abs.slice(abs.length - scale)}`;
  return neg ? `-${text}` : text;
}
