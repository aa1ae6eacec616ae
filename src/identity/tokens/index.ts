/** Public surface of the WIMSE application-level identity stage (WIT + WPT / HTTP signature). */
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
