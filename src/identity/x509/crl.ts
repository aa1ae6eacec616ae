/**
 * CRL parsing (RFC 5280 §5): strict DER, revoked serials in a Set. Features we do not implement
 * (delta CRLs, indirect CRLs, partitioned CRLs via issuingDistributionPoint) make the CRL
 * x509_crl_unsupported rather than being ignored.
 */
import { createHash } from "node:crypto";
import {
  bytesEqual,
  DerReader,
  decodeOid,
  decodeBoolean,
  decodeSmallInt,
  decodeTime,
  hex,
  integerBytes,
  readOne,
} from "./der.js";
import { asX509Error, X509Error } from "./errors.js";
import { type ParsedName, parseName } from "./names.js";
import { EXT } from "./oids.js";
import { decodeSignatureAlgorithm, type SignatureAlgorithm } from "./signature.js";
import { decodePemBlocks } from "./pem.js";

export interface ParsedCrl {
  readonly der: Uint8Array;
  readonly sha256: string;
  readonly issuer: ParsedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** Hex of each revoked serial's content octets (compare with ParsedCert.serialHex). */
  readonly revoked: ReadonlySet<string>;
  readonly crlNumber?: string;
  readonly authorityKeyId?: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm | X509Error;
  readonly signature: Uint8Array;
  /** Memo of signature checks, keyed by issuer certificate sha256. */
  readonly verifiedBy: Map<string, boolean>;
}

const KNOWN_CRL_EXTENSIONS = new Set<string>([EXT.crlNumber, EXT.authorityKeyIdentifier]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([EXT.reasonCode, EXT.invalidityDate]);

function crlError(e: unknown): X509Error {
  const err = asX509Error(e, "x509_crl_malformed");
  if (err.code === "x509_crl_unsupported" || err.code === "x509_crl_malformed") return err;
  return new X509Error("x509_crl_malformed", err.message.replace(/^x509: /, ""));
}

function readExtensions(tlv: Uint8Array, known: ReadonlySet<string>, what: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const r = new DerReader(readOne(tlv, 0x30, what).value);
  while (!r.done) {
    const e = new DerReader(r.read(0x30).value);
    const oid = decodeOid(e.read(0x06));
    const crit = e.readOptional(0x01);
    const critical = crit ? decodeBoolean(crit) : false;
    const value = e.read(0x04).value;
    e.end("Extension");
    if (out.has(oid)) throw new X509Error("x509_crl_malformed", `${what}: duplicate extension ${oid}`);
    if (
      oid === EXT.deltaCrlIndicator ||
      oid === EXT.issuingDistributionPoint ||
      oid === EXT.certificateIssuer
    ) {
      throw new X509Error(
        "x509_crl_unsupported",
        `${what}: extension ${oid} (delta, partitioned or indirect CRL) is not supported`,
      );
    }
    if (critical && !known.has(oid))
      throw new X509Error("x509_crl_unsupported", `${what}: unknown critical extension ${oid}`);
    out.set(oid, value);
  }
  return out;
}

function parseCrlDer(der: Uint8Array): ParsedCrl {
  const outer = new DerReader(der, "x509_crl_malformed");
  const list = outer.read(0x30);
  if (!outer.done) throw new X509Error("x509_crl_malformed", "trailing bytes after the CRL");
  const l = new DerReader(list.value);
  const tbsTlv = l.read(0x30);
  const outerAlg = l.read(0x30);
  const sig = l.read(0x03);
  l.end("CertificateList");
  if (sig.value.length < 1 || sig.value[0] !== 0)
    throw new X509Error("x509_crl_malformed", "bad signature BIT STRING");

  const t = new DerReader(tbsTlv.value);
  const v = t.readOptional(0x02);
  if (v && decodeSmallInt(v) !== 1) throw new X509Error("x509_crl_malformed", "unknown CRL version");
  const innerAlg = t.read(0x30);
  if (!bytesEqual(innerAlg.raw, outerAlg.raw))
    throw new X509Error("x509_crl_malformed", "signature algorithm mismatch");
  const issuer = parseName(t.read(0x30));
  const thisUpdate = decodeTime(t.read(), "x509_crl_malformed");
  let nextUpdate: Date | undefined;
  const nt = t.peekTag();
  if (nt === 0x17 || nt === 0x18) nextUpdate = decodeTime(t.read(), "x509_crl_malformed");
  const revoked = new Set<string>();
  const rc = t.readOptional(0x30);
  if (rc) {
    const rr = new DerReader(rc.value);
    while (!rr.done) {
      const entry = new DerReader(rr.read(0x30).value);
      const serial = integerBytes(entry.read(0x02));
      decodeTime(entry.read(), "x509_crl_malformed");
      const ext = entry.readOptional(0x30);
      if (ext) readExtensions(ext.raw, KNOWN_ENTRY_EXTENSIONS, "CRL entry");
      entry.end("revoked certificate entry");
      revoked.add(hex(serial));
    }
  }
  let crlNumber: string | undefined;
  let authorityKeyId: Uint8Array | undefined;
  const extTlv = t.readOptional(0xa0);
  if (extTlv) {
    const exts = readExtensions(
      readOne(extTlv.value, 0x30, "crlExtensions").raw,
      KNOWN_CRL_EXTENSIONS,
      "CRL",
    );
    const num = exts.get(EXT.crlNumber);
    if (num) crlNumber = hex(integerBytes(readOne(num, 0x02, "cRLNumber")));
    const aki = exts.get(EXT.authorityKeyIdentifier);
    if (aki)
      authorityKeyId = new DerReader(readOne(aki, 0x30, "authorityKeyIdentifier").value).readOptional(
        0x80,
      )?.value;
  }
  t.end("TBSCertList");

  let signatureAlgorithm: SignatureAlgorithm | X509Error;
  try {
    signatureAlgorithm = decodeSignatureAlgorithm(outerAlg);
  } catch (e) {
    signatureAlgorithm = asX509Error(e, "x509_unsupported_algorithm");
  }
  return {
    der,
    sha256: createHash("sha256").update(der).digest("hex"),
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
    crlNumber,
    authorityKeyId,
    tbs: tbsTlv.raw,
    signatureAlgorithm,
    signature: sig.value.subarray(1),
    verifiedBy: new Map(),
  };
}

/**
 * Parses one CRL from DER bytes or PEM text ("X509 CRL"). Throws X509Error with
 * x509_crl_malformed or x509_crl_unsupported. The signature is checked later, against the CA that
 * issued the certificate being checked (revocation.ts).
 */
export function parseCrl(input: Uint8Array | string): ParsedCrl {
  try {
    let der: Uint8Array;
    if (typeof input === "string") {
      der = decodePemBlocks(
        input,
        "X509 CRL",
        { maxBlocks: 1 },
        { malformed: "x509_crl_malformed", none: "x509_crl_malformed" },
      )[0] as Uint8Array;
    } else {
      der = new Uint8Array(input);
    }
    if (der.length === 0) throw new X509Error("x509_crl_malformed", "empty CRL");
    return parseCrlDer(der);
  } catch (e) {
    throw crlError(e);
  }
}
