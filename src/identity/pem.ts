/**
 * Strict PEM and base64 decoding for certificates and CRLs.
 * Never throws: every failure is a typed result with a stable code.
 */

export type PemResult = { ok: true; ders: Buffer[] } | { ok: false; code: "pem_malformed"; message: string };

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes standard base64 strictly (alphabet, padding, length); undefined when invalid. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64_BODY.test(text)) return undefined;
  const out = Buffer.from(text, "base64");
  // Round-trip check rejects non-canonical padding bits and stray characters.
  return out.toString("base64") === text ? out : undefined;
}

/**
 * Extracts every `-----BEGIN <label>-----` block. Text outside blocks may only be whitespace,
 * unless `allowExplanatoryText` is set (RFC 7468 §5.2 explanatory text between blocks).
 */
export function decodePem(
  text: string,
  label: "CERTIFICATE" | "X509 CRL",
  opts: { allowExplanatoryText?: boolean; maxBlocks?: number } = {},
): PemResult {
  const maxBlocks = opts.maxBlocks ?? 64;
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const ders: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const start = text.indexOf("-----BEGIN ", pos);
    const between = text.slice(pos, start === -1 ? text.length : start);
    if (!opts.allowExplanatoryText && between.trim() !== "") {
      return { ok: false, code: "pem_malformed", message: "unexpected text outside PEM blocks" };
    }
    if (start === -1) break;
    if (!text.startsWith(begin, start)) {
      return { ok: false, code: "pem_malformed", message: `unexpected PEM label (want ${label})` };
    }
    const stop = text.indexOf(end, start + begin.length);
    if (stop === -1) return { ok: false, code: "pem_malformed", message: "PEM block without END line" };
    const body = text.slice(start + begin.length, stop).replace(/[\r\n\t ]/g, "");
    const der = decodeBase64Strict(body);
    if (!der) return { ok: false, code: "pem_malformed", message: "PEM block is not valid base64" };
    ders.push(der);
    if (ders.length > maxBlocks) {
      return { ok: false, code: "pem_malformed", message: `more than ${maxBlocks} PEM blocks` };
    }
    pos = stop + end.length;
  }
  if (ders.length === 0) return { ok: false, code: "pem_malformed", message: `no ${label} PEM block` };
  return { ok: true, ders };
}

/** Encodes DER as a PEM block with 64-column lines. */
export function encodePem(der: Uint8Array, label: "CERTIFICATE" | "X509 CRL"): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Decodes Envoy's URL-encoded PEM (attributes.source.certificate, XFCC Cert/Chain). */
export function decodeUrlEncodedPem(value: string): PemResult {
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    return { ok: false, code: "pem_malformed", message: "invalid percent-encoding" };
  }
  return decodePem(text, "CERTIFICATE");
}
