/**
 * How Envoy presents a TLS peer to ext_authz and to the next hop, reproduced for the local demo:
 * the URL-encoded PEM leaf (attributes.source.certificate), the principal (first URI SAN, else
 * first DNS SAN, else the subject) and an x-forwarded-client-cert element.
 */
import { createHash, X509Certificate } from "node:crypto";

/**
 * Envoy's URL encoding of a PEM certificate (urlEncodedPemEncodedPeerCertificate): newline,
 * space, "+", "/" and "=" are percent-encoded; base64 letters, digits and dashes stay.
 */
export function envoyUrlEncodePem(pem: string): string {
  return pem.replace(/[\n +/=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** PEM text of a DER certificate (64-column base64, trailing newline). */
export function derToPem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END CERTIFICATE-----\n`;
}

/** The principal Envoy reports for a certificate: first URI SAN, else first DNS SAN, else subject. */
export function envoyPrincipal(der: Buffer): string {
  const x = new X509Certificate(der);
  const san = x.subjectAltName ?? "";
  const uri = /(?:^|, )URI:([^,]+)/.exec(san);
  if (uri) return uri[1];
  const dns = /(?:^|, )DNS:([^,]+)/.exec(san);
  if (dns) return dns[1];
  return x.subject;
}

/** First URI SAN of a certificate, or "" (XFCC's URI= and By= fields). */
export function firstUriSan(der: Buffer): string {
  const san = new X509Certificate(der).subjectAltName ?? "";
  return /(?:^|, )URI:([^,]+)/.exec(san)?.[1] ?? "";
}

/**
 * One XFCC element as a TLS-terminating front proxy writes it with forward_client_cert_details
 * SANITIZE_SET and set_current_client_cert_details {cert, chain, uri}: By (the proxy's own URI
 * SAN), Hash (SHA-256 of the client leaf DER), Cert, Chain (URL-encoded PEM) and URI.
 */
export function xfccElement(opts: { by: string; leaf: Buffer; chain: Buffer[] }): string {
  const hash = createHash("sha256").update(opts.leaf).digest("hex");
  const cert = envoyUrlEncodePem(derToPem(opts.leaf));
  const chain = envoyUrlEncodePem(opts.chain.map(derToPem).join(""));
  const uri = firstUriSan(opts.leaf);
  return `By=${opts.by};Hash=${hash};Cert="${cert}";Chain="${chain}"${uri ? `;URI=${uri}` : ""}`;
}
