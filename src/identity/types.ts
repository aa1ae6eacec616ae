/**
 * The identity stage's output: who is calling, established from what Envoy forwards.
 * Contract between src/identity (producer) and src/extauthz, src/audit (consumers).
 */

export type IdentifierScheme = "spiffe" | "wimse";

/** A canonical workload identifier, parsed (wimse-mtls.md §5). */
export interface WorkloadId {
  /** The whole identifier, byte for byte as in the certificate: "spiffe://prod.example/ns/a/sa/b". */
  readonly id: string;
  readonly scheme: IdentifierScheme;
  readonly trustDomain: string;
  /** Path including its leading "/", "" when none. */
  readonly path: string;
}

/** How the identity was established. */
export type AuthMethod =
  | "mtls" // the direct peer's client certificate (attributes.source.certificate)
  | "xfcc" // a certificate forwarded in x-forwarded-client-cert by a trusted proxy
  | "client-cert" // RFC 9440 Client-Cert / Client-Cert-Chain from a trusted proxy
  | "wit-wpt" // WIMSE Workload Identity Token + Proof Token (application level)
  | "http-sig"; // WIMSE HTTP Message Signatures profile

/** Facts about the verified leaf certificate and its path, for policy input and audit. */
export interface CertificateFacts {
  serialNumber: string; // hex
  subject: string;
  issuer: string;
  notBefore: string; // RFC 3339
  notAfter: string; // RFC 3339
  sha256: string; // hex fingerprint of the leaf DER
  dnsNames: string[];
  extKeyUsage: string[]; // OIDs or names: "clientAuth", "serverAuth", ...
  /** Subjects from leaf to anchor. */
  chain: string[];
  /** Subject and SHA-256 of the trust anchor that validated the path. */
  anchor: { subject: string; sha256: string };
}

export interface VerifiedIdentity extends WorkloadId {
  method: AuthMethod;
  certificate?: CertificateFacts;
}

/** Result of authenticating one request. Never throws: failures carry a stable code. */
export type AuthResult =
  | {
      ok: true;
      identity: VerifiedIdentity;
      /** The direct mTLS peer when the identity came through it (XFCC, Client-Cert, tokens). */
      proxy?: VerifiedIdentity;
    }
  | {
      ok: false;
      /** Stable reason code, e.g. "no_certificate", "x509_expired", "xfcc_untrusted_peer". */
      code: string;
      message: string;
      proxy?: VerifiedIdentity;
    };

/** What the identity stage reads from a CheckRequest. */
export interface CertificateEvidence {
  /** attributes.source.certificate: URL-encoded PEM of the peer's leaf ("" or undefined when absent). */
  sourceCertificate?: string;
  /** Request headers, lower-cased names (Envoy merges repeats with ","). */
  headers: Readonly<Record<string, string>>;
}
