/**
 * The application-level identity stage (wimse-mtls.md §6): a Workload-Identity-Token plus exactly one
 * request-binding proof — a Workload-Proof-Token or an HTTP Message Signature. Dispatch:
 *   no WIT header                       -> { present: false } (nothing to authenticate here)
 *   two WITs (Envoy joins them with ",") -> failure
 *   WPT and Signature/Signature-Input   -> failure (ambiguous proof)
 *   neither                             -> failure (a WIT alone is never a bearer token)
 *   a proof kind the config disallows   -> failure
 * The proof's structure is checked before the WIT's signature, then the WIT, then the proof.
 * Never throws: every failure is a TokenFailure with status 400 and a check name.
 */
import { isReplayCache, type ResolvedTokenConfig, type TokenConfig, validateTokenConfig } from "./config.js";
import { createHttpSigVerifier } from "./http-sig/index.js";
import { failure } from "./jws.js";
import { WitKeyRegistry } from "./keys/registry.js";
import { MemoryReplayCache } from "./replay.js";
import type {
  HttpRequestView,
  ProofVerifier,
  ReplayCache,
  TokenAuthenticator,
  TokenAuthResult,
  TokenIdentity,
  VerifiedWit,
} from "./types.js";
import { verifyWit } from "./wit.js";
import { WitCache } from "./wit-cache.js";
import { createWptVerifier, WPT_HEADER } from "./wpt.js";

export const WIT_HEADER = "workload-identity-token";

export interface TokenAuthenticatorDeps {
  /** Replaces the HTTP-signature proof verifier (tests, embedding). */
  httpSigVerifier?: ProofVerifier;
  /** Replaces the WPT verifier (tests, embedding). */
  wptVerifier?: ProofVerifier;
}

const fail = (code: string, check: string, message: string): TokenAuthResult => ({
  present: true,
  ...failure(`tokens_${code}`, `tokens.${check}`, message),
});

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/** Throws TokenConfigError for an invalid configuration. */
export function createTokenAuthenticator(
  config: TokenConfig,
  deps: TokenAuthenticatorDeps = {},
): TokenAuthenticator {
  const resolved: ResolvedTokenConfig = validateTokenConfig(config);
  const replay: ReplayCache = isReplayCache(resolved.replay)
    ? resolved.replay
    : new MemoryReplayCache({ maxEntries: resolved.replay.maxEntries });
  const keys = new WitKeyRegistry(resolved.trustDomains);
  const witCache = new WitCache(resolved.witCacheEntries);
  const wpt = deps.wptVerifier ?? createWptVerifier(resolved, replay);
  const httpSig =
    deps.httpSigVerifier ??
    createHttpSigVerifier({
      targets: resolved.targets,
      algorithms: resolved.algorithms,
      maxLifetimeSeconds: resolved.wptMaxLifetimeSeconds,
      clockSkewSeconds: resolved.clockSkewSeconds,
      replay,
    });

  const authenticate = async (request: HttpRequestView, now: Date): Promise<TokenAuthResult> => {
    const headers = request.headers;
    const witHeader = header(headers, WIT_HEADER);
    if (witHeader === undefined) return { present: false };
    if (witHeader.includes(",")) return fail("multiple_wit", "wit", "more than one Workload-Identity-Token");

    const hasWpt = header(headers, WPT_HEADER) !== undefined;
    const hasSig =
      header(headers, "signature") !== undefined || header(headers, "signature-input") !== undefined;
    if (hasWpt && hasSig) {
      return fail(
        "ambiguous_proof",
        "proof",
        "both a Workload-Proof-Token and an HTTP signature are present",
      );
    }
    if (!hasWpt && !hasSig) {
      return fail("proof_missing", "proof", "a WIT needs a Workload-Proof-Token or an HTTP signature");
    }
    const kind = hasWpt ? "wpt" : "http-sig";
    if (resolved.proof !== "either" && resolved.proof !== kind) {
      return fail("proof_not_allowed", "proof", `this service accepts ${resolved.proof} proofs only`);
    }

    const witResult = await verifyWit(witHeader, resolved, keys, now, witCache);
    if (!witResult.ok) return { present: true, ...witResult };
    const wit = witResult.wit;

    const proof = await (kind === "wpt" ? wpt : httpSig)(request, wit, now);
    if (!proof.ok) return { present: true, ...proof };
    return { present: true, ok: true, identity: tokenIdentity(wit, kind, proof.facts) };
  };

  return {
    async authenticate(request, now = new Date()) {
      try {
        return await authenticate(request, now);
      } catch {
        return fail("internal_error", "internal", "the tokens could not be checked");
      }
    },
    ready: () => keys.ready(),
    close: () => keys.close(),
  };
}

function tokenIdentity(
  wit: VerifiedWit,
  kind: "wpt" | "http-sig",
  proof: TokenIdentity["tokens"]["proof"],
): TokenIdentity {
  return {
    ...wit.identity,
    method: kind === "wpt" ? "wit-wpt" : "http-sig",
    tokens: {
      wit: {
        alg: wit.header.alg,
        kid: wit.header.kid,
        iss: wit.claims.iss,
        jti: wit.claims.jti,
        exp: wit.claims.exp,
        cnf_alg: wit.cnf.alg,
        cnf_thumbprint: wit.cnf.thumbprint,
      },
      proof,
    },
  };
}
