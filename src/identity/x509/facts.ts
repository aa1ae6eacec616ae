/** CertificateFacts (src/identity/types.ts) of a validated path, for policy input and audit. */
import type { CertificateFacts } from "../types.js";
import type { ParsedCert } from "./cert.js";
import { ekuName } from "./oids.js";

/** `chain` is leaf first, anchor last, as returned by verifyPath. */
export function certificateFacts(chain: readonly ParsedCert[]): CertificateFacts {
  const leaf = chain[0] as ParsedCert;
  const anchor = chain[chain.length - 1] as ParsedCert;
  return {
    serialNumber: leaf.serialHex,
    subject: leaf.subject.text,
    issuer: leaf.issuer.text,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    sha256: leaf.sha256,
    dnsNames: (leaf.subjectAltNames ?? []).flatMap((n) => (n.type === "dns" ? [n.value] : [])),
    extKeyUsage: (leaf.extKeyUsage ?? []).map(ekuName),
    chain: chain.map((c) => c.subject.text),
    anchor: { subject: anchor.subject.text, sha256: anchor.sha256 },
  };
}

/** The earliest notAfter of a path: no cached verdict may outlive it. */
export function earliestNotAfter(chain: readonly ParsedCert[]): Date {
  return new Date(Math.min(...chain.map((c) => c.notAfter.getTime())));
}
