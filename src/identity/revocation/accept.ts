/**
 * Acceptance of fetched CRL content: parse every CRL (strict DER via x509/parseCrl), find its
 * issuer among the trust domain's CA certificates by name, and verify the signature with that
 * issuer's key before the CRL may replace the last good one.
 */
import "reflect-metadata";
import * as px from "@peculiar/x509";
import { decodePem } from "../pem.js";
import { type ParsedCert, type ParsedCrl, parseCrl, X509Error } from "../x509/index.js";
import { CrlError } from "./types.js";

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** Splits CRL file content (PEM "X509 CRL" blocks, or one DER CRL) into DER blobs. */
export function crlBlobs(content: Buffer, origin: string): Uint8Array[] {
  const text = content.toString("latin1");
  if (text.includes("-----BEGIN")) {
    const r = decodePem(text, "X509 CRL", { allowExplanatoryText: true, maxBlocks: 256 });
    if (!r.ok) throw new CrlError("crl_malformed", r.message, origin);
    return r.ders;
  }
  if (content.length === 0) throw new CrlError("crl_malformed", "empty CRL content", origin);
  return [content];
}

/** Parses and signature-checks; throws CrlError. */
export async function acceptCrls(
  blobs: readonly Uint8Array[],
  issuers: readonly ParsedCert[],
  origin: string,
): Promise<ParsedCrl[]> {
  const out: ParsedCrl[] = [];
  for (const [i, der] of blobs.entries()) {
    let crl: ParsedCrl;
    try {
      crl = parseCrl(der);
    } catch (e) {
      const msg = e instanceof X509Error ? `${e.code}: ${e.message}` : String(e);
      throw new CrlError("crl_malformed", `CRL #${i + 1}: ${msg}`, origin);
    }
    const named = issuers.filter((c) => bytesEqual(c.subject.raw, crl.issuer.raw));
    if (named.length === 0) {
      throw new CrlError(
        "crl_issuer_unknown",
        `CRL #${i + 1}: issuer ${crl.issuer.text} is not a known CA`,
        origin,
      );
    }
    let verified = false;
    for (const issuer of named) {
      try {
        const pc = new px.X509Crl(Buffer.from(crl.der));
        if (await pc.verify({ publicKey: new px.X509Certificate(Buffer.from(issuer.der)) })) {
          verified = true;
          break;
        }
      } catch {
        // Unsupported or mismatched key: try the next issuer with this name.
      }
    }
    if (!verified) {
      throw new CrlError(
        "crl_bad_signature",
        `CRL #${i + 1} of ${crl.issuer.text} is not signed by its issuer`,
        origin,
      );
    }
    out.push(crl);
  }
  return out;
}
