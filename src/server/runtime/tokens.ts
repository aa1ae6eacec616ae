/**
 * The token stage at run time: config `tokens:` -> TokenConfig (src/identity/tokens) ->
 * TokenAuthenticator. On built-in defaults (no identity.trust_domains: the demo PKI is in use) and
 * without tokens.trust_domains, the demo PKI's WIT issuers (their jwt-svid entries in each trust
 * domain's bundle.spiffe.json) and the demo targets are used. With no key source at all the stage
 * is absent, and a request carrying a Workload-Identity-Token is denied (tokens_not_configured).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config, TokenTrustDomainEntry } from "../../config/types.js";
import {
  createTokenAuthenticator,
  type TokenConfig,
  type TokenTrustDomainConfig,
  type WitKeySourceSpec,
} from "../../identity/tokens/index.js";
import type { TokenAuthenticator } from "../../identity/tokens/types.js";
import { DEMO_TOKEN_TARGETS } from "../../pki/demo.js";
import type { DemoPkiManifest } from "../../pki/write.js";

/** The demo PKI in use (built-in defaults), when it is. */
export interface DemoPkiInUse {
  dir: string;
  manifest: DemoPkiManifest;
}

function keySource(e: TokenTrustDomainEntry): WitKeySourceSpec {
  const ca = e.endpointCaFile !== undefined ? readFileSync(e.endpointCaFile) : undefined;
  const spec: WitKeySourceSpec =
    e.jwksFile !== undefined
      ? { format: "jwks", file: e.jwksFile }
      : e.jwksUrl !== undefined
        ? { format: "jwks", url: e.jwksUrl }
        : e.bundleFile !== undefined
          ? { format: "spiffe", file: e.bundleFile }
          : { format: "spiffe", url: e.bundleUrl };
  if (ca !== undefined) spec.ca = ca;
  return spec;
}

/**
 * The TokenConfig for this configuration, or undefined when no WIT key source is configured and
 * the demo PKI (with WIT issuers) is not in use.
 */
export function tokenConfigFrom(config: Config, demo?: DemoPkiInUse): TokenConfig | undefined {
  const t = config.tokens;
  const trustDomains: Record<string, TokenTrustDomainConfig> = {};
  let targets = t.targets;
  if (t.trustDomains.length > 0) {
    for (const e of t.trustDomains) {
      trustDomains[e.trustDomain] = {
        keys: [keySource(e)],
        ...(e.issuers.length > 0 ? { issuers: e.issuers } : {}),
      };
    }
  } else if (demo) {
    for (const d of Object.values(demo.manifest.trustDomains)) {
      if (!d.wit) continue;
      trustDomains[d.trustDomain] = { keys: [{ format: "spiffe", file: join(demo.dir, d.bundleSpiffe) }] };
    }
    if (targets.length === 0) targets = Object.values(DEMO_TOKEN_TARGETS);
  }
  if (Object.keys(trustDomains).length === 0) return undefined;
  return {
    targets,
    trustDomains,
    algorithms: t.algorithms,
    clockSkewSeconds: t.clockSkewSeconds,
    maxWitLifetimeSeconds: t.witMaxLifetimeSeconds,
    wptMaxLifetimeSeconds: t.proofMaxLifetimeSeconds,
    proof: t.proof,
    otherTokenHeaders: t.otherTokenHeaders,
    replay: { maxEntries: t.replayCacheMaxEntries },
  };
}

/**
 * Creates the token stage and waits (bounded) for its key sources' first load. Throws
 * TokenConfigError on an invalid configuration. Returns undefined when nothing is configured.
 */
export async function createTokenRuntime(opts: {
  config: Config;
  demo?: DemoPkiInUse;
  log: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<TokenAuthenticator | undefined> {
  const tokenConfig = tokenConfigFrom(opts.config, opts.demo);
  if (!tokenConfig) {
    if (opts.demo)
      opts.log(
        `tokens: the demo PKI in ${opts.demo.dir} has no WIT issuer keys (regenerate it with wimse-authz certs --force)`,
      );
    return undefined;
  }
  const stage = createTokenAuthenticator(tokenConfig);
  const timeout = opts.readyTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const loaded = await Promise.race([
    stage.ready().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeout);
      timer.unref();
    }),
  ]);
  if (timer) clearTimeout(timer);
  opts.log(
    loaded
      ? `tokens: WIT keys loaded for ${Object.keys(tokenConfig.trustDomains).join(", ")}; targets ${tokenConfig.targets.join(", ")}`
      : `tokens: WIT keys not loaded after ${timeout} ms; token requests fail until they are`,
  );
  return stage;
}
