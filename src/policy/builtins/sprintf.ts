/**
 * sprintf with Go fmt semantics, on Rego values as OPA passes them to fmt.Sprintf: integral
 * numbers as ints, other numbers as float64, strings as strings, every other value as its Rego
 * text. Supports flags (- + # 0 space), width, precision (also *), explicit [n] indexes, and
 * the verbs v s d f F e E g G x X o b c q t U %; bad verbs and missing or extra operands are
 * written the Go way (%!d(string=a), %!d(MISSING), %!(EXTRA int=1)).
 */
import { arr, str } from "./args.js";
import { goQuote } from "./go-quote.js";
import type { BuiltinFamily } from "./registry.js";
import { regoText } from "./rego-text.js";

type Arg = { kind: "int"; v: bigint } | { kind: "float"; v: number } | { kind: "string"; v: string };

function toArg(v: unknown): Arg {
  if (typeof v === "number") {
    return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER * 2 ** 11
      ? { kind: "int", v: BigInt(v) }
      : { kind: "float", v };
  }
  if (typeof v === "string") return { kind: "string", v };
  return { kind: "string", v: regoText(v) };
}

function goTypeName(a: Arg): string {
  return a.kind === "int" ? "int" : a.kind === "float" ? "float64" : "string";
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  prec?: number;
}

export function goSprintf(format: string, values: unknown[]): string {
  const args = values.map(toArg);
  let argi = 0;
  let reordered = false;
  let out = "";
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== "%") {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, sharp: false, zero: false, space: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === "-") spec.minus = true;
      else if (f === "+") spec.plus = true;
      else if (f === "#") spec.sharp = true;
      else if (f === "0") spec.zero = true;
      else if (f === " ") spec.space = true;
      else break;
    }
    const argIndex = (): void => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (m) {
        argi = Number(m[1]) - 1;
        reordered = true;
        i += m[0].length;
      }
    };
    argIndex();
    if (format[i] === "*") {
      i++;
      const a = args[argi++];
      if (a?.kind === "int") spec.width = Number(a.v);
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        spec.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === ".") {
      i++;
      argIndex();
      if (format[i] === "*") {
        i++;
        const a = args[argi++];
        if (a?.kind === "int") spec.prec = Number(a.v);
      } else {
        const m = /^\d+/.exec(format.slice(i));
        spec.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    argIndex();
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 37);
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    const arg = args[argi];
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    argi++;
    out += formatOne(verb, arg, spec);
  }
  if (!reordered && argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map(
        (a) =>
          `${goTypeName(a)}=${formatOne("v", a, { minus: false, plus: false, sharp: false, zero: false, space: false })}`,
      )
      .join(", ")})`;
  }
  return out;
}

function bad(verb: string, a: Arg): string {
  return `%!${verb}(${goTypeName(a)}=${formatOne("v", a, { minus: false, plus: false, sharp: false, zero: false, space: false })})`;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  if (s.length >= w) return s;
  if (spec.minus) return s + " ".repeat(w - s.length);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : "";
    const body = sign ? s.slice(1) : s;
    return sign + "0".repeat(w - s.length) + body;
  }
  return " ".repeat(w - s.length) + s;
}

function signed(s: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${s}`;
  if (spec.plus) return `+${s}`;
  if (spec.space) return ` ${s}`;
  return s;
}

function formatOne(verb: string, a: Arg, spec: Spec): string {
  switch (a.kind) {
    case "int":
      return formatInt(verb, a, spec);
    case "float":
      return formatFloat(verb, a, spec);
    default:
      return formatString(verb, a, spec);
  }
}

function formatInt(verb: string, a: Extract<Arg, { kind: "int" }>, spec: Spec): string {
  const neg = a.v < 0n;
  const abs = neg ? -a.v : a.v;
  let digits: string;
  switch (verb) {
    case "v":
    case "d":
      digits = abs.toString();
      break;
    case "x":
      digits = (spec.sharp ? "0x" : "") + abs.toString(16);
      break;
    case "X":
      digits = (spec.sharp ? "0X" : "") + abs.toString(16).toUpperCase();
      break;
    case "o":
      digits = (spec.sharp ? "0" : "") + abs.toString(8);
      break;
    case "O":
      digits = `0o${abs.toString(8)}`;
      break;
    case "b":
      digits = abs.toString(2);
      break;
    case "c":
      return pad(String.fromCodePoint(Number(a.v)), spec, false);
    case "q":
      return pad(`'${String.fromCodePoint(Number(a.v))}'`, spec, false);
    case "U":
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, "0")}`, spec, false);
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G":
      return formatFloat(verb, { kind: "float", v: Number(a.v) }, spec);
    default:
      return bad(verb, a);
  }
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, "0");
  return pad(signed(digits, neg, spec), spec, spec.prec === undefined);
}

function formatFloat(verb: string, a: Extract<Arg, { kind: "float" }>, spec: Spec): string {
  const v = a.v;
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  let body: string;
  switch (verb) {
    case "v":
    case "g":
    case "G":
      body = goG(abs, spec.prec, verb === "v" ? 21 : undefined);
      if (verb === "G") body = body.toUpperCase();
      break;
    case "e":
    case "E":
      body = goE(abs, spec.prec ?? 6);
      if (verb === "E") body = body.toUpperCase();
      break;
    case "f":
    case "F":
      body = abs.toFixed(spec.prec ?? 6);
      break;
    default:
      return bad(verb, a);
  }
  return pad(signed(body, neg, spec), spec, true);
}

/** Go %e: mantissa with prec digits, exponent at least two digits. */
function goE(abs: number, prec: number): string {
  const [m, e = "0"] = abs.toExponential(prec).split("e");
  const n = Number(e);
  return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
}

/** Go %g / %v: shortest representation; exponent form when exp < -4 or exp >= limit. */
function goG(abs: number, prec: number | undefined, vLimit: number | undefined): string {
  if (abs === 0) return "0";
  if (!Number.isFinite(abs)) return Number.isNaN(abs) ? "NaN" : "+Inf";
  const shortest = prec === undefined;
  const expForm = shortest ? abs.toExponential() : abs.toExponential(Math.max(prec - 1, 0));
  const [mant = "0", e = "0"] = expForm.split("e");
  const exp = Number(e);
  const limit = vLimit ?? (shortest ? 21 : (prec ?? 6) || 1);
  if (exp < -4 || exp >= limit) {
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (shortest) return String(Number(`${mant}e${exp}`)).replace(/e.*$/, "");
  const digits = Math.max((prec ?? 6) - 1 - exp, 0);
  let s = abs.toFixed(digits);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

function formatString(verb: string, a: Extract<Arg, { kind: "string" }>, spec: Spec): string {
  let s = a.v;
  switch (verb) {
    case "v":
    case "s":
      if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join("");
      return pad(s, spec, false);
    case "q":
      return pad(goQuote(s), spec, false);
    case "x":
    case "X": {
      const hex = Buffer.from(s, "utf8").toString("hex");
      return pad(verb === "X" ? hex.toUpperCase() : hex, spec, false);
    }
    default:
      return bad(verb, a);
  }
}

export const sprintf: BuiltinFamily = {
  sprintf: (format: unknown, values: unknown) => goSprintf(str(format, 1), arr(values, 2)),
};
