/** units.parse and units.parse_bytes, exact (results can exceed 2^53). */
import { rawJson, str } from "./args.js";
import { type Decimal, decimalText, mulInt, parseDecimal, truncate } from "./decimal.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const K = 1000n;
const KI = 1024n;

const SI: Record<string, bigint> = {
  "": 1n,
  k: K,
  ki: KI,
  m: K ** 2n,
  mi: KI ** 2n,
  g: K ** 3n,
  gi: KI ** 3n,
  t: K ** 4n,
  ti: KI ** 4n,
  p: K ** 5n,
  pi: KI ** 5n,
  e: K ** 6n,
  ei: KI ** 6n,
};

/** Number part: digits and dots, then an exponent only when digits follow it ("10e" is exa). */
function split(s: string): [string, string] {
  const m = /^[+-]?[0-9.]*(?:[eE][+-]?[0-9]+)?/.exec(s);
  const num = m?.[0] ?? "";
  return [num, s.slice(num.length)];
}

function amount(s: string, what: string): { num: Decimal; unit: string } {
  const clean = s.replace(/"/g, "");
  if (/\s/.test(clean)) fail("spaces not allowed in resource strings");
  const [numText, unit] = split(clean);
  if (numText === "" || numText === "+" || numText === "-") fail(`no ${what} provided`);
  const num = parseDecimal(numText);
  if (num === "exponent") fail("exponent too large");
  if (num === "invalid") fail(`could not parse ${what} to a number`);
  return { num, unit };
}

function parse(s: unknown): ArrayBuffer {
  const { num, unit } = amount(str(s, 1), "amount");
  if (unit === "m") return rawJson(decimalText({ digits: num.digits, scale: num.scale + 3 }));
  // "M" is mega; other units are case-insensitive (K, Ki, KI, ...).
  const key = unit === "M" ? "m" : unit.toLowerCase();
  const factor = SI[key];
  if (factor === undefined) fail(`unknown unit ${JSON.stringify(unit)}`);
  return rawJson(decimalText(mulInt(num, factor)));
}

function parseBytes(s: unknown): ArrayBuffer {
  const { num, unit } = amount(str(s, 1), "byte amount");
  let key = unit.toLowerCase();
  if (key.endsWith("b")) key = key.slice(0, -1);
  const factor = SI[key];
  if (factor === undefined) fail(`byte unit ${JSON.stringify(unit)} not recognized`);
  return rawJson(truncate(mulInt(num, factor)).toString());
}

export const units: BuiltinFamily = {
  "units.parse": parse,
  "units.parse_bytes": parseBytes,
};
