/**
 * Verifies one presented certificate (and the intermediates presented with it):
 * exactly one URI SAN -> canonical identifier -> the trust domain's own anchors, configured
 * intermediates and CRLs -> RFC 5280 path validation with EKU and revocation (x509/verifyPath).
 * Successful verdicts are cached by the hash of the presented certificates.
 */
import type { VerifiedChainCache } from "./cache.js";
import type { TrustStore } from "./trust-store.js";
import type { CertificateFacts, WorkloadId } from "./types.js";
import {
  certWorkloadId,
  certificateFacts,
  type EkuMode,
  earliestNotAfter,
  type ParsedCert,
  verifyPath,
} from "./x509/index.js";

export interface VerifiedCert {
  id: WorkloadId;
  certificate: CertificateFacts;
}

export type VerifyCertResult =
  | { ok: true; value: VerifiedCert }
  | { ok: false; code: string; message: string };

export interface VerifyContext {
  store: TrustStore;
  cache: VerifiedChainCache<VerifiedCert>;
  eku: EkuMode;
  allowIpTrustDomains: boolean;
  maxChainDepth: number;
  staleCrl: "deny" | "allow";
  missingCrl: "deny" | "allow";
}

/** The SHA-256 fingerprints of the presented certificates, leaf first (already computed by parseDer). */
export function cacheKey(leaf: ParsedCert, presented: readonly ParsedCert[]): string {
  if (presented.length === 0) return leaf.sha256;
  return `${leaf.sha256}|${presented.map((c) => c.sha256).join("|")}`;
}

export function verifyCertificate(
  ctx: VerifyContext,
  leaf: ParsedCert,
  presented: readonly ParsedCert[],
  now: Date,
): VerifyCertResult {
  const key = cacheKey(leaf, presented);
  const t = now.getTime();
  const hit = ctx.cache.get(key, t);
  if (hit) return { ok: true, value: hit };

  const idr = certWorkloadId(leaf, { allowIpTrustDomain: ctx.allowIpTrustDomains });
  if (!idr.ok) return { ok: false, code: idr.code, message: idr.message };
  const id = idr.id;

  const material = ctx.store.lookup(id);
  if (!material) {
    return {
      ok: false,
      code: "trust_domain_unknown",
      message: `trust domain ${id.scheme}://${id.trustDomain} is not configured`,
    };
  }
  if (!material.anchors) {
    return {
      ok: false,
      code: "trust_bundle_unavailable",
      message: `no trust bundle loaded for ${id.trustDomain}`,
    };
  }
  if (material.anchors.size === 0) {
    return {
      ok: false,
      code: "trust_bundle_empty",
      message: `the trust bundle of ${id.trustDomain} is empty`,
    };
  }
  if (material.crls !== undefined && !material.crlsLoaded) {
    return { ok: false, code: "crl_unavailable", message: `CRLs of ${id.trustDomain} have not loaded` };
  }

  const path = verifyPath({
    leaf,
    intermediates: presented,
    configuredIntermediates: material.intermediates,
    anchors: material.anchors,
    time: now,
    maxDepth: ctx.maxChainDepth,
    eku: ctx.eku,
    revocation:
      material.crls !== undefined
        ? { crls: material.crls, staleCrl: ctx.staleCrl, missingCrl: ctx.missingCrl }
        : undefined,
  });
  if (!path.ok) return { ok: false, code: path.code, message: path.message };

  const value: VerifiedCert = { id, certificate: certificateFacts(path.chain) };
  // The verdict holds from the latest notBefore to the earliest notAfter of the path, and (when
  // stale CRLs deny) no longer than the earliest nextUpdate / no earlier than the latest thisUpdate.
  let from = Math.max(...path.chain.map((c) => c.notBefore.getTime()));
  let until = earliestNotAfter(path.chain).getTime() + 1;
  if (material.crls && material.crls.length > 0 && ctx.staleCrl === "deny") {
    for (const crl of material.crls) {
      from = Math.max(from, crl.thisUpdate.getTime());
      if (crl.nextUpdate) until = Math.min(until, crl.nextUpdate.getTime() + 1);
    }
  }
  ctx.cache.set(key, value, from, until);
  return { ok: true, value };
}
