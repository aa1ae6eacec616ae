/**
 * Adapts src/identity's authenticator to the server's IdentityRuntime: builds its configuration
 * from ours (per trust domain: a watched bundle file or a SPIFFE bundle endpoint, intermediates,
 * CRL files/URLs, via the identity stage's trustDomainSources), tracks readiness (every source
 * loaded once) and re-checks it when a source changes.
 */
import { readFileSync } from "node:fs";
import type { Config, TrustDomainEntry } from "../../config/types.js";
import { createAuthenticator } from "../../identity/authenticator.js";
import type { TrustDomainConfig } from "../../identity/config.js";
import { trustDomainSources } from "../../identity/sources-from-config.js";
import type { AuthResult, CertificateEvidence } from "../../identity/types.js";
import type { IdentityRuntime, ReloadResult } from "../ports.js";

export interface IdentityRuntimeOptions {
  identity: Config["identity"];
  trustDomains: TrustDomainEntry[];
  trustedProxies: string[];
  log: (line: string) => void;
}

interface Watchable {
  onChange(listener: () => void): unknown;
  onError(listener: (e: Error) => void): unknown;
}

export function createIdentityRuntime(opts: IdentityRuntimeOptions): IdentityRuntime {
  const domains: Record<string, TrustDomainConfig> = {};
  const sources: Watchable[] = [];
  for (const td of opts.trustDomains) {
    const entry = trustDomainSources({
      bundleFile: td.bundleFile,
      bundleUrl: td.bundleUrl,
      endpointCa: td.endpointCaFile ? readFileSync(td.endpointCaFile, "utf8") : undefined,
      intermediatesFile: td.intermediatesFile,
      crlFiles: td.crlFiles,
      crlUrls: td.crlUrls,
    });
    sources.push(entry.bundles);
    if (entry.intermediates) sources.push(entry.intermediates);
    if (entry.crls) sources.push(entry.crls);
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
