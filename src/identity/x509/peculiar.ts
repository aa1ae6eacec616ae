/**
 * The one place that loads @peculiar/x509. Its dependency injection container (tsyringe) needs the
 * Reflect metadata polyfill loaded first.
 */
import "reflect-metadata";
import { X509Certificate } from "@peculiar/x509";

/** Second-opinion syntax check: @peculiar/x509's ASN.1 schema must accept the certificate too. */
export function peculiarAccepts(der: Uint8Array): string | undefined {
  try {
    const c = new X509Certificate(Buffer.from(der));
    // Touch the lazily decoded parts so that schema errors surface here.
    void c.subject;
    void c.issuer;
    void c.extensions.length;
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
