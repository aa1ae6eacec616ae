/**
 * Per-certificate profile checks (RFC 5280 §4 "MUST" rules a validator can see, plus the few CA/B
 * Forum rules that catch real attacks or mis-issuance). They depend only on the certificate and
 * its role in the path, so they run once per candidate and prune path building early.
 */
import type { ParsedCert } from "./cert.js";
import { X509Error } from "./errors.js";
import { KNOWN_CERT_EXTENSIONS, KU } from "./extensions.js";
import { EKU, EXT } from "./oids.js";

export type CertRole = "leaf" | "intermediate" | "anchor";

export interface ProfileOptions {
  /**
   * RFC 5280 allows the target certificate to be a CA certificate; WIMSE (mutual-tls §3) and
   * SPIFFE forbid it. Default false: a leaf with cA=TRUE is x509_leaf_is_ca.
   */
  allowCaLeaf?: boolean;
}

export function hasKu(cert: ParsedCert, bit: number): boolean {
  return cert.keyUsage !== undefined && (cert.keyUsage & (1 << bit)) !== 0;
}

function fail(code: ConstructorParameters<typeof X509Error>[0], cert: ParsedCert, message: string): never {
  throw new X509Error(code, `${message} (${cert.subject.text || "empty subject"})`);
}

function checkCommon(cert: ParsedCert): void {
  if (cert.version !== 3) fail("x509_unsupported_version", cert, `v${cert.version} certificate`);
  // §4.1.2.2: positive, at most 20 octets.
  const s = cert.serial;
  if (((s[0] as number) & 0x80) !== 0) fail("x509_bad_serial", cert, "negative serial number");
  if (s.every((b) => b === 0)) fail("x509_bad_serial", cert, "zero serial number");
  if (s.length > 21 || (s.length === 21 && s[0] !== 0))
    fail("x509_bad_serial", cert, "serial number longer than 20 octets");
  if (cert.keyError) throw cert.keyError;

  for (const e of cert.extensions.values()) {
    if (e.critical && !KNOWN_CERT_EXTENSIONS.has(e.oid)) {
      fail("x509_unknown_critical_extension", cert, `unknown critical extension ${e.oid}`);
    }
  }
  const crit = (oid: string) => cert.extensions.get(oid)?.critical === true;
  // §4.2.1.1, 4.2.1.2, 4.2.2.1: MUST be non-critical.
  if (crit(EXT.authorityKeyIdentifier))
    fail("x509_invalid_extension", cert, "critical authorityKeyIdentifier");
  if (crit(EXT.subjectKeyIdentifier)) fail("x509_invalid_extension", cert, "critical subjectKeyIdentifier");
  if (crit(EXT.authorityInfoAccess)) fail("x509_invalid_extension", cert, "critical authorityInfoAccess");
  // §4.2.1.6: empty subject needs a critical SAN; CA/B: otherwise the SAN is not critical.
  const subjectEmpty = cert.subject.rdns.length === 0;
  if (subjectEmpty && !crit(EXT.subjectAltName)) {
    fail("x509_invalid_extension", cert, "empty subject without a critical subjectAltName");
  }
  if (!subjectEmpty && crit(EXT.subjectAltName)) {
    fail("x509_invalid_extension", cert, "critical subjectAltName with a non-empty subject");
  }
  // §4.2.1.1: keyIdentifier MUST be present except in self-signed certificates.
  if (!cert.selfIssued && cert.authorityKeyId?.keyId === undefined) {
    fail("x509_invalid_extension", cert, "authorityKeyIdentifier with keyIdentifier missing");
  }
  // §4.2.1.9 and §4.2.1.3: cA and keyCertSign go together.
  const ca = cert.basicConstraints?.ca === true;
  if (ca && cert.keyUsage !== undefined && !hasKu(cert, KU.keyCertSign)) {
    fail("x509_keyusage_keycertsign_missing", cert, "cA=TRUE without keyUsage keyCertSign");
  }
  if (cert.basicConstraints?.pathLen !== undefined && !(ca && hasKu(cert, KU.keyCertSign))) {
    fail("x509_invalid_extension", cert, "pathLenConstraint without cA and keyCertSign");
  }
  if (cert.nameConstraints !== undefined && !crit(EXT.nameConstraints)) {
    fail("x509_invalid_extension", cert, "non-critical nameConstraints");
  }
}

function checkCa(cert: ParsedCert, role: CertRole): void {
  const bc = cert.basicConstraints;
  if (!bc?.ca) fail("x509_not_ca", cert, "issuer is not a CA (basicConstraints cA not asserted)");
  if (cert.extensions.get(EXT.basicConstraints)?.critical !== true) {
    fail("x509_invalid_extension", cert, "CA basicConstraints not critical");
  }
  if (cert.keyUsage === undefined || !hasKu(cert, KU.keyCertSign)) {
    fail("x509_keyusage_keycertsign_missing", cert, "issuer without keyUsage keyCertSign");
  }
  if (cert.subject.rdns.length === 0) fail("x509_invalid_extension", cert, "CA with an empty subject");
  if (cert.subjectKeyId === undefined)
    fail("x509_invalid_extension", cert, "CA without subjectKeyIdentifier");
  if (role === "anchor") {
    const aki = cert.authorityKeyId;
    if (aki?.hasIssuer || aki?.hasSerial) {
      fail(
        "x509_invalid_extension",
        cert,
        "root authorityKeyIdentifier with authorityCertIssuer/SerialNumber",
      );
    }
    if (cert.selfIssued && aki?.keyId && !Buffer.from(aki.keyId).equals(Buffer.from(cert.subjectKeyId))) {
      fail(
        "x509_invalid_extension",
        cert,
        "self-signed root whose authorityKeyIdentifier differs from its subjectKeyIdentifier",
      );
    }
    if (cert.extKeyUsage !== undefined) fail("x509_invalid_extension", cert, "root with extKeyUsage");
  }
}

function checkLeaf(cert: ParsedCert, opts: ProfileOptions): void {
  const ca = cert.basicConstraints?.ca === true;
  if (ca && !opts.allowCaLeaf) fail("x509_leaf_is_ca", cert, "leaf certificate is a CA");
  if (!ca && hasKu(cert, KU.keyCertSign)) fail("x509_leaf_keycertsign", cert, "leaf asserts keyCertSign");
  if (!ca && hasKu(cert, KU.cRLSign)) fail("x509_leaf_keyusage", cert, "leaf asserts cRLSign");
  if (!ca && cert.nameConstraints !== undefined)
    fail("x509_invalid_extension", cert, "nameConstraints in an end entity");
  if (cert.extKeyUsage !== undefined) {
    if (cert.extensions.get(EXT.extKeyUsage)?.critical)
      fail("x509_invalid_extension", cert, "critical extKeyUsage in an end entity");
    if (cert.extKeyUsage.includes(EKU.anyExtendedKeyUsage))
      fail("x509_eku_mismatch", cert, "anyExtendedKeyUsage in an end entity");
  }
}

/** Throws X509Error when `cert` may not play `role` in a path. */
export function checkProfile(cert: ParsedCert, role: CertRole, opts: ProfileOptions = {}): void {
  // Role rules first, so that e.g. a CA leaf is reported as such rather than as inconsistent.
  if (role === "leaf") checkLeaf(cert, opts);
  else checkCa(cert, role);
  checkCommon(cert);
}

/** The same as checkProfile, memoised per certificate and role. */
const memo = new WeakMap<ParsedCert, Map<string, X509Error | null>>();
export function profileError(
  cert: ParsedCert,
  role: CertRole,
  opts: ProfileOptions = {},
): X509Error | undefined {
  const key = `${role}:${opts.allowCaLeaf ? 1 : 0}`;
  let m = memo.get(cert);
  if (!m) {
    m = new Map();
    memo.set(cert, m);
  }
  const hit = m.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let err: X509Error | null = null;
  try {
    checkProfile(cert, role, opts);
  } catch (e) {
    err = e instanceof X509Error ? e : new X509Error("x509_malformed", String(e));
  }
  m.set(key, err);
  return err ?? undefined;
}
