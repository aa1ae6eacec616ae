/**
 * crypto.x509.* host builtins. Certificates are returned in the JSON shape of Go's
 * x509.Certificate as OPA emits it (the commonly used fields: Subject/Issuer as pkix.Name,
 * SerialNumber, NotBefore/NotAfter, DNSNames, EmailAddresses, IPAddresses, URIStrings, IsCA,
 * BasicConstraintsValid, MaxPathLen, Raw), plus crypto.x509.parse_and_verify_certificates,
 * parse_certificate_request, parse_keypair, parse_rsa_private_key.
 */
import "reflect-metadata";
import { X509Certificate as NodeX509, createPrivateKey, createPublicKey } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { str } from "./args.js";
import { fail } from "./errors.js";
import type { BuiltinFamily } from "./registry.js";

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** PEM text, base64 of PEM, or base64 DER (one or more certificates) -> DER blobs. */
function derBlocks(input: string, label: RegExp): Buffer[] {
  let text = input.trim();
  if (!text.includes("-----BEGIN")) {
    if (!/^[A-Za-z0-9+/=\s]*$/.test(text)) fail("illegal base64 data");
    const decoded = Buffer.from(text.replace(/\s+/g, ""), "base64");
    const asText = decoded.toString("latin1");
    if (asText.includes("-----BEGIN")) text = asText;
    else return splitDer(decoded);
  }
  const out: Buffer[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (label.test(m[1] ?? "")) out.push(Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64"));
  }
  if (out.length === 0) fail("failed to find a PEM block of the expected type");
  return out;
}

/** Concatenated DER SEQUENCEs -> one buffer each (definite lengths only). */
function splitDer(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf[off] !== 0x30 || off + 2 > buf.length) fail("x509: malformed DER data");
    const first = buf[off + 1] ?? 0;
    let len = first;
    let hdr = 2;
    if (first & 0x80) {
      const n = first & 0x7f;
      if (n === 0 || n > 4 || off + 2 + n > buf.length) fail("x509: malformed DER length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[off + 2 + i] ?? 0);
      hdr = 2 + n;
    }
    if (off + hdr + len > buf.length) fail("x509: truncated DER data");
    out.push(buf.subarray(off, off + hdr + len));
    off += hdr + len;
  }
  return out;
}

const NAME_FIELDS: [string, string][] = [
  ["2.5.4.6", "Country"],
  ["2.5.4.10", "Organization"],
  ["2.5.4.11", "OrganizationalUnit"],
  ["2.5.4.7", "Locality"],
  ["2.5.4.8", "Province"],
  ["2.5.4.9", "StreetAddress"],
  ["2.5.4.17", "PostalCode"],
];

function pkixName(name: x509.Name): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names: { Type: number[]; Value: string }[] = [];
  for (const rdn of name.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      const oid = /^\d+(\.\d+)+$/.test(type) ? type : oidOf(type);
      for (const v of values) names.push({ Type: oid.split(".").map(Number), Value: v });
    }
  }
  for (const [oid, field] of NAME_FIELDS) {
    const vals = names.filter((n) => n.Type.join(".") === oid).map((n) => n.Value);
    if (vals.length > 0) out[field] = vals;
  }
  const pick = (oid: string): string => names.find((n) => n.Type.join(".") === oid)?.Value ?? "";
  out.SerialNumber = pick("2.5.4.5");
  out.CommonName = pick("2.5.4.3");
  out.Names = names;
  out.ExtraNames = null;
  return out;
}

const SHORT_OIDS: Record<string, string> = {
  CN: "2.5.4.3",
  C: "2.5.4.6",
  O: "2.5.4.10",
  OU: "2.5.4.11",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  street: "2.5.4.9",
  serialNumber: "2.5.4.5",
  E: "1.2.840.113549.1.9.1",
  DC: "0.9.2342.19200300.100.1.25",
  postalCode: "2.5.4.17",
};

function oidOf(short: string): string {
  return SHORT_OIDS[short] ?? short;
}

function sanNames(ext: x509.SubjectAlternativeNameExtension | null): Record<string, string[]> {
  const out: Record<string, string[]> = { dns: [], email: [], ip: [], url: [] };
  for (const n of ext?.names.items ?? []) {
    const list = out[n.type] ?? [];
    list.push(n.value);
    out[n.type] = list;
  }
  return out;
}

function certificateJson(der: Buffer): Record<string, unknown> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der);
  } catch (e) {
    return fail(`x509: malformed certificate: ${(e as Error).message}`);
  }
  const san = sanNames(cert.getExtension(x509.SubjectAlternativeNameExtension));
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    Raw: der.toString("base64"),
    Version: 3,
    SerialNumber: Number.parseInt(cert.serialNumber.slice(-13), 16),
    Subject: pkixName(cert.subjectName),
    Issuer: pkixName(cert.issuerName),
    NotBefore: cert.notBefore.toISOString().replace(".000Z", "Z"),
    NotAfter: cert.notAfter.toISOString().replace(".000Z", "Z"),
    DNSNames: san.dns?.length ? san.dns : null,
    EmailAddresses: san.email?.length ? san.email : null,
    IPAddresses: san.ip?.length ? san.ip : null,
    URIs: san.url?.length ? san.url.map(urlJson) : null,
    URIStrings: san.url?.length ? san.url : null,
    BasicConstraintsValid: bc !== null,
    IsCA: bc?.ca ?? false,
    MaxPathLen: bc?.pathLength ?? -1,
    MaxPathLenZero: bc?.pathLength === 0,
  };
}

function urlJson(u: string): Record<string, unknown> {
  try {
    const url = new URL(u);
    return {
      Scheme: url.protocol.replace(/:$/, ""),
      Opaque: "",
      User: null,
      Host: url.host,
      Path: decodeURIComponent(url.pathname),
      RawPath: "",
      OmitHost: false,
      ForceQuery: false,
      RawQuery: url.search.replace(/^\?/, ""),
      Fragment: url.hash.replace(/^#/, ""),
      RawFragment: "",
    };
  } catch {
    return { Scheme: "", Opaque: u };
  }
}

/** Verifies the chain [leaf, ...intermediates, root] with the last as the trust anchor. */
function verifyChain(ders: Buffer[]): boolean {
  if (ders.length < 2) return false;
  const certs = ders.map((d) => new NodeX509(d));
  const now = Date.now();
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i] as NodeX509;
    if (Date.parse(c.validFrom) > now || Date.parse(c.validTo) < now) return false;
    const issuer = certs[Math.min(i + 1, certs.length - 1)] as NodeX509;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return false;
    if (i > 0 && !c.ca) return false;
  }
  return true;
}

/** JWKs of the PEM (or base64 PEM) private keys; null for an empty string, as OPA returns. */
function privateKeys(text: string): unknown[] | null {
  if (text === "") return null;
  if (text.trim() === "") return [];
  const pem = text.includes("-----BEGIN") ? text : Buffer.from(text, "base64").toString("utf8");
  const out: unknown[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    if (!/PRIVATE KEY$/.test(m[1] ?? "")) continue;
    try {
      out.push(createPrivateKey(m[0]).export({ format: "jwk" }));
    } catch (e) {
      fail(`failed to parse private key: ${(e as Error).message}`);
    }
  }
  return out;
}

export const x509Builtins: BuiltinFamily = {
  "crypto.parse_private_keys": (s) => privateKeys(str(s, 1)),
  "crypto.x509.parse_certificates": (s) => derBlocks(str(s, 1), /CERTIFICATE$/).map(certificateJson),
  "crypto.x509.parse_and_verify_certificates": (s) => {
    // OPA: the first certificate is the trust anchor, the last the leaf; the result is leaf first.
    const ders = derBlocks(str(s, 1), /CERTIFICATE$/).reverse();
    let ok = false;
    try {
      ok = verifyChain(ders);
    } catch {
      ok = false;
    }
    return ok ? [true, ders.map(certificateJson)] : [false, []];
  },
  "crypto.x509.parse_certificate_request": (s) => {
    const [der] = derBlocks(str(s, 1), /CERTIFICATE REQUEST$/);
    try {
      const csr = new x509.Pkcs10CertificateRequest(der as Buffer);
      const sanExt = csr.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
      const san = sanNames((sanExt as x509.SubjectAlternativeNameExtension | undefined) ?? null);
      return {
        Raw: (der as Buffer).toString("base64"),
        Version: 0,
        Subject: pkixName(csr.subjectName),
        DNSNames: san.dns?.length ? san.dns : null,
        EmailAddresses: san.email?.length ? san.email : null,
        IPAddresses: san.ip?.length ? san.ip : null,
        URIs: san.url?.length ? san.url.map(urlJson) : null,
      };
    } catch (e) {
      return fail(`x509: malformed certificate request: ${(e as Error).message}`);
    }
  },
  "crypto.x509.parse_keypair": (certText, keyText) => {
    const ders = derBlocks(str(certText, 1), /CERTIFICATE$/);
    const keyPem = str(keyText, 2);
    let key: ReturnType<typeof createPrivateKey>;
    try {
      key = createPrivateKey(
        keyPem.includes("-----BEGIN") ? keyPem : Buffer.from(keyPem, "base64").toString("utf8"),
      );
    } catch (e) {
      return fail(`tls: failed to parse private key: ${(e as Error).message}`);
    }
    const leaf = new NodeX509(ders[0] as Buffer);
    const pub = createPublicKey(key).export({ format: "der", type: "spki" });
    if (!leaf.publicKey.export({ format: "der", type: "spki" }).equals(pub)) {
      fail("tls: private key does not match public key");
    }
    return {
      Certificate: ders.map((d) => d.toString("base64")),
      Leaf: null,
      OCSPStaple: null,
      SignedCertificateTimestamps: null,
    };
  },
  "crypto.x509.parse_rsa_private_key": (s) => {
    const text = str(s, 1);
    try {
      const pem = text.includes("-----BEGIN") ? text : Buffer.from(text, "base64").toString("utf8");
      const key = createPrivateKey(pem);
      if (key.asymmetricKeyType !== "rsa") fail("not an RSA private key");
      return key.export({ format: "jwk" });
    } catch (e) {
      return fail(`failed to parse RSA private key: ${(e as Error).message}`);
    }
  },
};
