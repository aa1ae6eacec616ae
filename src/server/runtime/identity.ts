/**
 * Adapts src/identity's authenticator to the server's IdentityRuntime: builds its configuration
 * from ours (one watched file bundle per trust domain, intermediates, CRL files/URLs), tracks
 * readiness (every source loaded once) and re-checks it when a source changes.
 */
import type { Config, TrustDomainEntry } from "../../config/types.js";
import { createAuthenticator } from "../../identity/authenticator.js";
import { fileBundle } from "../../identity/bundle/file.js";
import type { BundleSource } from "../../identity/bundle/types.js";
import type { TrustDomainConfig } from "../../identity/config.js";
import { crlSource } from "../../identity/revocation/source.js";
import type { AuthResult, CertificateEvidence } from "../../identity/types.js";
import type { IdentityRuntime, ReloadResult } from "../ports.js";

export interface IdentityRuntimeOptions {
  identity: Config["identity"];
  trustDomains: TrustDomainEntry[];
  trustedProxies: string[];
  log: (line: string) => void;
}

export function createIdentityRuntime(opts: IdentityRuntimeOptions): IdentityRuntime {
  const domains: Record<string, TrustDomainConfig> = {};
  const sources: Array<{ onChange(l: () => void): unknown; onError(l: (e: Error) => void): unknown }> = [];
  for (const td of opts.trustDomains) {
    const bundles = fileBundle(td.bundleFile);
    const issuers: BundleSource[] = [bundles];
    const entry: TrustDomainConfig = { bundles };
    sources.push(bundles);
    if (td.intermediatesFile) {
      entry.intermediates = fileBundle(td.intermediatesFile, { format: "pem" });
      issuers.push(entry.intermediates);
      sources.push(entry.intermediates);
    }
    if (td.crlFiles.length > 0 || td.crlUrls.length > 0) {
      entry.crls = crlSource({ files: td.crlFiles, urls: td.crlUrls, issuers });
      sources.push(entry.crls);
    }
    domains[td.trustDomain] = entry;
  }
  const auth = createAuthenticator({
    trustDomains: domains,
    trustedProxies: opts.trustedProxies,
    forwardedCertFromUntrusted: opts.identity.forwardedCertFromUntrusted,
    eku: opts.identity.eku,
    cache: { maxEntries: opts.identity.cacheMaxEntries },
  });
  const listeners: Array<(r: ReloadResult) => void> = [];
  const emit = (r: ReloadResult) => {
    for (const l of listeners) l(r);
  };
  const reload = async (): Promise<ReloadResult> => {
    try {
      await auth.ready();
      runtime.ready = true;
      return { ok: true, revision: "" };
    } catch (e) {
      return { ok: false, revision: "", error: (e as Error).message };
    }
  };
  const runtime: IdentityRuntime & { ready: boolean } = {
    ready: false,
    authenticate: (evidence: CertificateEvidence): AuthResult => auth.authenticate(evidence),
    cacheStats: () => auth.cacheStats(),
    reload,
    onReload(l) {
      listeners.push(l);
    },
    close() {
      auth.close();
    },
  };
  for (const s of sources) {
    s.onChange(() => {
      void reload().then(emit);
    });
    s.onError((e) => emit({ ok: false, revision: "", error: e.message }));
  }
  return runtime;
}
