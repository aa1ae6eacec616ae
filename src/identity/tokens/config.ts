/**
 * Configuration of the application-level identity stage (wimse-mtls.md §6): what
 * createTokenAuthenticator takes. The service maps its YAML `tokens:` section onto this type;
 * validateTokenConfig checks it (and createTokenAuthenticator calls it: a bad configuration is a
 * start-up error, never a permissive default).
 */
import { parseTrustDomain } from "../id/trust-domain.js";
import type { WitKeySource } from "./keys/types.js";
import type { ReplayCache } from "./types.js";

/** Signature algorithms a WIT (and, through cnf.jwk.alg, a proof) may use. */
export const SUPPORTED_ALGORITHMS = ["ES256", "ES384", "EdDSA", "PS256", "RS256"] as const;
export type TokenAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];
/** Default allowlist: every supported asymmetric algorithm. Never none, never HS*. */
export const DEFAULT_ALGORITHMS: readonly TokenAlgorithm[] = SUPPORTED_ALGORITHMS;

export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
/** A WIT lives for hours (wimse-mtls.md §6); longer is refused when this bound is set. Default 24 h. */
export const DEFAULT_MAX_WIT_LIFETIME_SECONDS = 24 * 3600;
/** A WPT lives seconds to minutes: its exp may be at most this far in the future. */
export const DEFAULT_WPT_MAX_LIFETIME_SECONDS = 300;
export const DEFAULT_REPLAY_MAX_ENTRIES = 100_000;

/**
 * Where the WIT signing keys of one trust domain come from.
 * - format "jwks": a JWK Set (RFC 7517 §5); keys with `use` absent or "sig" are used, others ignored.
 * - format "spiffe": SPIFFE bundle JSON; entries with `use` "jwt-svid" (the trust domain's JWT
 *   authorities, as SPIFFE defines them) or "wit" (a WIT-only authority) are used; x509-svid and
 *   unknown uses are ignored. spiffe_refresh_hint drives the refresh of a URL.
 * Exactly one of `file` (watched; atomic rename / symlink swap seen) and `url` (https only; refetched
 * every refresh hint, default 300 s). A failed or invalid update keeps the last good key set.
 */
export interface WitKeySourceSpec {
  format: "jwks" | "spiffe";
  file?: string;
  url?: string;
  /** PEM CA pinned for `url` (default: Node's Web PKI roots). */
  ca?: string | Buffer;
  /** Watch `file` for changes. Default true. */
  watch?: boolean;
  /** Fixed refresh interval for `url`, ms (overrides spiffe_refresh_hint). */
  refreshMs?: number;
}

export interface TokenTrustDomainConfig {
  /** WIT key sources of this trust domain: specs (built by the stage) or ready-made sources. */
  keys: (WitKeySourceSpec | WitKeySource)[];
  /**
   * Allowed `iss` values. When set (non-empty), a WIT must carry `iss` and it must be listed. When
   * unset, `iss` is optional, informative only and never used to find keys.
   */
  issuers?: string[];
}

export type ProofKind = "wpt" | "http-sig" | "either";

export interface TokenConfig {
  /**
   * The target URIs this service accepts as WPT `aud` / HTTP-signature `wimse-aud`: absolute URIs
   * without query or fragment, compared byte for byte. Never derived from Host or
   * X-Forwarded-Host. At least one.
   */
  targets: string[];
  /**
   * Keyed by trust-domain name ("prod.example": any scheme) or by origin
   * ("spiffe://prod.example": that scheme only; an origin key wins over a bare name). A WIT is
   * verified only with the keys of the trust domain of its `sub`.
   */
  trustDomains: Record<string, TokenTrustDomainConfig>;
  /** Allowed JWS algorithms (WIT alg and cnf.jwk.alg). Default DEFAULT_ALGORITHMS. */
  algorithms?: string[];
  /** Tolerance for exp / nbf / iat / created, seconds. Default 60. */
  clockSkewSeconds?: number;
  /** Maximum exp - iat of a WIT (and exp - now when iat is absent), seconds; 0 disables. Default 24 h. */
  maxWitLifetimeSeconds?: number;
  /** Maximum distance of a WPT's exp (or an HTTP signature's expires) from now, seconds. Default 300. */
  wptMaxLifetimeSeconds?: number;
  /** Which request-binding proof is accepted. Default "either". */
  proof?: ProofKind;
  /**
   * Lower-case names of other-token headers bound by the WPT `oth` claim (e.g. "x-other-token").
   * When such a header is present the WPT must carry a matching oth entry.
   */
  otherTokenHeaders?: string[];
  /** Replay cache for WPT jti / HTTP-signature nonce: options of the in-memory one, or a shared one. */
  replay?: { maxEntries?: number } | ReplayCache;
  /** Accept IP-address trust domains in `sub` (legacy only). Default false. */
  allowIpTrustDomains?: boolean;
  /** Verified-WIT cache (by token hash; time checks still run per request). 0 disables. Default 10000. */
  witCache?: { maxEntries?: number };
}

export class TokenConfigError extends Error {
  override readonly name = "TokenConfigError";
  constructor(
    /** Dotted path of the offending option, e.g. "tokens.algorithms[1]". */
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
  }
}

/** A validated configuration with every default applied. */
export interface ResolvedTokenConfig {
  readonly targets: readonly string[];
  readonly trustDomains: Readonly<Record<string, TokenTrustDomainConfig>>;
  readonly algorithms: readonly TokenAlgorithm[];
  readonly clockSkewSeconds: number;
  readonly maxWitLifetimeSeconds: number;
  readonly wptMaxLifetimeSeconds: number;
  readonly proof: ProofKind;
  readonly otherTokenHeaders: readonly string[];
  readonly replay: { maxEntries?: number } | ReplayCache;
  readonly allowIpTrustDomains: boolean;
  readonly witCacheEntries: number;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const RESERVED_HEADERS = new Set([
  "workload-identity-token",
  "workload-proof-token",
  "authorization",
  "txn-token",
  "signature",
  "signature-input",
]);

function integer(key: string, v: number | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new TokenConfigError(key, `expected an integer >= ${min}`);
  }
  return v;
}

/** Checks a target URI: absolute, no query, no fragment, no userinfo. */
export function checkTarget(key: string, target: unknown): string {
  if (typeof target !== "string" || target.length === 0) throw new TokenConfigError(key, "expected a URI");
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new TokenConfigError(key, "not an absolute URI");
  }
  if (target.includes("?") || target.includes("#")) {
    throw new TokenConfigError(key, "a target URI has no query or fragment");
  }
  if (u.username !== "" || u.password !== "") throw new TokenConfigError(key, "a target URI has no userinfo");
  if (/\s/.test(target)) throw new TokenConfigError(key, "a target URI has no whitespace");
  return target;
}

/** Validates and applies defaults. Throws TokenConfigError naming the offending key. */
export function validateTokenConfig(config: TokenConfig, prefix = "tokens"): ResolvedTokenConfig {
  if (!Array.isArray(config.targets) || config.targets.length === 0) {
    throw new TokenConfigError(`${prefix}.targets`, "at least one target URI is required");
  }
  const targets = config.targets.map((t, i) => checkTarget(`${prefix}.targets[${i}]`, t));
  const algorithms = (config.algorithms ?? [...DEFAULT_ALGORITHMS]).map((a, i) => {
    const key = `${prefix}.algorithms[${i}]`;
    if (typeof a !== "string") throw new TokenConfigError(key, "expected an algorithm name");
    if (a.toLowerCase() === "none" || /^HS/i.test(a)) {
      throw new TokenConfigError(key, `"${a}" is not allowed: only asymmetric algorithms`);
    }
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(a)) {
      throw new TokenConfigError(
        key,
        `unsupported algorithm "${a}" (one of ${SUPPORTED_ALGORITHMS.join(", ")})`,
      );
    }
    return a as TokenAlgorithm;
  });
  if (algorithms.length === 0) throw new TokenConfigError(`${prefix}.algorithms`, "empty allowlist");
  if (typeof config.trustDomains !== "object" || config.trustDomains === null) {
    throw new TokenConfigError(`${prefix}.trustDomains`, "expected a mapping of trust domains");
  }
  const tdNames = Object.keys(config.trustDomains);
  if (tdNames.length === 0) throw new TokenConfigError(`${prefix}.trustDomains`, "at least one trust domain");
  for (const name of tdNames) {
    const key = `${prefix}.trustDomains.${name}`;
    const td = config.trustDomains[name] as TokenTrustDomainConfig;
    try {
      parseTrustDomain(name, { allowIpTrustDomain: config.allowIpTrustDomains === true });
    } catch (e) {
      throw new TokenConfigError(
        key,
        `expected a canonical trust-domain name or origin (spiffe://name, wimse://name): ${(e as Error).message}`,
      );
    }
    if (!td || !Array.isArray(td.keys) || td.keys.length === 0) {
      throw new TokenConfigError(`${key}.keys`, "at least one WIT key source");
    }
    td.keys.forEach((k, i) => {
      if (!isSpec(k)) return;
      const at = `${key}.keys[${i}]`;
      if (k.format !== "jwks" && k.format !== "spiffe") {
        throw new TokenConfigError(`${at}.format`, 'expected "jwks" or "spiffe"');
      }
      if ((k.file === undefined) === (k.url === undefined)) {
        throw new TokenConfigError(at, "expected exactly one of file and url");
      }
      if (k.url !== undefined && !/^https:\/\/\S+$/.test(k.url)) {
        throw new TokenConfigError(`${at}.url`, "expected an https:// URL");
      }
    });
    if (td.issuers !== undefined) {
      if (!Array.isArray(td.issuers) || td.issuers.some((s) => typeof s !== "string" || s === "")) {
        throw new TokenConfigError(`${key}.issuers`, "expected a list of non-empty strings");
      }
    }
  }
  const proof = config.proof ?? "either";
  if (proof !== "wpt" && proof !== "http-sig" && proof !== "either") {
    throw new TokenConfigError(`${prefix}.proof`, 'expected "wpt", "http-sig" or "either"');
  }
  const otherTokenHeaders = (config.otherTokenHeaders ?? []).map((h, i) => {
    const key = `${prefix}.otherTokenHeaders[${i}]`;
    if (typeof h !== "string" || !HEADER_NAME.test(h)) {
      throw new TokenConfigError(key, "expected a lower-case header name");
    }
    if (RESERVED_HEADERS.has(h)) throw new TokenConfigError(key, `"${h}" has its own binding`);
    return h;
  });
  const replay = config.replay ?? {};
  if (!isReplayCache(replay) && replay.maxEntries !== undefined) {
    integer(`${prefix}.replay.maxEntries`, replay.maxEntries, 0, 1);
  }
  return {
    targets,
    trustDomains: config.trustDomains,
    algorithms,
    clockSkewSeconds: integer(
      `${prefix}.clockSkewSeconds`,
      config.clockSkewSeconds,
      DEFAULT_CLOCK_SKEW_SECONDS,
      0,
    ),
    maxWitLifetimeSeconds: integer(
      `${prefix}.maxWitLifetimeSeconds`,
      config.maxWitLifetimeSeconds,
      DEFAULT_MAX_WIT_LIFETIME_SECONDS,
      0,
    ),
    wptMaxLifetimeSeconds: integer(
      `${prefix}.wptMaxLifetimeSeconds`,
      config.wptMaxLifetimeSeconds,
      DEFAULT_WPT_MAX_LIFETIME_SECONDS,
      1,
    ),
    proof,
    otherTokenHeaders,
    replay,
    allowIpTrustDomains: config.allowIpTrustDomains === true,
    witCacheEntries: integer(`${prefix}.witCache.maxEntries`, config.witCache?.maxEntries, 10_000, 0),
  };
}

export function isSpec(k: WitKeySourceSpec | WitKeySource): k is WitKeySourceSpec {
  return typeof (k as WitKeySource).current !== "function";
}

export function isReplayCache(r: { maxEntries?: number } | ReplayCache): r is ReplayCache {
  return typeof (r as ReplayCache).remember === "function";
}
