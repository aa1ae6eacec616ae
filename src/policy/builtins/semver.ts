/** semver.is_valid and semver.compare (SemVer 2.0.0 precedence). */
import { str } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function parse(v: string, operand: number): [bigint, bigint, bigint, string[]] {
  const m = SEMVER.exec(v);
  if (!m) return fail(`operand ${operand}: string ${JSON.stringify(v)} is not a valid SemVer`);
  return [BigInt(m[1] ?? 0), BigInt(m[2] ?? 0), BigInt(m[3] ?? 0), m[4] ? m[4].split(".") : []];
}

function cmpIdent(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
  if (na) return -1;
  if (nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareSemver(a: string, b: string): number {
  const x = parse(a, 1);
  const y = parse(b, 2);
  for (let i = 0; i < 3; i++) {
    if ((x[i] as bigint) !== (y[i] as bigint)) return (x[i] as bigint) < (y[i] as bigint) ? -1 : 1;
  }
  const [pa, pb] = [x[3], y[3]];
  if (pa.length === 0 || pb.length === 0) return pa.length === pb.length ? 0 : pa.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = cmpIdent(pa[i] ?? "", pb[i] ?? "");
    if (c !== 0) return c;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

export const semver: BuiltinFamily = {
  "semver.is_valid": (v) => typeof v === "string" && SEMVER.test(v),
  "semver.compare": (a, b) => compareSemver(str(a, 1), str(b, 2)),
};
