/**
 * Strict PEM (RFC 7468) decoding of certificate chains. Precise errors: garbage, truncated blocks,
 * wrong labels, bad base64 and trailing bytes after a certificate each have their own code.
 */
import { type ParsedCert, parseDer } from "./cert.js";
import { X509Error, type X509ErrorCode } from "./errors.js";

export interface PemOptions {
  /** Allow text outside the blocks (RFC 7468 explanatory text, e.g. bundle comments). Default false. */
  allowExplanatoryText?: boolean;
  /** Maximum number of blocks (default 64): absurdly long inputs are rejected before any parsing. */
  maxBlocks?: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes every `label` block to DER. */
export function decodePemBlocks(
  text: string,
  label: string,
  opts: PemOptions = {},
  codes: { malformed: X509ErrorCode; none: X509ErrorCode } = {
    malformed: "x509_pem_malformed",
    none: "x509_pem_no_certificate",
  },
): Uint8Array[] {
  const maxBlocks = opts.maxBlocks ?? 64;
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const out: Uint8Array[] = [];
  let pos = 0;
  for (;;) {
    const start = text.indexOf("-----BEGIN ", pos);
    const between = text.slice(pos, start < 0 ? text.length : start);
    if (!opts.allowExplanatoryText && between.trim() !== "") {
      throw new X509Error(codes.malformed, "text outside PEM blocks");
    }
    if (start < 0) break;
    if (!text.startsWith(begin, start)) {
      throw new X509Error(codes.malformed, `unexpected PEM block (want "${label}")`);
    }
    const bodyStart = start + begin.length;
    const stop = text.indexOf("-----END ", bodyStart);
    if (stop < 0) throw new X509Error(codes.malformed, "PEM block is truncated (no END line)");
    if (!text.startsWith(end, stop))
      throw new X509Error(codes.malformed, "PEM END label does not match BEGIN");
    const body = text.slice(bodyStart, stop).replace(/[ \t\r\n]+/g, "");
    if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) {
      throw new X509Error(codes.malformed, "PEM body is not valid base64");
    }
    const der = Buffer.from(body, "base64");
    if (der.toString("base64") !== body)
      throw new X509Error(codes.malformed, "PEM body is not canonical base64");
    out.push(new Uint8Array(der.buffer, der.byteOffset, der.byteLength));
    if (out.length > maxBlocks)
      throw new X509Error("x509_chain_too_long", `more than ${maxBlocks} PEM blocks`);
    pos = stop + end.length;
  }
  if (out.length === 0) throw new X509Error(codes.none, `no "${label}" PEM block`);
  return out;
}

/** Parses a PEM chain (leaf first, by convention). Throws X509Error. */
export function parsePemChain(text: string, opts: PemOptions = {}): ParsedCert[] {
  return decodePemBlocks(text, "CERTIFICATE", opts).map((der) => parseDer(der));
}

/** Parses exactly one PEM certificate. */
export function parsePemCert(text: string): ParsedCert {
  const certs = decodePemBlocks(text, "CERTIFICATE", { maxBlocks: 1 });
  return parseDer(certs[0] as Uint8Array);
}
