/**
 * Turns bundle file or endpoint content (PEM or SPIFFE bundle JSON) into validated content.
 */
import { X509Certificate } from "node:crypto";
import { decodePem } from "../pem.js";
import { parseSpiffeBundle } from "./spiffe-json.js";
import type { BundleContent } from "./state.js";
import { BundleError } from "./types.js";

export type BundleFormat = "pem" | "spiffe";

/** "spiffe" for *.json, "pem" otherwise. */
export function formatForPath(path: string): BundleFormat {
  return path.toLowerCase().endsWith(".json") ? "spiffe" : "pem";
}

/** Throws BundleError. */
export function parseBundleContent(text: string, format: BundleFormat, origin: string): BundleContent {
  if (format === "spiffe") {
    const r = parseSpiffeBundle(text);
    if (!r.ok) throw new BundleError(r.code, r.message, origin);
    return {
      authorities: r.bundle.x509Authorities,
      sequence: r.bundle.sequence,
      refreshHint: r.bundle.refreshHint,
    };
  }
  const r = decodePem(text, "CERTIFICATE", { allowExplanatoryText: true, maxBlocks: 1024 });
  if (!r.ok) throw new BundleError("bundle_pem_invalid", r.message, origin);
  for (const [i, der] of r.ders.entries()) {
    try {
      new X509Certificate(der);
    } catch {
      throw new BundleError("bundle_certificate_invalid", `certificate #${i + 1} does not parse`, origin);
    }
  }
  return { authorities: r.ders };
}
