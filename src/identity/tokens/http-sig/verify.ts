/**
 * The HTTP Message Signatures proof (WIMSE profile of RFC 9421): a ProofVerifier that, given a WIT
 * already verified by the token stage, checks that the request carries exactly one WIMSE signature
 * made with the WIT's cnf key over the profile's components. It reads as the profile: each step is a
 * guard from ./checks.ts (sources in ./index.ts). Cheap structural checks run first; the signature
 * is verified before the nonce is recorded, so unsigned garbage never fills the replay cache.
 */
import { createHash } from "node:crypto";
import type { ProofVerifier, ReplayCache } from "../types.js";
import { verifySignature } from "./algorithms.js";
import { signatureBase } from "./base.js";
import {
  checkComponents,
  checkContent,
  checkNonceAndAudience,
  checkParamsAndAlgorithm,
  checkWindow,
  fail,
  isFailure,
  selectSignature,
} from "./checks.js";
import { REPLAY_KEY_PREFIX } from "./profile.js";

export interface HttpSigVerifierOptions {
  /** Accepted `wimse-aud` values (configured target URIs), compared byte for byte. Never Host. */
  readonly targets: readonly string[];
  /** Allowed JOSE algorithms for cnf.jwk.alg (e.g. ["ES256", "EdDSA"]). */
  readonly algorithms: readonly string[];
  /** Largest accepted `expires - created`, seconds. The profile wants minutes at most. */
  readonly maxLifetimeSeconds: number;
  /** Tolerance for `created` in the future and `expires` in the past, seconds. */
  readonly clockSkewSeconds: number;
  /** Records nonces until the signature expires; shared with WPT jti values (namespaced). */
  readonly replay: ReplayCache;
}

/** The ReplayCache key of a nonce: namespaced, fixed size (SHA-256), whoever signed it (-07). */
export function replayKey(nonce: string): string {
  return `${REPLAY_KEY_PREFIX}${createHash("sha256").update(nonce, "ascii").digest("base64url")}`;
}

/** Throws on an unusable configuration (start-up error); the verifier itself never throws. */
export function createHttpSigVerifier(options: HttpSigVerifierOptions): ProofVerifier {
  if (options.targets.length === 0) throw new Error("http-sig: at least one target is required");
  if (!(options.maxLifetimeSeconds > 0)) throw new Error("http-sig: maxLifetimeSeconds must be positive");
  if (!(options.clockSkewSeconds >= 0)) throw new Error("http-sig: clockSkewSeconds must not be negative");
  const targets: ReadonlySet<string> = new Set(options.targets);
  const algorithms: ReadonlySet<string> = new Set(options.algorithms);
  const skew = options.clockSkewSeconds;

  const verify: ProofVerifier = async (request, wit, now) => {
    const selected = selectSignature(request.headers);
    if (isFailure(selected)) return selected;
    const { label, input, signature } = selected;

    const covered = checkComponents(input, request, wit);
    if (isFailure(covered)) return covered;
    const algorithm = checkParamsAndAlgorithm(input.params, wit, algorithms);
    if (algorithm) return algorithm;
    const window = checkWindow(input.params, now, options.maxLifetimeSeconds, skew);
    if (isFailure(window)) return window;
    const binding = checkNonceAndAudience(input.params, targets);
    if (isFailure(binding)) return binding;
    const content = checkContent(request);
    if (isFailure(content)) return content;

    const base = signatureBase(input, request);
    if (!base.ok) {
      return fail(
        base.reason === "missing" ? "component_missing" : "component_unsupported",
        "components",
        base.detail,
      );
    }
    if (!verifySignature(wit.cnf.alg, wit.cnf.key, Buffer.from(base.base, "ascii"), signature)) {
      return fail("bad_signature", "signature", "the signature does not verify with the WIT's cnf key");
    }

    let fresh: boolean;
    try {
      fresh = await options.replay.remember(replayKey(binding.nonce), window.expires + skew);
    } catch {
      // Not a credential problem: the service cannot vouch for freshness now (fails closed).
      return fail("replay_unavailable", "nonce", "the replay cache cannot record the nonce", 503);
    }
    if (!fresh) return fail("replayed_nonce", "nonce", "this nonce was already used");

    return {
      ok: true,
      facts: { kind: "http-sig", label, ...window, ...binding, covered, ...content },
    };
  };

  return async (request, wit, now) => {
    try {
      return await verify(request, wit, now);
    } catch {
      // Defensive: every step returns a failure rather than throwing.
      return fail("internal_error", "signature", "the HTTP signature could not be checked");
    }
  };
}
