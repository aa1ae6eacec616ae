/** IPv4/IPv6 addresses and prefixes as bigints, for the net.* builtins. */
import { isIPv4, isIPv6 } from "node:net";

export interface Prefix {
  v6: boolean;
  addr: bigint;
  bits: number;
}

export function parseIp(s: string): { v6: boolean; addr: bigint } | undefined {
  if (isIPv4(s)) {
    return { v6: false, addr: s.split(".").reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  }
  if (!isIPv6(s)) return undefined;
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = parseIp(v4[1])?.addr ?? 0n;
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  return {
    v6: true,
    addr: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n),
  };
}

export function parsePrefix(s: string): Prefix | undefined {
  const i = s.indexOf("/");
  if (i < 0) return undefined;
  const ip = parseIp(s.slice(0, i));
  const bitsText = s.slice(i + 1);
  if (!ip || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (ip.v6 ? 128 : 32)) return undefined;
  const width = ip.v6 ? 128 : 32;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { v6: ip.v6, addr: ip.addr & mask, bits };
}

export function width(p: { v6: boolean }): number {
  return p.v6 ? 128 : 32;
}

export function ipText(v6: boolean, addr: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => ((addr >> s) & 0xffn).toString()).join(".");
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((addr >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export function prefixText(p: Prefix): string {
  return `${ipText(p.v6, p.addr)}/${p.bits}`;
}

export function contains(outer: Prefix, inner: Prefix): boolean {
  if (outer.v6 !== inner.v6 || inner.bits < outer.bits) return false;
  const shift = BigInt(width(outer) - outer.bits);
  return inner.addr >> shift === outer.addr >> shift;
}
