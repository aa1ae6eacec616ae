/** GeneralName (RFC 5280 §4.2.1.6) decoding, shared by SAN, AKI and name constraints. */
import { DerReader, type Tlv } from "./der.js";
import { X509Error } from "./errors.js";
import { parseName, type ParsedName } from "./names.js";

/** Bounds name-constraint work (names x subtrees x CAs) on hostile input. */
export const MAX_GENERAL_NAMES = 1024;

export type GeneralName =
  | { type: "dns"; value: string }
  | { type: "uri"; value: string }
  | { type: "email"; value: string }
  | { type: "ip"; bytes: Uint8Array }
  | { type: "dn"; name: ParsedName }
  /** otherName, x400Address, ediPartyName, registeredID: carried, never interpreted. */
  | { type: "other"; tag: number };

function ia5(tlv: Tlv, what: string): string {
  for (const b of tlv.value) {
    if (b > 0x7e || b < 0x20) throw new X509Error("x509_malformed", `${what} is not printable IA5String`);
  }
  return Buffer.from(tlv.value).toString("latin1");
}

export function decodeGeneralName(tlv: Tlv): GeneralName {
  switch (tlv.tag) {
    case 0x81:
      return { type: "email", value: ia5(tlv, "rfc822Name") };
    case 0x82:
      return { type: "dns", value: ia5(tlv, "dNSName") };
    case 0x86:
      return { type: "uri", value: ia5(tlv, "URI") };
    case 0x87:
      return { type: "ip", bytes: tlv.value };
    case 0xa4: {
      const r = new DerReader(tlv.value);
      const name = parseName(r.read(0x30));
      r.end("directoryName");
      return { type: "dn", name };
    }
    case 0xa0:
    case 0xa3:
    case 0xa5:
    case 0x88:
      return { type: "other", tag: tlv.tag };
    default:
      throw new X509Error("x509_malformed", `unknown GeneralName tag 0x${tlv.tag.toString(16)}`);
  }
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName */
export function decodeGeneralNames(seq: Tlv, what: string): GeneralName[] {
  if (seq.tag !== 0x30 && seq.tag !== 0xa1)
    throw new X509Error("x509_malformed", `${what} is not a SEQUENCE`);
  const r = new DerReader(seq.value);
  const out: GeneralName[] = [];
  while (!r.done) {
    out.push(decodeGeneralName(r.read()));
    if (out.length > MAX_GENERAL_NAMES)
      throw new X509Error("x509_malformed", `${what} has more than ${MAX_GENERAL_NAMES} names`);
  }
  if (out.length === 0) throw new X509Error("x509_malformed", `${what} is empty`);
  return out;
}
