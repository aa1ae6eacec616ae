/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3(b)(c), §6.1.4(g)) for dNSName, URI (host part:
 * for workload identifiers that is the trust domain), rfc822Name, iPAddress and directoryName.
 * Constraints of other forms (otherName, x400Address, ediPartyName, registeredID) are rejected as
 * unsupported: name constraints are always critical, so ignoring them would accept too much.
 *
 * Rather than intersecting subtrees, every constraining CA's sets are kept and a name must satisfy
 * each of them: per type, permitted subtrees of that type (if any) must contain the name, and no
 * excluded subtree may contain it.
 */
import type { ParsedCert } from "./cert.js";
import { X509Error } from "./errors.js";
import type { GeneralSubtree, NameConstraints } from "./extensions.js";
import type { GeneralName } from "./general-names.js";
import { nameWithin } from "./names.js";

/** Checks a CA's constraints for forms we cannot enforce; throws x509_unsupported_name_constraint. */
export function checkConstraintForms(ca: ParsedCert): void {
  const nc = ca.nameConstraints;
  if (!nc) return;
  for (const st of [...(nc.permitted ?? []), ...(nc.excluded ?? [])]) {
    if (st.base.type === "other") {
      throw new X509Error(
        "x509_unsupported_name_constraint",
        `name constraint of form [${st.base.tag & 0x1f}] is not supported (${ca.subject.text})`,
      );
    }
    if (st.base.type === "ip" && !validIpConstraint(st.base.bytes)) {
      throw new X509Error("x509_malformed", `malformed iPAddress name constraint (${ca.subject.text})`);
    }
  }
}

function validIpConstraint(b: Uint8Array): boolean {
  if (b.length !== 8 && b.length !== 32) return false;
  const mask = b.subarray(b.length / 2);
  // The mask must be a CIDR prefix: ones then zeros.
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = ((byte >> bit) & 1) === 1;
      if (one && seenZero) return false;
      if (!one) seenZero = true;
    }
  }
  return true;
}

function dnsWithin(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (b === "") return true;
  if (b.startsWith(".")) return n.endsWith(b) && n.length > b.length;
  return n === b || n.endsWith(`.${b}`);
}

/** The host of an absolute URI, lower-cased; undefined when it has none. */
export function uriHost(uri: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m) return undefined;
  let auth = m[1] ?? "";
  const at = auth.lastIndexOf("@");
  if (at >= 0) auth = auth.slice(at + 1);
  if (auth.startsWith("[")) {
    const close = auth.indexOf("]");
    return close > 0 ? auth.slice(0, close + 1).toLowerCase() : undefined;
  }
  const host = auth.split(":")[0] ?? "";
  return host === "" ? undefined : host.toLowerCase();
}

function hostWithin(host: string, base: string): boolean {
  const b = base.toLowerCase();
  if (b.startsWith(".")) return host.endsWith(b) && host.length > b.length;
  return host === b;
}

function emailWithin(addr: string, base: string): boolean {
  const at = addr.lastIndexOf("@");
  if (at <= 0) return false;
  const domain = addr.slice(at + 1).toLowerCase();
  if (base.includes("@")) {
    const bat = base.lastIndexOf("@");
    return addr.slice(0, at) === base.slice(0, bat) && domain === base.slice(bat + 1).toLowerCase();
  }
  return hostWithin(domain, base);
}

function ipWithin(addr: Uint8Array, base: Uint8Array): boolean {
  const n = base.length / 2;
  if (addr.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const mask = base[n + i] as number;
    if (((addr[i] as number) & mask) !== ((base[i] as number) & mask)) return false;
  }
  return true;
}

function sameType(name: GeneralName, base: GeneralName): boolean {
  if (name.type !== base.type) return false;
  // IPv4 names are constrained only by IPv4 subtrees, IPv6 by IPv6.
  if (name.type === "ip" && base.type === "ip") return base.bytes.length === name.bytes.length * 2;
  return true;
}

function within(name: GeneralName, base: GeneralName): boolean {
  switch (name.type) {
    case "dns":
      return base.type === "dns" && dnsWithin(name.value, base.value);
    case "uri": {
      const host = uriHost(name.value);
      return base.type === "uri" && host !== undefined && hostWithin(host, base.value);
    }
    case "email":
      return base.type === "email" && emailWithin(name.value, base.value);
    case "ip":
      return base.type === "ip" && ipWithin(name.bytes, base.bytes);
    case "dn":
      return base.type === "dn" && nameWithin(name.name, base.name);
    case "other":
      return false;
  }
}

function describe(n: GeneralName): string {
  switch (n.type) {
    case "dns":
    case "uri":
    case "email":
      return `${n.type}:${n.value}`;
    case "ip":
      return `ip:${n.bytes.length === 4 ? n.bytes.join(".") : Buffer.from(n.bytes).toString("hex")}`;
    case "dn":
      return `dn:${n.name.text}`;
    case "other":
      return "otherName";
  }
}

function checkName(name: GeneralName, nc: NameConstraints, ca: ParsedCert): void {
  if (name.type === "uri" && uriHost(name.value) === undefined) {
    // No host to compare: any URI constraint at all makes this a violation (fail closed).
    if ([...(nc.permitted ?? []), ...(nc.excluded ?? [])].some((st) => st.base.type === "uri")) {
      throw new X509Error(
        "x509_name_constraints",
        `${describe(name)} has no host to check against URI constraints`,
      );
    }
    return;
  }
  const excluded = (nc.excluded ?? []).filter((st: GeneralSubtree) => sameType(name, st.base));
  if (excluded.some((st) => within(name, st.base))) {
    throw new X509Error("x509_name_constraints", `${describe(name)} is excluded by ${ca.subject.text}`);
  }
  const permitted = (nc.permitted ?? []).filter((st: GeneralSubtree) => sameType(name, st.base));
  if (permitted.length > 0 && !permitted.some((st) => within(name, st.base))) {
    throw new X509Error("x509_name_constraints", `${describe(name)} is not permitted by ${ca.subject.text}`);
  }
}

/** The names of `cert` that name constraints apply to. */
function constrainedNames(cert: ParsedCert): GeneralName[] {
  const names: GeneralName[] = [];
  if (cert.subject.rdns.length > 0) names.push({ type: "dn", name: cert.subject });
  for (const e of cert.subject.emails) names.push({ type: "email", value: e });
  for (const n of cert.subjectAltNames ?? []) {
    if (n.type === "ip" && n.bytes.length !== 4 && n.bytes.length !== 16) {
      throw new X509Error("x509_malformed", `iPAddress SAN of ${n.bytes.length} bytes`);
    }
    names.push(n);
  }
  return names;
}

/**
 * Applies the constraints of `cas` (the CAs above `cert` in the path) to the names of `cert`.
 * Throws x509_name_constraints on a violation.
 */
export function checkNameConstraints(cert: ParsedCert, cas: readonly ParsedCert[]): void {
  const constraining = cas.filter((c) => c.nameConstraints !== undefined);
  if (constraining.length === 0) return;
  for (const name of constrainedNames(cert)) {
    if (name.type === "other") {
      // Unconstrainable names: fine unless some CA constrains such forms (already rejected).
      continue;
    }
    for (const ca of constraining) checkName(name, ca.nameConstraints as NameConstraints, ca);
  }
}
