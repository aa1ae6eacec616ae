/** Test PKI and evidence helpers: every certificate is made at test time. */
import { createHash } from "node:crypto";
import { staticBundle } from "../../src/identity/bundle/index.js";
import type { TrustDomainConfig } from "../../src/identity/config.js";
import type { CertificateEvidence } from "../../src/identity/types.js";
import { type IssuedCertificate, type IssueOptions, issueCertificate } from "../../src/pki/issue.js";

export interface Domain {
  td: string;
  root: IssuedCertificate;
  int1: IssuedCertificate;
  int2: IssuedCertificate;
}

export async function makeDomain(td: string): Promise<Domain> {
  const root = await issueCertificate({ subject: `CN=${td} root`, ca: {} });
  const int1 = await issueCertificate({ subject: `CN=${td} int1`, ca: {}, issuer: root });
  const int2 = await issueCertificate({ subject: `CN=${td} int2`, ca: { pathLen: 0 }, issuer: int1 });
  return { td, root, int1, int2 };
}

export function leaf(issuer: IssuedCertificate, id: string, extra: Partial<IssueOptions> = {}) {
  return issueCertificate({ subject: `CN=${id.split("/").pop()}`, issuer, uris: [id], ...extra });
}

/** Envoy's encoding of attributes.source.certificate / XFCC Cert: URL-encoded PEM. */
export function urlPem(...certs: IssuedCertificate[]): string {
  return encodeURIComponent(certs.map((c) => c.pem).join(""));
}

export function sha256(c: IssuedCertificate): string {
  return createHash("sha256").update(c.der).digest("hex");
}

export function evidence(
  peer: IssuedCertificate | undefined,
  headers: Record<string, string> = {},
): CertificateEvidence {
  return { sourceCertificate: peer ? urlPem(peer) : undefined, headers };
}

export function tdConfig(d: Domain, opts: { intermediates?: IssuedCertificate[] } = {}): TrustDomainConfig {
  return {
    bundles: staticBundle([d.root.der]),
    intermediates: opts.intermediates ? staticBundle(opts.intermediates.map((c) => c.der)) : undefined,
  };
}

export function sfBinary(c: IssuedCertificate): string {
  return `:${c.der.toString("base64")}:`;
}
