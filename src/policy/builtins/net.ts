/**
 * net.cidr_merge, net.cidr_expand, net.cidr_contains_matches (their results are sets, as in
 * OPA), net.lookup_ip_addr (refused).
 */
import { isObject, str } from "./args.js";
import { fail, typeFail } from "./errors.js";
import { type Prefix, contains, ipText, parseIp, parsePrefix, prefixText, width } from "./ip.js";
import type { BuiltinFamily } from "./registry.js";
import { RegoSet } from "./wire.js";

const MAX_EXPAND = 65_536;

function prefixOrHost(s: string): Prefix | undefined {
  const p = parsePrefix(s);
  if (p) return p;
  const ip = parseIp(s);
  return ip ? { v6: ip.v6, addr: ip.addr, bits: ip.v6 ? 128 : 32 } : undefined;
}

function merge(list: unknown): string[] {
  if (!Array.isArray(list)) typeFail(1, "array or set", list);
  const prefixes: Prefix[] = [];
  for (const x of list as unknown[]) {
    if (typeof x !== "string") typeFail(1, "array or set of strings", x);
    const p = prefixOrHost(x as string);
    if (!p) fail(`IP address ${JSON.stringify(x)} is invalid`);
    if (p?.v6 && !(x as string).includes("/")) fail("IPv6 invalid: needs prefix length");
    prefixes.push(p as Prefix);
  }
  const out: string[] = [];
  for (const v6 of [false, true]) {
    let ps = prefixes
      .filter((p) => p.v6 === v6)
      .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : a.bits - b.bits));
    // Drop prefixes contained in an earlier one, then repeatedly join sibling halves.
    let changed = true;
    while (changed) {
      changed = false;
      const kept: Prefix[] = [];
      for (const p of ps) {
        const last = kept[kept.length - 1];
        if (last && contains(last, p)) {
          changed = true;
          continue;
        }
        if (last && last.bits === p.bits && last.bits > 0) {
          const parentShift = BigInt(width(p) - p.bits + 1);
          if (last.addr >> parentShift === p.addr >> parentShift && last.addr !== p.addr) {
            kept[kept.length - 1] = { v6, addr: (last.addr >> parentShift) << parentShift, bits: p.bits - 1 };
            changed = true;
            continue;
          }
        }
        kept.push(p);
      }
      ps = kept;
    }
    out.push(...ps.map(prefixText));
  }
  return out;
}

function expand(s: string): string[] {
  const p = parsePrefix(s);
  if (!p) fail(`invalid CIDR address: ${s}`);
  const size = 1n << BigInt(width(p as Prefix) - (p as Prefix).bits);
  if (size > BigInt(MAX_EXPAND)) fail(`CIDR ${s} has more than ${MAX_EXPAND} addresses`);
  const out: string[] = [];
  for (let i = 0n; i < size; i++) out.push(ipText((p as Prefix).v6, (p as Prefix).addr + i));
  return out;
}

/** Operands may be a string, an array/set of strings or of [cidr, ...] arrays, or an object. */
function entries(v: unknown, operand: number): [unknown, string][] {
  const elem = (k: unknown, x: unknown): [unknown, string] => {
    if (typeof x === "string") return [k, x];
    if (Array.isArray(x) && typeof x[0] === "string") return [k, x[0]];
    return fail(`operand ${operand}: element must be string or non-empty array`);
  };
  if (typeof v === "string") return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => elem(typeof x === "string" ? x : i, x));
  if (isObject(v)) return Object.entries(v).map(([k, x]) => elem(k, x));
  return typeFail(operand, "string, array, set or object", v);
}

function containsMatches(a: unknown, b: unknown): unknown[][] {
  const cidrs = entries(a, 1);
  const targets = entries(b, 2);
  const out: unknown[][] = [];
  for (const [ka, ca] of cidrs) {
    const outer = parsePrefix(ca);
    if (!outer) fail(`invalid CIDR address: ${ca}`);
    for (const [kb, cb] of targets) {
      const inner = prefixOrHost(cb);
      if (!inner) fail(`invalid CIDR address or IP: ${cb}`);
      if (contains(outer as Prefix, inner as Prefix)) out.push([ka, kb]);
    }
  }
  return out;
}

/** Distinct values as a Rego set (OPA's results for these builtins are sets). */
function setOf(values: unknown[]): RegoSet {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const v of values) {
    const key = JSON.stringify(v);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return new RegoSet(out);
}

export const net: BuiltinFamily = {
  "net.cidr_merge": (list) => setOf(merge(list)),
  "net.cidr_expand": (s) => setOf(expand(str(s, 1))),
  "net.cidr_contains_matches": (a, b) => setOf(containsMatches(a, b)),
  "net.lookup_ip_addr": (name) => {
    str(name, 1);
    return fail("DNS lookups are disabled in policy evaluation");
  },
};
