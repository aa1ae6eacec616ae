/**
 * Configuration of the authenticator (the service maps its YAML configuration onto this type).
 */
import type { BundleSource } from "./bundle/types.js";
import type { CrlSource } from "./revocation/types.js";
import type { XfccLimits } from "./sources/xfcc.js";
import type { EkuMode } from "./x509/index.js";

export interface TrustDomainConfig {
  /** Trust anchors of this trust domain only. */
  bundles: BundleSource;
  /** Configured intermediates of this trust domain (Envoy forwards the leaf only). */
  intermediates?: BundleSource;
  /** Revocation lists of this trust domain. */
  crls?: CrlSource;
}

export type ForwardedCertPolicy = "ignore" | "deny";

export interface AuthenticatorConfig {
  /**
   * Keyed by trust-domain name ("prod.example": any scheme) or by origin ("spiffe://prod.example":
   * that scheme only; an origin key wins over a bare name).
   */
  trustDomains: Record<string, TrustDomainConfig>;
  /** Exact workload identifiers of proxies whose XFCC / Client-Cert headers are honoured. */
  trustedProxies?: string[];
  /** Forwarded-certificate headers from any other peer: "deny" (default) or "ignore". */
  forwardedCertFromUntrusted?: ForwardedCertPolicy;
  /** Leaf EKU rule; default "clientAuth-if-present". */
  eku?: EkuMode;
  /** Accept IP-address trust domains (legacy only). Default false. */
  allowIpTrustDomains?: boolean;
  /** Maximum intermediates between leaf and anchor. Default 8. */
  maxChainDepth?: number;
  /** A CRL past its nextUpdate: "deny" (default, fail closed) or "allow". */
  staleCrl?: "deny" | "allow";
  /** No CRL for an issuer in the path while CRLs are configured: "allow" (default) or "deny". */
  missingCrl?: "deny" | "allow";
  /** Verified-chain cache; maxEntries 0 disables it. Default 10000 entries. */
  cache?: { maxEntries?: number };
  /** XFCC parser limits. */
  xfcc?: XfccLimits;
  /** Maximum certificates in an XFCC Chain or Client-Cert-Chain. Default 16. */
  maxForwardedChain?: number;
}
