/**
 * Certificate parsing: strict DER structure with our own reader, the parts path validation needs
 * decoded once. (@peculiar/x509 parses too, but about 15 ms per certificate on this machine against
 * well under 1 ms here, and less strictly, so the hot path does not use it; tests make their
 * certificates with it.) Parsed certificates are cached by DER SHA-256, so a
 * certificate seen again costs a hash and a map lookup; its public key is imported once.
 */
import { createHash } from "node:crypto";
import { DerReader, decodeTime, hex, integerBytes, readOne, decodeSmallInt, bytesEqual } from "./der.js";
import { X509Error, asX509Error } from "./errors.js";
import {
  type AuthorityKeyId,
  type BasicConstraints,
  checkInfoAccess,
  decodeAuthorityKeyId,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeNameConstraints,
  decodeSubjectAltName,
  decodeSubjectKeyId,
  type NameConstraints,
  parseExtensions,
  type RawExtension,
} from "./extensions.js";
import type { GeneralName } from "./general-names.js";
import { type ParsedName, parseName } from "./names.js";
import { EXT } from "./oids.js";
import {
  checkSpki,
  decodeSignatureAlgorithm,
  importPublicKey,
  type PublicKeyInfo,
  type SignatureAlgorithm,
} from "./signature.js";

export interface ParsedCert {
  readonly der: Uint8Array;
  /** Hex SHA-256 of the DER: identity of this certificate. */
  readonly sha256: string;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Serial number content octets (two's complement) and their hex. */
  readonly serial: Uint8Array;
  readonly serialHex: string;
  readonly tbs: Uint8Array;
  /** Decoded signature algorithm, or why it is not acceptable. */
  readonly signatureAlgorithm: SignatureAlgorithm | X509Error;
  readonly signature: Uint8Array;
  readonly issuer: ParsedName;
  readonly subject: ParsedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  /** Why the subject key is not acceptable (algorithm, curve, size), from the DER alone. */
  readonly keyError?: X509Error;
  /** The imported public key, or why it cannot be used; imported on first use, then kept. */
  readonly publicKey: PublicKeyInfo | X509Error;
  readonly extensions: ReadonlyMap<string, RawExtension>;
  readonly basicConstraints?: BasicConstraints;
  /** Bitmask indexed by KU in extensions.ts. */
  readonly keyUsage?: number;
  readonly extKeyUsage?: readonly string[];
  readonly subjectAltNames?: readonly GeneralName[];
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: AuthorityKeyId;
  readonly nameConstraints?: NameConstraints;
  /** Issuer and subject names are identical (RFC 5280 "self-issued"). */
  readonly selfIssued: boolean;
  /** Memo of signature checks against issuers, keyed by the issuer's sha256. */
  readonly verifiedBy: Map<string, boolean>;
}

function parseUncached(der: Uint8Array): ParsedCert {
  const outer = new DerReader(der);
  const cert = outer.read(0x30);
  if (!outer.done)
    throw new X509Error("x509_trailing_data", `${der.length - cert.raw.length} bytes after the certificate`);
  const c = new DerReader(cert.value);
  const tbsTlv = c.read(0x30);
  const outerAlg = c.read(0x30);
  const sigTlv = c.read(0x03);
  c.end("Certificate");
  if (sigTlv.value.length < 1 || sigTlv.value[0] !== 0)
    throw new X509Error("x509_malformed", "signature BIT STRING has unused bits");
  const signature = sigTlv.value.subarray(1);

  const t = new DerReader(tbsTlv.value);
  let version = 1;
  const vTlv = t.readOptional(0xa0);
  if (vTlv) {
    const v = decodeSmallInt(readOne(vTlv.value, 0x02, "version"));
    if (v === 0) throw new X509Error("x509_malformed", "explicit default version is not DER");
    if (v > 2) throw new X509Error("x509_malformed", `unknown version ${v + 1}`);
    version = v + 1;
  }
  const serial = integerBytes(t.read(0x02));
  const innerAlg = t.read(0x30);
  const issuer = parseName(t.read(0x30));
  const validity = new DerReader(t.read(0x30).value);
  const notBefore = decodeTime(validity.read());
  const notAfter = decodeTime(validity.read());
  validity.end("Validity");
  const subject = parseName(t.read(0x30));
  const spki = t.read(0x30).raw;
  if (t.readOptional(0x81) || t.readOptional(0x82)) {
    if (version < 2) throw new X509Error("x509_malformed", "unique identifiers in a v1 certificate");
  }
  const extTlv = t.readOptional(0xa3);
  t.end("TBSCertificate");
  if (!bytesEqual(innerAlg.raw, outerAlg.raw)) {
    throw new X509Error(
      "x509_malformed",
      "signature algorithm differs between TBSCertificate and Certificate",
    );
  }
  let extensions = new Map<string, RawExtension>();
  if (extTlv) {
    if (version !== 3) throw new X509Error("x509_malformed", "extensions in a certificate older than v3");
    extensions = parseExtensions(readOne(extTlv.value, 0x30, "extensions"));
  }

  let signatureAlgorithm: SignatureAlgorithm | X509Error;
  try {
    signatureAlgorithm = decodeSignatureAlgorithm(outerAlg);
  } catch (e) {
    signatureAlgorithm = asX509Error(e, "x509_unsupported_algorithm");
  }
  const keyError = checkSpki(spki);
  let publicKey: PublicKeyInfo | X509Error | undefined = keyError;

  const ext = (oid: string) => extensions.get(oid)?.value;
  const bcV = ext(EXT.basicConstraints);
  const kuV = ext(EXT.keyUsage);
  const ekuV = ext(EXT.extKeyUsage);
  const sanV = ext(EXT.subjectAltName);
  const skiV = ext(EXT.subjectKeyIdentifier);
  const akiV = ext(EXT.authorityKeyIdentifier);
  const ncV = ext(EXT.nameConstraints);
  const aiaV = ext(EXT.authorityInfoAccess);
  if (aiaV) checkInfoAccess(aiaV, "authorityInfoAccess");
  const siaV = ext(EXT.subjectInfoAccess);
  if (siaV) checkInfoAccess(siaV, "subjectInfoAccess");

  const sha256 = createHash("sha256").update(der).digest("hex");

  // Frozen: parsed certificates are shared through the cache.
  return Object.freeze({
    der,
    sha256,
    version,
    serial,
    serialHex: hex(serial),
    tbs: tbsTlv.raw,
    signatureAlgorithm,
    signature,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    keyError,
    // Leaves' keys are never needed here (the TLS handshake proved possession): import lazily.
    get publicKey(): PublicKeyInfo | X509Error {
      if (publicKey === undefined) {
        try {
          publicKey = importPublicKey(spki);
        } catch (e) {
          publicKey = asX509Error(e, "x509_unsupported_algorithm");
        }
      }
      return publicKey;
    },
    extensions,
    basicConstraints: bcV ? decodeBasicConstraints(bcV) : undefined,
    keyUsage: kuV ? decodeKeyUsage(kuV) : undefined,
    extKeyUsage: ekuV ? Object.freeze(decodeExtKeyUsage(ekuV)) : undefined,
    subjectAltNames: sanV ? Object.freeze(decodeSubjectAltName(sanV)) : undefined,
    subjectKeyId: skiV ? decodeSubjectKeyId(skiV) : undefined,
    authorityKeyId: akiV ? decodeAuthorityKeyId(akiV) : undefined,
    nameConstraints: ncV ? decodeNameConstraints(ncV) : undefined,
    selfIssued: bytesEqual(issuer.raw, subject.raw),
    verifiedBy: new Map(),
  });
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, ParsedCert>();

/**
 * Parses one DER certificate. Throws X509Error: x509_truncated, x509_trailing_data,
 * x509_malformed, x509_duplicate_extension. The result is cached by DER hash.
 */
export function parseDer(der: Uint8Array): ParsedCert {
  const bytes = der instanceof Buffer ? new Uint8Array(der.buffer, der.byteOffset, der.byteLength) : der;
  if (bytes.length === 0) throw new X509Error("x509_truncated", "empty certificate");
  const key = createHash("sha256").update(bytes).digest("hex");
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  let parsed: ParsedCert;
  try {
    // Copy so that later changes to the caller's buffer cannot alter a cached certificate.
    parsed = parseUncached(new Uint8Array(bytes));
  } catch (e) {
    throw asX509Error(e);
  }
  cache.set(key, parsed);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return parsed;
}

/** Non-throwing form of parseDer. */
export function tryParseDer(
  der: Uint8Array,
): { ok: true; cert: ParsedCert } | { ok: false; error: X509Error } {
  try {
    return { ok: true, cert: parseDer(der) };
  } catch (e) {
    return { ok: false, error: asX509Error(e) };
  }
}
