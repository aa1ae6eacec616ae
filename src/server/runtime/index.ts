/**
 * The runtimes `serve` runs with, built from the configuration alone: identity (the demo PKI on
 * first run when no trust domain is configured), the token stage and the policy. Used by `serve`
 * in-process and by the decision thread (src/server/decision-thread), which builds its own.
 * Throws TokenConfigError on an invalid token configuration. `tokens: false` leaves the token
 * stage out (src/server/decision/inline.ts: token requests go to the decision thread, which holds
 * the replay cache).
 */
import type { Config } from "../../config/types.js";
import type { Runtimes } from "../ports.js";
import { demoIdentity, effectiveIdentity } from "./demo-pki.js";
import { createIdentityRuntime } from "./identity.js";
import { createPolicyRuntime } from "./policy.js";
import { createTokenRuntime } from "./tokens.js";

export async function buildRuntimes(
  config: Config,
  log: (line: string) => void,
  opts: { tokens?: boolean } = {},
): Promise<Runtimes> {
  const { trustDomains, trustedProxies } = await effectiveIdentity(config.identity, log);
  const demo =
    config.identity.trustDomains.length === 0
      ? {
          dir: config.identity.demoPkiDir,
          manifest: (await demoIdentity(config.identity.demoPkiDir)).manifest,
        }
      : undefined;
  // Without the token stage (the inline decider): requests with a token are not decided there.
  const tokens = opts.tokens === false ? undefined : await createTokenRuntime({ config, demo, log });
  const identity = createIdentityRuntime({ identity: config.identity, trustDomains, trustedProxies, log });
  const policy = await createPolicyRuntime(config.policy, log);
  const identityLoad = identity.reload ? await identity.reload() : { ok: true, revision: "" };
  if (!identityLoad.ok) log(`identity: trust bundles not loaded yet (NOT_SERVING): ${identityLoad.error}`);
  return { identity, policy, tokens };
}
