/**
 * Distinguished names: structure checks, byte-exact comparison (as Go's crypto/x509 does; no
 * RFC 4518 string preparation) and a readable rendering for logs and policy input.
 */
import { DerReader, decodeOid, type Tlv } from "./der.js";
import { X509Error } from "./errors.js";

export interface ParsedName {
  /** The whole Name encoding, used as a map key and for equality. */
  raw: Uint8Array;
  /** Each RelativeDistinguishedName (SET) encoding, in order. */
  rdns: Uint8Array[];
  /** Readable form: "CN=foo, O=bar" in certificate order. */
  text: string;
  /** emailAddress attribute values (RFC 5280 §4.2.1.10 applies rfc822 constraints to them). */
  emails: string[];
}

const SHORT: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "E",
};
const EMAIL_OID = "1.2.840.113549.1.9.1";

function stringValue(tlv: Tlv): string {
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return Buffer.from(tlv.value).toString("utf8");
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (read as Latin-1)
      return Buffer.from(tlv.value).toString("latin1");
    case 0x1e: {
      // BMPString (UTF-16BE)
      const b = Buffer.from(tlv.value);
      if (b.length % 2 !== 0) throw new X509Error("x509_malformed", "odd-length BMPString");
      return Buffer.from(b).swap16().toString("utf16le");
    }
    default:
      return `#${Buffer.from(tlv.raw).toString("hex")}`;
  }
}

function escapeValue(v: string): string {
  return v
    .replace(/([,+"\\<>;=])/g, "\\$1")
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function parseName(seq: Tlv): ParsedName {
  if (seq.tag !== 0x30) throw new X509Error("x509_malformed", "Name is not a SEQUENCE");
  const r = new DerReader(seq.value);
  const rdns: Uint8Array[] = [];
  const parts: string[] = [];
  const emails: string[] = [];
  while (!r.done) {
    const set = r.read(0x31);
    const sr = new DerReader(set.value);
    const atvs: string[] = [];
    while (!sr.done) {
      const atv = new DerReader(sr.read(0x30).value);
      const oid = decodeOid(atv.read(0x06));
      const value = atv.read();
      atv.end("AttributeTypeAndValue");
      const s = stringValue(value);
      if (oid === EMAIL_OID) emails.push(s);
      atvs.push(`${SHORT[oid] ?? oid}=${escapeValue(s)}`);
    }
    if (atvs.length === 0) throw new X509Error("x509_malformed", "empty RelativeDistinguishedName");
    rdns.push(set.raw);
    parts.push(atvs.join("+"));
  }
  return { raw: seq.raw, rdns, text: parts.join(", "), emails };
}

/** True when `name` lies within the subtree `base` (base's RDNs are a prefix of name's). */
export function nameWithin(name: ParsedName, base: ParsedName): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  return base.rdns.every(
    (rdn, i) => Buffer.compare(Buffer.from(rdn), Buffer.from(name.rdns[i] as Uint8Array)) === 0,
  );
}
