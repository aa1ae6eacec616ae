/** uuid.rfc4122 (random v4, stable per key within one evaluation) and uuid.parse. */
import { randomUUID } from "node:crypto";
import { str } from "./args.js";
import type { BuiltinFamily } from "./registry.js";

const perEvaluation = new Map<string, string>();

function variantName(b: number): string {
  if ((b & 0x80) === 0) return "Reserved, NCS backward compatibility";
  if ((b & 0xc0) === 0x80) return "RFC4122";
  if ((b & 0xe0) === 0xc0) return "Reserved, Microsoft Corporation backward compatibility";
  return "Reserved, reserved for future definition";
}

function parse(s: string): Record<string, unknown> | undefined {
  let t = s.toLowerCase();
  if (t.startsWith("urn:uuid:")) t = t.slice(9);
  else if (t.startsWith("{") && t.endsWith("}")) t = t.slice(1, -1);
  let hex: string;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(t)) hex = t.replace(/-/g, "");
  else if (/^[0-9a-f]{32}$/.test(t)) hex = t;
  else return undefined;
  const b = Buffer.from(hex, "hex");
  const version = (b[6] ?? 0) >> 4;
  const variant = variantName(b[8] ?? 0);
  const out: Record<string, unknown> = { version, variant };
  if (variant !== "RFC4122") return out;
  if (version === 1 || version === 2) {
    const timeLow = b.readUInt32BE(0);
    const timeMid = b.readUInt16BE(4);
    const timeHi = b.readUInt16BE(6) & 0x0fff;
    const ts = (BigInt(timeHi) << 48n) | (BigInt(timeMid) << 32n) | BigInt(timeLow);
    // 100-ns intervals since 1582-10-15 -> Unix ns.
    const unixNs = (ts - 122192928000000000n) * 100n;
    out.time = Number(unixNs);
    out.clocksequence = ((b[8] ?? 0) & 0x3f) * 256 + (b[9] ?? 0);
    out.nodeid = [...b.subarray(10, 16)].map((x) => x.toString(16).padStart(2, "0")).join("-");
    // IEEE 802 first octet: bit 0x02 is locally administered, bit 0x01 is multicast.
    const first = b[10] ?? 0;
    out.macvariables = `${first & 0x02 ? "local" : "global"}:${first & 0x01 ? "multicast" : "unicast"}`;
    if (version === 2) {
      out.domain = ["Person", "Group", "Org"][b[9] ?? 0] ?? `Domain${b[9]}`;
      out.id = timeLow;
    }
  }
  return out;
}

export const uuid: BuiltinFamily = {
  "uuid.rfc4122": (k) => {
    const key = str(k, 1);
    let v = perEvaluation.get(key);
    if (!v) {
      v = randomUUID();
      if (perEvaluation.size === 0) setImmediate(() => perEvaluation.clear());
      perEvaluation.set(key, v);
    }
    return v;
  },
  "uuid.parse": (s) => parse(str(s, 1)),
};
