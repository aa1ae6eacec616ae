/**
 * RFC 9440 Client-Cert and Client-Cert-Chain headers.
 *   Client-Cert:       sf-binary            ":<base64 DER>:"
 *   Client-Cert-Chain: sf-list of sf-binary ":<b64>:, :<b64>:"  (issuers of the leaf, leaf excluded)
 * Strict: parameters, inner lists and other item types are rejected. Never throws.
 */

export type ClientCertErrorCode =
  | "client_cert_too_large"
  | "client_cert_malformed"
  | "client_cert_chain_malformed"
  | "client_cert_chain_too_long";

export type ClientCertResult =
  | { ok: true; leaf: Buffer; chain: Buffer[] }
  | { ok: false; code: ClientCertErrorCode; message: string };

export interface ClientCertLimits {
  maxBytes?: number;
  maxChain?: number;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one sf-binary item (RFC 8941 §3.3.5); undefined when invalid or empty. */
export function parseSfBinary(item: string): Buffer | undefined {
  if (item.length < 2 || item[0] !== ":" || item[item.length - 1] !== ":") return undefined;
  const body = item.slice(1, -1);
  if (body.length === 0 || !B64.test(body)) return undefined;
  // RFC 8941 allows omitted padding on input; re-pad before the canonical round-trip check.
  const padded = body.includes("=") ? body : body + "=".repeat((4 - (body.length % 4)) % 4);
  if (padded.length % 4 !== 0) return undefined;
  const der = Buffer.from(padded, "base64");
  if (der.toString("base64") !== padded) return undefined;
  return der;
}

/** Parses Client-Cert and, when present, Client-Cert-Chain. */
export function parseClientCert(
  clientCert: string,
  clientCertChain: string | undefined,
  limits: ClientCertLimits = {},
): ClientCertResult {
  const maxBytes = limits.maxBytes ?? 65536;
  const maxChain = limits.maxChain ?? 16;
  if (clientCert.length > maxBytes || (clientCertChain?.length ?? 0) > maxBytes) {
    return { ok: false, code: "client_cert_too_large", message: `header longer than ${maxBytes} bytes` };
  }
  const leaf = parseSfBinary(clientCert.trim());
  if (!leaf)
    return { ok: false, code: "client_cert_malformed", message: "Client-Cert is not an sf-binary item" };
  const chain: Buffer[] = [];
  if (clientCertChain !== undefined) {
    const items = clientCertChain.split(",");
    if (items.length > maxChain) {
      return { ok: false, code: "client_cert_chain_too_long", message: `more than ${maxChain} certificates` };
    }
    for (const raw of items) {
      const der = parseSfBinary(raw.replace(/^[ \t]+|[ \t]+$/g, ""));
      if (!der) {
        return {
          ok: false,
          code: "client_cert_chain_malformed",
          message: "Client-Cert-Chain is not a list of sf-binary items",
        };
      }
      chain.push(der);
    }
  }
  return { ok: true, leaf, chain };
}
