/**
 * Server identity checks for the client side (wimse-mtls.md §3): RFC 9525 §6.3 DNS-ID matching
 * and IP-address matching. Only subjectAltName entries count: the subject CN is never consulted
 * (RFC 9525 removed CN-ID). Wildcards: only a whole left-most label "*", never a partial label,
 * never matching more or less than one label, and never directly above a single-label name
 * ("*.com"). Internationalised names are compared as A-labels, ASCII case-insensitively.
 */
import { domainToASCII } from "node:url";
import { isIP } from "node:net";
import type { ParsedCert } from "./cert.js";

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** The reference identifier in A-label form, lower case, without a trailing dot; undefined if invalid. */
export function referenceDnsName(hostname: string): string | undefined {
  let h = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (h === "" || isIP(h) !== 0) return undefined;
  if (!/^[\x00-\x7f]*$/.test(h)) h = domainToASCII(h);
  h = h.toLowerCase();
  if (h === "" || h.length > 253) return undefined;
  return h.split(".").every((l) => LABEL.test(l)) ? h : undefined;
}

function presentedMatches(presented: string, reference: string): boolean {
  let p = presented.toLowerCase();
  if (p.endsWith(".")) p = p.slice(0, -1);
  if (p === "") return false;
  const pl = p.split(".");
  const rl = reference.split(".");
  if (pl.length !== rl.length) return false;
  const first = pl[0] as string;
  if (first === "*") {
    // At least two labels after the wildcard, the reference's first label must be a real label.
    if (pl.length < 3) return false;
    if (!LABEL.test(rl[0] as string)) return false;
    return pl.slice(1).every((l, i) => l === rl[i + 1] && LABEL.test(l));
  }
  if (p.includes("*")) return false;
  return pl.every((l, i) => l === rl[i] && LABEL.test(l));
}

/** RFC 9525 §6.3 DNS-ID matching of `hostname` against the certificate's dNSName SANs. */
export function verifyDnsName(cert: ParsedCert, hostname: string): boolean {
  const ref = referenceDnsName(hostname);
  if (ref === undefined) return false;
  return (cert.subjectAltNames ?? []).some((n) => n.type === "dns" && presentedMatches(n.value, ref));
}

function ipBytes(ip: string): Uint8Array | undefined {
  const v = isIP(ip);
  if (v === 4) return Uint8Array.from(ip.split(".").map(Number));
  if (v !== 6) return undefined;
  // Expand "::" and an embedded IPv4 tail.
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = (v4[1] as string).split(".").map(Number) as [number, number, number, number];
    s = `${s.slice(0, -(v4[1] as string).length)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? (s.split("::") as [string, string]) : [s, undefined];
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** Matches an IP address (text) against the certificate's iPAddress SANs (RFC 9525 §6.2). */
export function verifyIpAddress(cert: ParsedCert, ip: string): boolean {
  const want = ipBytes(ip);
  if (!want) return false;
  return (cert.subjectAltNames ?? []).some(
    (n) => n.type === "ip" && n.bytes.length === want.length && n.bytes.every((b, i) => b === want[i]),
  );
}
