/**
 * Certificate and CRL issuance for the demo PKI and for tests (certificates made at run time).
 * Built on @peculiar/x509 generators and WebCrypto keys from node:crypto.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
type JsonWebKey = webcrypto.JsonWebKey;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
import * as x509 from "@peculiar/x509";
import { encodePem } from "../identity/pem.js";

x509.cryptoProvider.set(webcrypto);

export type KeyAlgorithm = "P-256" | "P-384" | "RSA-2048" | "Ed25519";

export interface IssuedCertificate {
  readonly cert: x509.X509Certificate;
  readonly der: Buffer;
  readonly pem: string;
  readonly keys: CryptoKeyPair;
  readonly keyAlg: KeyAlgorithm;
  readonly subject: string;
}

export interface IssueOptions {
  /** Signing CA; omitted: self-signed. */
  issuer?: IssuedCertificate;
  /** Distinguished name, e.g. "CN=Demo Root, O=wimse-authz". */
  subject: string;
  keyAlg?: KeyAlgorithm;
  /** Present: a CA certificate (basicConstraints cA=true, keyCertSign|cRLSign). */
  ca?: { pathLen?: number };
  uris?: string[];
  dns?: string[];
  /** IP-address SANs (text form). */
  ips?: string[];
  /** EKU OIDs; default for leaves: clientAuth + serverAuth; null: no EKU extension. */
  eku?: string[] | null;
  /** Key usage flags (x509.KeyUsageFlags); default per CA/leaf. */
  keyUsage?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** Hex serial; default random positive 128-bit. */
  serial?: string;
  /** Extra extensions appended as given. */
  extensions?: x509.Extension[];
}

export const EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
export const EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

const DAY = 86_400_000;

export function randomSerial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] & 0x7f) | 0x01;
  return Buffer.from(b).toString("hex");
}

function keyGenParams(
  alg: KeyAlgorithm,
): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | Algorithm {
  switch (alg) {
    case "P-256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "P-384":
      return { name: "ECDSA", namedCurve: "P-384" };
    case "RSA-2048":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
    case "Ed25519":
      return { name: "Ed25519" };
  }
}

/** The signature algorithm a key of this type signs with. */
export function signingAlgorithm(alg: KeyAlgorithm): Algorithm | EcdsaParams {
  switch (alg) {
    case "P-256":
      return { name: "ECDSA", hash: "SHA-256" } as EcdsaParams;
    case "P-384":
      return { name: "ECDSA", hash: "SHA-384" } as EcdsaParams;
    case "RSA-2048":
      return { name: "RSASSA-PKCS1-v1_5" };
    case "Ed25519":
      return { name: "Ed25519" };
  }
}

export async function generateKeys(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(keyGenParams(alg), true, ["sign", "verify"])) as CryptoKeyPair;
}

/** Issues one certificate (CA or leaf), self-signed when no issuer is given. */
export async function issueCertificate(opts: IssueOptions): Promise<IssuedCertificate> {
  const keyAlg = opts.keyAlg ?? "P-256";
  const keys = await generateKeys(keyAlg);
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - 60_000);
  const notAfter = opts.notAfter ?? new Date(now + 365 * DAY);
  const isCa = opts.ca !== undefined;
  const ku =
    opts.keyUsage ??
    (isCa
      ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
      : x509.KeyUsageFlags.digitalSignature);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(isCa, opts.ca?.pathLen, true),
    new x509.KeyUsagesExtension(ku, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (opts.issuer) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(opts.issuer.keys.publicKey));
  }
  const eku = opts.eku === undefined ? (isCa ? null : [EKU_CLIENT_AUTH, EKU_SERVER_AUTH]) : opts.eku;
  if (eku) extensions.push(new x509.ExtendedKeyUsageExtension(eku, false));
  const names: x509.JsonGeneralName[] = [
    ...(opts.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(opts.dns ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(opts.ips ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  extensions.push(...(opts.extensions ?? []));

  const common = { serialNumber: opts.serial ?? randomSerial(), notBefore, notAfter, extensions };
  const cert = opts.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: opts.subject,
        issuer: opts.issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: opts.issuer.keys.privateKey,
        signingAlgorithm: signingAlgorithm(opts.issuer.keyAlg),
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        ...common,
        name: opts.subject,
        keys,
        signingAlgorithm: signingAlgorithm(keyAlg),
      });
  const der = Buffer.from(cert.rawData);
  return { cert, der, pem: encodePem(der, "CERTIFICATE"), keys, keyAlg, subject: cert.subject };
}

export interface CrlOptions {
  issuer: IssuedCertificate;
  revoked?: { serial: string; date?: Date }[];
  thisUpdate?: Date;
  nextUpdate?: Date;
}

export interface IssuedCrl {
  readonly crl: x509.X509Crl;
  readonly der: Buffer;
  readonly pem: string;
}

/** Issues a CRL signed by the issuer's key. */
export async function issueCrl(opts: CrlOptions): Promise<IssuedCrl> {
  const now = Date.now();
  const thisUpdate = opts.thisUpdate ?? new Date(now - 60_000);
  const crl = await x509.X509CrlGenerator.create({
    issuer: opts.issuer.cert.subject,
    thisUpdate,
    nextUpdate: opts.nextUpdate ?? new Date(now + 7 * DAY),
    signingKey: opts.issuer.keys.privateKey,
    signingAlgorithm: signingAlgorithm(opts.issuer.keyAlg),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(opts.issuer.keys.publicKey)],
    entries: (opts.revoked ?? []).map((r) => ({
      serialNumber: r.serial,
      revocationDate: r.date ?? thisUpdate,
      reason: x509.X509CrlReason.keyCompromise,
    })),
  });
  const der = Buffer.from(crl.rawData);
  return { crl, der, pem: encodePem(der, "X509 CRL") };
}

/** PKCS#8 PEM of a private key (what node:tls accepts as `key`). */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

/** Public JWK of a certificate's key, for SPIFFE bundle JSON entries. */
export async function exportPublicJwk(cert: IssuedCertificate): Promise<JsonWebKey> {
  return webcrypto.subtle.exportKey("jwk", cert.keys.publicKey);
}
