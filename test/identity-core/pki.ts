/**
 * A small test PKI: every key and certificate is made at test time with @peculiar/x509 and
 * WebCrypto. Defaults produce a WIMSE-conformant chain; options break one rule at a time.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { type ParsedCert, type ParsedCrl, parseCrl, parseDer } from "../../src/identity/x509/index.js";

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

export type KeyAlg = "P-256" | "P-384" | "RSA" | "RSA-PSS" | "RSA-1024" | "Ed25519";

const GEN: Record<KeyAlg, Algorithm & Record<string, unknown>> = {
  "P-256": { name: "ECDSA", namedCurve: "P-256" },
  "P-384": { name: "ECDSA", namedCurve: "P-384" },
  RSA: {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
  "RSA-PSS": {
    name: "RSA-PSS",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
  "RSA-1024": {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 1024,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
  Ed25519: { name: "Ed25519" },
};
const SIGN: Record<KeyAlg, Algorithm & Record<string, unknown>> = {
  "P-256": { name: "ECDSA", hash: "SHA-256" },
  "P-384": { name: "ECDSA", hash: "SHA-384" },
  RSA: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  "RSA-PSS": { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 },
  "RSA-1024": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  Ed25519: { name: "Ed25519" },
};

export interface Issued {
  readonly name: string;
  readonly keys: CryptoKeyPair;
  readonly alg: KeyAlg;
  readonly cert: x509.X509Certificate;
  readonly der: Uint8Array;
  readonly pem: string;
  readonly serial: string;
  parsed(): ParsedCert;
}

export interface CertOptions {
  subject?: string;
  alg?: KeyAlg;
  /** Default: a CA when issuing with makeCa, a leaf with makeLeaf. */
  ca?: boolean;
  pathLen?: number;
  /** Leave basicConstraints out entirely. */
  noBasicConstraints?: boolean;
  /** KeyUsageFlags bitmask; null leaves the extension out. */
  keyUsage?: number | null;
  eku?: string[];
  uris?: string[];
  dns?: string[];
  notBefore?: Date;
  notAfter?: Date;
  serial?: string;
  /** Extra raw extensions (unknown critical ones, name constraints). */
  extensions?: x509.Extension[];
  /** Omit SKI/AKI. */
  noKeyIds?: boolean;
  /** Reuse this subject key pair instead of generating one (cross-signing, cycles). */
  keys?: CryptoKeyPair;
  /** Certify this SubjectPublicKeyInfo (DER) instead (keys WebCrypto cannot make: DSA, secp256k1). */
  spki?: Uint8Array;
  /** Sign with this hash instead of the issuer's default (e.g. "SHA-1"). */
  signHash?: string;
}

const DAY = 86_400_000;
let serialCounter = 0x1000;

async function keysFor(alg: KeyAlg): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(GEN[alg] as never, true, ["sign", "verify"])) as CryptoKeyPair;
}

function finish(
  name: string,
  keys: CryptoKeyPair,
  alg: KeyAlg,
  cert: x509.X509Certificate,
  serial: string,
): Issued {
  const der = new Uint8Array(cert.rawData);
  return { name, keys, alg, cert, der, pem: cert.toString("pem"), serial, parsed: () => parseDer(der) };
}

async function issue(issuer: Issued | undefined, o: CertOptions, defaultCa: boolean): Promise<Issued> {
  const alg = o.alg ?? "P-256";
  const keys = o.keys ?? (await keysFor(alg));
  const name = o.subject ?? `CN=test-${serialCounter}`;
  const ca = o.ca ?? defaultCa;
  const serial = o.serial ?? (serialCounter++).toString(16).padStart(4, "0");
  const exts: x509.Extension[] = [];
  if (!o.noBasicConstraints) exts.push(new x509.BasicConstraintsExtension(ca, o.pathLen, true));
  const ku =
    o.keyUsage === undefined
      ? ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
        : x509.KeyUsageFlags.digitalSignature
      : o.keyUsage;
  if (ku !== null) exts.push(new x509.KeyUsagesExtension(ku, true));
  if (o.eku) exts.push(new x509.ExtendedKeyUsageExtension(o.eku, false));
  const sans: x509.JsonGeneralName[] = [
    ...(o.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(o.dns ?? []).map((value) => ({ type: "dns" as const, value })),
  ];
  if (sans.length > 0) exts.push(new x509.SubjectAlternativeNameExtension(sans, false));
  if (!o.noKeyIds) {
    exts.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
    exts.push(await x509.AuthorityKeyIdentifierExtension.create((issuer ?? { keys }).keys.publicKey));
  }
  exts.push(...(o.extensions ?? []));
  const signer = issuer ?? { keys, alg, name };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: name,
    issuer: signer.name,
    notBefore: o.notBefore ?? new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 30 * DAY),
    signingAlgorithm: o.signHash ? { ...SIGN[signer.alg], hash: o.signHash } : SIGN[signer.alg],
    publicKey: o.spki ? Uint8Array.from(o.spki).buffer : keys.publicKey,
    signingKey: signer.keys.privateKey,
    extensions: exts,
  });
  return finish(name, keys, alg, cert, serial);
}

/** A self-signed root CA. */
export function makeRoot(o: CertOptions = {}): Promise<Issued> {
  return issue(undefined, { subject: `CN=root-${serialCounter}`, ...o }, true);
}

/** An intermediate CA issued by `issuer`. */
export function makeCa(issuer: Issued, o: CertOptions = {}): Promise<Issued> {
  return issue(issuer, { subject: `CN=ica-${serialCounter}`, ...o }, true);
}

/** A workload leaf issued by `issuer` (default: one spiffe URI SAN, digitalSignature). */
export function makeLeaf(issuer: Issued, o: CertOptions = {}): Promise<Issued> {
  return issue(
    issuer,
    { subject: `CN=workload-${serialCounter}`, uris: ["spiffe://prod.example/ns/a/sa/b"], ...o },
    false,
  );
}

export interface CrlOptions {
  revoked?: string[];
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** Sign with another key than the issuer's (a forged or wrong-issuer CRL). */
  signWith?: Issued;
}

export async function makeCrl(issuer: Issued, o: CrlOptions = {}): Promise<ParsedCrl> {
  const signer = o.signWith ?? issuer;
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.name,
    thisUpdate: o.thisUpdate ?? new Date(Date.now() - DAY),
    nextUpdate: o.nextUpdate ?? new Date(Date.now() + DAY),
    entries: (o.revoked ?? []).map((serialNumber) => ({
      serialNumber,
      revocationDate: new Date(Date.now() - DAY),
    })),
    signingAlgorithm: SIGN[signer.alg],
    signingKey: signer.keys.privateKey,
  });
  return parseCrl(new Uint8Array(crl.rawData));
}

// --- a tiny DER encoder for extensions @peculiar/x509 has no class for -------------------------

export function tlv(tag: number, content: Uint8Array | number[]): Uint8Array {
  const c = content instanceof Uint8Array ? content : Uint8Array.from(content);
  const len = c.length;
  const head = len < 0x80 ? [tag, len] : len < 0x100 ? [tag, 0x81, len] : [tag, 0x82, len >> 8, len & 0xff];
  return Uint8Array.from([...head, ...c]);
}

const ascii = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

export type Subtree = { dns: string } | { uri: string } | { ip: number[] } | { otherNameOid: number[] };

function subtree(s: Subtree): Uint8Array {
  if ("dns" in s) return tlv(0x30, tlv(0x82, ascii(s.dns)));
  if ("uri" in s) return tlv(0x30, tlv(0x86, ascii(s.uri)));
  if ("ip" in s) return tlv(0x30, tlv(0x87, Uint8Array.from(s.ip)));
  return tlv(0x30, tlv(0xa0, cat(tlv(0x06, s.otherNameOid), tlv(0xa0, tlv(0x05, [])))));
}

/** A critical nameConstraints extension. */
export function nameConstraints(permitted: Subtree[], excluded: Subtree[] = []): x509.Extension {
  const parts: Uint8Array[] = [];
  if (permitted.length > 0) parts.push(tlv(0xa0, cat(...permitted.map(subtree))));
  if (excluded.length > 0) parts.push(tlv(0xa1, cat(...excluded.map(subtree))));
  return new x509.Extension("2.5.29.30", true, tlv(0x30, cat(...parts)));
}

/** A critical extension nobody knows. */
export function unknownCritical(): x509.Extension {
  return new x509.Extension("1.3.6.1.4.1.55738.666.1", true, tlv(0x05, []));
}

export const EKU = x509.ExtendedKeyUsage;
export const KU = x509.KeyUsageFlags;
