/**
 * Built-in defaults: when no trust domain is configured, the service uses the demo PKI in
 * identity.demo_pki_dir, generating it (src/pki) on first run. Its trust domains become the
 * trusted ones, and its middlebox the trusted XFCC proxy unless proxies are configured.
 */
import { join } from "node:path";
import type { Config, TrustDomainEntry } from "../../config/types.js";
import { type DemoPkiManifest, ensureDemoPki } from "../../pki/write.js";

export interface DemoIdentity {
  trustDomains: TrustDomainEntry[];
  trustedProxies: string[];
  manifest: DemoPkiManifest;
  generated: boolean;
}

export async function demoIdentity(dir: string): Promise<DemoIdentity> {
  const { manifest, created: generated } = await ensureDemoPki(dir);
  const trustDomains = Object.values(manifest.trustDomains).map((d) => ({
    trustDomain: d.trustDomain,
    bundleFile: join(dir, d.bundleSpiffe),
    intermediatesFile: join(dir, d.intermediate),
    crlFiles: [join(dir, d.crl)],
    crlUrls: [],
  }));
  const middlebox = manifest.workloads.middlebox?.id;
  return { trustDomains, trustedProxies: middlebox ? [middlebox] : [], manifest, generated };
}

/** The identity section with demo defaults filled in when no trust domain is configured. */
export async function effectiveIdentity(
  identity: Config["identity"],
  log: (line: string) => void,
): Promise<{ trustDomains: TrustDomainEntry[]; trustedProxies: string[] }> {
  if (identity.trustDomains.length > 0) return identity;
  const demo = await demoIdentity(identity.demoPkiDir);
  log(
    demo.generated
      ? `identity: generated a demo PKI in ${identity.demoPkiDir} (no identity.trust_domains configured)`
      : `identity: using the demo PKI in ${identity.demoPkiDir} (no identity.trust_domains configured)`,
  );
  return {
    trustDomains: demo.trustDomains,
    trustedProxies: identity.trustedProxies.length > 0 ? identity.trustedProxies : demo.trustedProxies,
  };
}
