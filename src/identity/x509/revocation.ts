/**
 * Revocation checking against given CRLs (RFC 5280 §6.3, simplified to complete, direct CRLs):
 * for every certificate of a validated path except the anchor, the CRLs named for its issuer are
 * signature-checked with the issuing certificate's key; a revoked serial anywhere denies.
 */
import type { ParsedCert } from "./cert.js";
import type { ParsedCrl } from "./crl.js";
import { bytesEqual } from "./der.js";
import { X509Error } from "./errors.js";
import { KU } from "./extensions.js";
import { hasKu } from "./profile.js";
import { verifySignature } from "./signature.js";

export interface RevocationOptions {
  crls: readonly ParsedCrl[];
  /** A CRL past its nextUpdate (or without one): "deny" (default, fail closed) or "allow". */
  staleCrl?: "deny" | "allow";
  /** No CRL at all for an issuer in the path: "allow" (default) or "deny". */
  missingCrl?: "deny" | "allow";
}

function signedBy(crl: ParsedCrl, issuer: ParsedCert): boolean {
  const memo = crl.verifiedBy.get(issuer.sha256);
  if (memo !== undefined) return memo;
  let ok = false;
  if (!(crl.signatureAlgorithm instanceof X509Error) && !(issuer.publicKey instanceof X509Error)) {
    ok = verifySignature(crl.signatureAlgorithm, issuer.publicKey, crl.tbs, crl.signature);
  }
  crl.verifiedBy.set(issuer.sha256, ok);
  return ok;
}

function timely(crl: ParsedCrl, time: Date): boolean {
  return (
    crl.thisUpdate.getTime() <= time.getTime() &&
    crl.nextUpdate !== undefined &&
    time.getTime() <= crl.nextUpdate.getTime()
  );
}

/** Checks `cert` (issued by `issuer`); throws X509Error on revocation or an unusable CRL. */
function checkOne(cert: ParsedCert, issuer: ParsedCert, time: Date, opts: RevocationOptions): void {
  const named = opts.crls.filter((c) => bytesEqual(c.issuer.raw, cert.issuer.raw));
  const verified = named.filter((c) => signedBy(c, issuer));
  if (named.length > 0 && verified.length === 0) {
    throw new X509Error("x509_crl_bad_signature", `CRL for ${issuer.subject.text} is not signed by its key`);
  }
  if (verified.length === 0) {
    // Only an explicit "allow" (or nothing: the default) allows; any other value denies.
    if (opts.missingCrl !== undefined && opts.missingCrl !== "allow")
      throw new X509Error("x509_crl_missing", `no CRL for ${issuer.subject.text}`);
    return;
  }
  if (issuer.keyUsage !== undefined && !hasKu(issuer, KU.cRLSign)) {
    throw new X509Error("x509_crl_issuer_not_authorized", `${issuer.subject.text} lacks keyUsage cRLSign`);
  }
  if (verified.some((c) => c.revoked.has(cert.serialHex))) {
    throw new X509Error("x509_revoked", `certificate ${cert.serialHex} (${cert.subject.text}) is revoked`);
  }
  if (!verified.some((c) => timely(c, time)) && opts.staleCrl !== "allow") {
    const future = verified.every((c) => c.thisUpdate.getTime() > time.getTime());
    throw new X509Error(
      future ? "x509_crl_not_yet_valid" : "x509_crl_stale",
      `CRL for ${issuer.subject.text} is ${future ? "not yet valid" : "past its nextUpdate"}`,
    );
  }
}

/** `chain` is leaf first, anchor last. */
export function checkRevocation(chain: readonly ParsedCert[], time: Date, opts: RevocationOptions): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    checkOne(chain[i] as ParsedCert, chain[i + 1] as ParsedCert, time, opts);
  }
}
