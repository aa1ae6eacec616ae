/**
 * The certificate a trusted proxy forwarded: from x-forwarded-client-cert (the LAST element, the
 * one the direct peer appended) or from RFC 9440 Client-Cert / Client-Cert-Chain.
 * Returns DER bytes plus the checks that need the verified identity later (By, URI).
 */
import { createHash } from "node:crypto";
import { decodeUrlEncodedPem } from "../pem.js";
import { parseClientCert } from "./client-cert.js";
import { parseXfcc, selectXfccElement, type XfccLimits } from "./xfcc.js";

export const XFCC_HEADER = "x-forwarded-client-cert";
export const CLIENT_CERT_HEADER = "client-cert";
export const CLIENT_CERT_CHAIN_HEADER = "client-cert-chain";

export interface ForwardedCert {
  method: "xfcc" | "client-cert";
  leaf: Buffer;
  /** Intermediates presented with the leaf (leaf excluded). */
  chain: Buffer[];
  /** XFCC By values of the selected element (the proxy's own URI SANs). */
  by: string[];
  /** XFCC URI values of the selected element (the client's URI SANs as the proxy saw them). */
  uris: string[];
}

export type ForwardedResult =
  | { present: false }
  | { present: true; ok: true; cert: ForwardedCert }
  | { present: true; ok: false; code: string; message: string };

export interface ForwardedOptions {
  xfcc?: XfccLimits;
  maxChain?: number;
}

/** Which forwarded-certificate headers the request carries. */
export function forwardedHeaderNames(headers: Readonly<Record<string, string>>): string[] {
  return [XFCC_HEADER, CLIENT_CERT_HEADER, CLIENT_CERT_CHAIN_HEADER].filter((h) => headers[h] !== undefined);
}

function fromXfcc(value: string, opts: ForwardedOptions): ForwardedResult {
  const parsed = parseXfcc(value, opts.xfcc);
  if (!parsed.ok) {
    return {
      present: true,
      ok: false,
      code: parsed.code,
      message: `${parsed.message} (offset ${parsed.offset})`,
    };
  }
  const el = selectXfccElement(parsed.elements);
  if (!el) return { present: true, ok: false, code: "xfcc_empty_element", message: "no XFCC element" };
  if (el.cert === undefined && el.chain === undefined) {
    return {
      present: true,
      ok: false,
      code: "xfcc_no_certificate",
      message: "the last XFCC element carries neither Cert nor Chain",
    };
  }
  let leaf: Buffer | undefined;
  let chain: Buffer[] = [];
  if (el.cert !== undefined) {
    const r = decodeUrlEncodedPem(el.cert);
    if (!r.ok || r.ders.length !== 1) {
      return {
        present: true,
        ok: false,
        code: "xfcc_cert_malformed",
        message: r.ok ? "Cert holds more than one certificate" : `Cert: ${r.message}`,
      };
    }
    leaf = r.ders[0];
  }
  if (el.chain !== undefined) {
    const r = decodeUrlEncodedPem(el.chain);
    if (!r.ok)
      return { present: true, ok: false, code: "xfcc_chain_malformed", message: `Chain: ${r.message}` };
    const max = (opts.maxChain ?? 16) + 1;
    if (r.ders.length > max) {
      return {
        present: true,
        ok: false,
        code: "xfcc_chain_too_long",
        message: `Chain has more than ${max} certificates`,
      };
    }
    const [first, ...rest] = r.ders as [Buffer, ...Buffer[]];
    if (leaf && !leaf.equals(first)) {
      return {
        present: true,
        ok: false,
        code: "xfcc_chain_mismatch",
        message: "the first certificate of Chain is not Cert",
      };
    }
    leaf = first;
    chain = rest;
  }
  if (!leaf) return { present: true, ok: false, code: "xfcc_no_certificate", message: "no certificate" };
  if (el.hash !== undefined) {
    const actual = createHash("sha256").update(leaf).digest("hex");
    if (actual !== el.hash) {
      return {
        present: true,
        ok: false,
        code: "xfcc_hash_mismatch",
        message: "Hash is not the SHA-256 of the forwarded certificate",
      };
    }
  }
  return { present: true, ok: true, cert: { method: "xfcc", leaf, chain, by: el.by, uris: el.uri } };
}

/**
 * Extracts the forwarded certificate. Both XFCC and Client-Cert at once is ambiguous and denied;
 * Client-Cert-Chain without Client-Cert is malformed.
 */
export function extractForwardedCert(
  headers: Readonly<Record<string, string>>,
  opts: ForwardedOptions = {},
): ForwardedResult {
  const xfcc = headers[XFCC_HEADER];
  const cc = headers[CLIENT_CERT_HEADER];
  const ccc = headers[CLIENT_CERT_CHAIN_HEADER];
  if (xfcc === undefined && cc === undefined && ccc === undefined) return { present: false };
  if (xfcc !== undefined && (cc !== undefined || ccc !== undefined)) {
    return {
      present: true,
      ok: false,
      code: "forwarded_cert_ambiguous",
      message: "both x-forwarded-client-cert and Client-Cert are present",
    };
  }
  if (xfcc !== undefined) return fromXfcc(xfcc, opts);
  if (cc === undefined) {
    return {
      present: true,
      ok: false,
      code: "client_cert_malformed",
      message: "Client-Cert-Chain without Client-Cert",
    };
  }
  const r = parseClientCert(cc, ccc, { maxChain: opts.maxChain });
  if (!r.ok) return { present: true, ok: false, code: r.code, message: r.message };
  return {
    present: true,
    ok: true,
    cert: { method: "client-cert", leaf: r.leaf, chain: r.chain, by: [], uris: [] },
  };
}
