/**
 * Extended key usage of the leaf, by mode (issue 3 item 3, wimse-mtls.md §1):
 * - "clientAuth-if-present" (default): when the extension is present it must contain clientAuth.
 * - "clientAuth-required": the extension must be present and contain clientAuth.
 * - "spiffe-strict": X509-SVID rules: when present it must contain both clientAuth and serverAuth.
 * - "serverAuth": when present it must contain serverAuth (client side, x509-limbo).
 * - { required: [...] }: the extension must be present and contain every listed usage.
 * - { ifPresent: [...] }: when the extension is present it must contain every listed usage.
 * anyExtendedKeyUsage never stands in for a specific usage.
 */
import type { ParsedCert } from "./cert.js";
import { X509Error } from "./errors.js";
import { EKU, ekuName, ekuOid } from "./oids.js";

export type EkuMode =
  | "clientAuth-if-present"
  | "clientAuth-required"
  | "spiffe-strict"
  | "serverAuth"
  | { required: string[] }
  | { ifPresent: string[] };

export function checkLeafEku(leaf: ParsedCert, mode: EkuMode = "clientAuth-if-present"): void {
  const have = leaf.extKeyUsage;
  let need: string[];
  let mustBePresent = false;
  if (typeof mode === "object") {
    if ("required" in mode && Array.isArray(mode.required)) {
      need = mode.required.map(ekuOid);
      mustBePresent = true;
    } else if ("ifPresent" in mode && Array.isArray(mode.ifPresent)) {
      need = mode.ifPresent.map(ekuOid);
    } else {
      throw new X509Error("x509_eku_mismatch", "unknown EKU mode object");
    }
  } else if (mode === "clientAuth-required") {
    need = [EKU.clientAuth];
    mustBePresent = true;
  } else if (mode === "spiffe-strict") {
    need = [EKU.clientAuth, EKU.serverAuth];
  } else if (mode === "serverAuth") {
    need = [EKU.serverAuth];
  } else if (mode === "clientAuth-if-present") {
    need = [EKU.clientAuth];
  } else {
    // A mode from a configuration typo must not silently weaken the check.
    throw new X509Error("x509_eku_mismatch", `unknown EKU mode ${JSON.stringify(mode)}`);
  }
  if (have === undefined) {
    if (mustBePresent) throw new X509Error("x509_eku_mismatch", "leaf has no extKeyUsage extension");
    return;
  }
  const missing = need.filter((oid) => !have.includes(oid));
  if (missing.length > 0) {
    throw new X509Error(
      "x509_eku_mismatch",
      `leaf extKeyUsage [${have.map(ekuName).join(", ")}] lacks ${missing.map(ekuName).join(", ")}`,
    );
  }
}
