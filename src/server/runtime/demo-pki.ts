/**
 * Built-in defaults: when no trust domain is configured, the service uses the demo PKI in
 * identity.demo_pki_dir, generating it (src/pki) on first run. Its trust domains become the
 * trusted ones, and its middlebox the trusted XFCC proxy unless proxies are configured.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config, TrustDomainEntry } from "../../config/types.js";
import { type DemoPkiManifest, generateDemoPki } from "../../pki/write.js";

export interface DemoIdentity {
  trustDomains: TrustDomainEntry[];
  trustedProxies: string[];
  manifest: DemoPkiManifest;
  generated: boolean;
}

export async function loadOrCreateDemoPki(
  dir: string,
): Promise<{ manifest: DemoPkiManifest; generated: boolean }> {
  const file = join(dir, "manifest.json");
  if (existsSync(file)) {
    return { manifest: JSON.parse(readFileSync(file, "utf8")) as DemoPkiManifest, generated: false };
  }
  return { manifest: await generateDemoPki(dir), generated: true };
}

export async function demoIdentity(dir: string): Promise<DemoIdentity> {
  const { manifest, generated } = await loadOrCreateDemoPki(dir);
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
