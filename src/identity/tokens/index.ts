/**
 * Public surface of the WIMSE application-level identity stage (wimse-mtls.md §6): a Workload
 * Identity Token plus a Workload Proof Token or an HTTP Message Signature (./http-sig).
 *
 * Files: config.ts (TokenConfig, validation), authenticator.ts (dispatch), wit.ts (WIT checks),
 * wit-cache.ts (verified WITs), wpt.ts (WPT checks), replay.ts (bounded jti/nonce cache), jwk.ts
 * (public JWK rules), jws.ts (shared JWS helpers), keys/ (WIT key sets: parse, sources, registry).
 *
 * Decisions (each documented where it is implemented):
 * - typ compared per RFC 7515 §4.1.9: case-insensitive, "application/" prefix optional.
 * - Keys: only the configured keys of the trust domain of `sub` (canonical, parsed first), by kid;
 *   header-carried keys (jwk, jku, x5u, x5c) and `iss` never locate keys. JWKS: use absent/"sig";
 *   SPIFFE bundle JSON: use "jwt-svid" or "wit". kid required.
 * - aud: a string or a one-element array equal to a configured target; never derived from Host.
 * - ath hashes the Authorization credentials after the scheme; oth only for configured headers.
 * - Replay: keyed by (cnf thumbprint, jti), kept until exp + skew; a full in-memory cache fails
 *   closed (503) instead of evicting live entries; replicas only share detection through a shared
 *   ReplayCache implementation.
 * - Every denial is status 400 with a stable code and check name, except a replay store outage (503).
 */
export { createTokenAuthenticator, type TokenAuthenticatorDeps, WIT_HEADER } from "./authenticator.js";
export {
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_WIT_LIFETIME_SECONDS,
  DEFAULT_REPLAY_MAX_ENTRIES,
  DEFAULT_WPT_MAX_LIFETIME_SECONDS,
  type ProofKind,
  type ResolvedTokenConfig,
  SUPPORTED_ALGORITHMS,
  type TokenAlgorithm,
  type TokenConfig,
  TokenConfigError,
  type TokenTrustDomainConfig,
  validateTokenConfig,
  type WitKeySourceSpec,
} from "./config.js";
export { parseWitKeys, type WitKeyFormat, type WitKeyParseResult } from "./keys/parse.js";
export {
  fileWitKeys,
  httpsWitKeys,
  staticWitKeys,
  WitKeyState,
  witKeySourceFromSpec,
} from "./keys/sources.js";
export { MemoryReplayCache, type MemoryReplayCacheOptions, ReplayCacheFullError } from "./replay.js";
export { verifyWit, type WitResult } from "./wit.js";
export { accessTokenOf, createWptVerifier, WPT_HEADER } from "./wpt.js";
export {
  type WitKey,
  WitKeyError,
  type WitKeyErrorCode,
  type WitKeySet,
  type WitKeySource,
} from "./keys/types.js";
export type {
  HttpRequestView,
  ProofFacts,
  ProofVerifier,
  ReplayCache,
  TokenAuthenticator,
  TokenAuthResult,
  TokenFacts,
  TokenFailure,
  TokenIdentity,
  VerifiedWit,
} from "./types.js";
