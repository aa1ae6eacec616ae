/**
 * Decoding of the certificate extensions path validation understands (RFC 5280 §4.2). Each
 * decoder is strict: a malformed value is x509_malformed, never ignored.
 */
import {
  DerReader,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInt,
  integerBytes,
  readOne,
  type Tlv,
} from "./der.js";
import { X509Error } from "./errors.js";
import {
  decodeGeneralName,
  decodeGeneralNames,
  type GeneralName,
  MAX_GENERAL_NAMES,
} from "./general-names.js";
import { EXT } from "./oids.js";

export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

export const KU = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KU;

export interface AuthorityKeyId {
  keyId?: Uint8Array;
  hasIssuer: boolean;
  hasSerial: boolean;
}

export interface GeneralSubtree {
  base: GeneralName;
}

export interface NameConstraints {
  permitted?: GeneralSubtree[];
  excluded?: GeneralSubtree[];
}

/** Parses `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`; duplicates are rejected. */
export function parseExtensions(seq: Tlv): Map<string, RawExtension> {
  const out = new Map<string, RawExtension>();
  const r = new DerReader(seq.value);
  while (!r.done) {
    const e = new DerReader(r.read(0x30).value);
    const oid = decodeOid(e.read(0x06));
    let critical = false;
    const crit = e.readOptional(0x01);
    if (crit) {
      critical = decodeBoolean(crit);
      if (!critical)
        throw new X509Error("x509_malformed", `extension ${oid}: explicit critical FALSE is not DER`);
    }
    const value = e.read(0x04).value;
    e.end("Extension");
    if (out.has(oid)) throw new X509Error("x509_duplicate_extension", `extension ${oid} appears twice`);
    out.set(oid, { oid, critical, value });
  }
  if (out.size === 0) throw new X509Error("x509_malformed", "empty extensions");
  return out;
}

export function decodeBasicConstraints(v: Uint8Array): BasicConstraints {
  const r = new DerReader(readOne(v, 0x30, "basicConstraints").value);
  let ca = false;
  const caTlv = r.readOptional(0x01);
  if (caTlv) {
    ca = decodeBoolean(caTlv);
    if (!ca) throw new X509Error("x509_malformed", "basicConstraints: explicit cA FALSE is not DER");
  }
  const plTlv = r.readOptional(0x02);
  r.end("basicConstraints");
  return plTlv ? { ca, pathLen: decodeSmallInt(plTlv) } : { ca };
}

/** Returns a bitmask indexed by KU. */
export function decodeKeyUsage(v: Uint8Array): number {
  const { bytes } = decodeBitString(readOne(v, 0x03, "keyUsage"));
  let mask = 0;
  for (let bit = 0; bit < bytes.length * 8 && bit < 16; bit++) {
    if ((((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) === 1) mask |= 1 << bit;
  }
  if (bytes.length > 2) throw new X509Error("x509_malformed", "keyUsage too long");
  if (mask === 0) throw new X509Error("x509_malformed", "keyUsage has no bit set");
  return mask;
}

export function decodeExtKeyUsage(v: Uint8Array): string[] {
  const r = new DerReader(readOne(v, 0x30, "extKeyUsage").value);
  const out: string[] = [];
  while (!r.done) out.push(decodeOid(r.read(0x06)));
  if (out.length === 0) throw new X509Error("x509_malformed", "extKeyUsage is empty");
  return out;
}

export function decodeSubjectAltName(v: Uint8Array): GeneralName[] {
  return decodeGeneralNames(readOne(v, 0x30, "subjectAltName"), "subjectAltName");
}

export function decodeSubjectKeyId(v: Uint8Array): Uint8Array {
  const id = readOne(v, 0x04, "subjectKeyIdentifier").value;
  if (id.length === 0) throw new X509Error("x509_malformed", "empty subjectKeyIdentifier");
  return id;
}

export function decodeAuthorityKeyId(v: Uint8Array): AuthorityKeyId {
  const r = new DerReader(readOne(v, 0x30, "authorityKeyIdentifier").value);
  const keyId = r.readOptional(0x80)?.value;
  const issuer = r.readOptional(0xa1);
  if (issuer) decodeGeneralNames(issuer, "authorityCertIssuer");
  const serial = r.readOptional(0x82);
  r.end("authorityKeyIdentifier");
  if ((issuer === undefined) !== (serial === undefined)) {
    throw new X509Error(
      "x509_malformed",
      "authorityCertIssuer and authorityCertSerialNumber must appear together",
    );
  }
  return { keyId, hasIssuer: issuer !== undefined, hasSerial: serial !== undefined };
}

function decodeSubtrees(tlv: Tlv): GeneralSubtree[] {
  const r = new DerReader(tlv.value);
  const out: GeneralSubtree[] = [];
  while (!r.done) {
    const st = new DerReader(r.read(0x30).value);
    const base = decodeGeneralName(st.read());
    const min = st.readOptional(0x80);
    const max = st.readOptional(0x81);
    st.end("GeneralSubtree");
    // RFC 5280 §4.2.1.10: minimum MUST be zero (so absent in DER), maximum MUST be absent.
    if (min !== undefined || max !== undefined) {
      throw new X509Error("x509_malformed", "GeneralSubtree minimum/maximum are not allowed");
    }
    out.push({ base });
    if (out.length > MAX_GENERAL_NAMES)
      throw new X509Error("x509_malformed", "too many name-constraint subtrees");
  }
  return out;
}

export function decodeNameConstraints(v: Uint8Array): NameConstraints {
  const r = new DerReader(readOne(v, 0x30, "nameConstraints").value);
  const p = r.readOptional(0xa0);
  const x = r.readOptional(0xa1);
  r.end("nameConstraints");
  const nc: NameConstraints = {};
  if (p) nc.permitted = decodeSubtrees(p);
  if (x) nc.excluded = decodeSubtrees(x);
  // §4.2.1.10: either permittedSubtrees or excludedSubtrees MUST be present, and not empty.
  if ((nc.permitted?.length ?? 0) === 0 && (nc.excluded?.length ?? 0) === 0) {
    throw new X509Error("x509_malformed", "nameConstraints has no subtrees");
  }
  if (p && nc.permitted?.length === 0) throw new X509Error("x509_malformed", "empty permittedSubtrees");
  if (x && nc.excluded?.length === 0) throw new X509Error("x509_malformed", "empty excludedSubtrees");
  return nc;
}

/** AuthorityInfoAccessSyntax / SubjectInfoAccessSyntax: SEQUENCE SIZE (1..MAX) OF AccessDescription. */
export function checkInfoAccess(v: Uint8Array, what: string): void {
  const r = new DerReader(readOne(v, 0x30, what).value);
  let n = 0;
  while (!r.done) {
    const ad = new DerReader(r.read(0x30).value);
    decodeOid(ad.read(0x06));
    decodeGeneralName(ad.read());
    ad.end("AccessDescription");
    n++;
  }
  if (n === 0) throw new X509Error("x509_malformed", `${what} has no AccessDescription`);
}

/** Structure-only check for a SEQUENCE-valued extension we recognise but do not interpret. */
export function checkSequence(v: Uint8Array, what: string): void {
  readOne(v, 0x30, what);
}

/** Integer-valued extensions (inhibitAnyPolicy). */
export function checkInteger(v: Uint8Array, what: string): void {
  integerBytes(readOne(v, 0x02, what));
}

/** Extensions this implementation understands (RFC 5280 §6.1.4(o): any other critical one fails). */
export const KNOWN_CERT_EXTENSIONS: ReadonlySet<string> = new Set([
  EXT.subjectKeyIdentifier,
  EXT.keyUsage,
  EXT.subjectAltName,
  EXT.issuerAltName,
  EXT.basicConstraints,
  EXT.nameConstraints,
  EXT.crlDistributionPoints,
  EXT.certificatePolicies,
  EXT.authorityKeyIdentifier,
  EXT.extKeyUsage,
  EXT.freshestCrl,
  EXT.authorityInfoAccess,
  EXT.subjectInfoAccess,
  EXT.ctPrecertificateScts,
]);
