/**
 * Workload Proof Token verification (draft-ietf-wimse-wpt-02, wimse-mtls.md §6), given a verified
 * WIT. Guard clauses in order:
 *   exactly one Workload-Proof-Token -> typ "wpt+jwt" -> alg == cnf.jwk.alg -> signature by the
 *   cnf key (jose) -> exp required, not passed, not further than the configured maximum -> aud is a
 *   configured target (never Host / X-Forwarded-Host) -> wth == hash of the WIT -> jti -> ath /
 *   tth / oth bound both ways (token present => hash required and equal; hash present => token
 *   required) -> jti not seen before (recorded last, so invalid proofs never fill the cache).
 *
 * Decisions:
 * - aud: a string, or an array of exactly one string (RFC 7519 allows arrays; a proof addressed to
 *   several recipients could be replayed at each of them, whose replay caches are separate).
 * - ath: the hash of the access token value, i.e. the credentials of the Authorization header after
 *   its scheme (RFC 9449 §4.1 as the WPT draft cites it: "Bearer x" hashes "x").
 * - oth: keys are lower-case header names; only configured other-token headers are understood (an
 *   unknown key rejects the WPT, as the draft requires); values hash the trimmed header value.
 * - Replay key: SHA-256 of (cnf thumbprint, jti) — jti uniqueness is per sender — kept until
 *   exp + skew.
 */
import { compactVerify } from "jose";
import type { ResolvedTokenConfig } from "./config.js";
import {
  compactShape,
  decodeHeader,
  failure,
  forbiddenAlg,
  isNumericDate,
  parseClaims,
  tokenHash,
  typIs,
} from "./jws.js";
import type { ProofFacts, ProofVerifier, ReplayCache } from "./types.js";

export const WPT_HEADER = "workload-proof-token";
const MAX_JTI_LENGTH = 256;

const fail = (code: string, check: string, message: string, status = 400) =>
  failure(`wpt_${code}`, `wpt.${check}`, message, status);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The credentials of an Authorization header value: what follows the auth scheme. */
export function accessTokenOf(authorization: string): string {
  const v = authorization.trim();
  const sp = v.search(/[ \t]/);
  return sp < 0 ? v : v.slice(sp).trim();
}

export function createWptVerifier(config: ResolvedTokenConfig, replay: ReplayCache): ProofVerifier {
  const targets = new Set(config.targets);
  const otherHeaders = new Set(config.otherTokenHeaders);
  const skew = config.clockSkewSeconds;

  return async (request, wit, now) => {
    const raw = request.headers[WPT_HEADER];
    if (raw === undefined) return fail("missing", "header", "no Workload-Proof-Token");
    const compact = raw.trim();
    const shape = compactShape(compact);
    if (shape === "multiple") return fail("multiple", "header", "more than one Workload-Proof-Token");
    if (shape === "malformed") return fail("malformed", "header", "the WPT is not a compact JWS");

    const header = decodeHeader(compact);
    if (!header) return fail("malformed", "header", "the WPT's JOSE header does not decode");
    if (!typIs(header.typ, "wpt+jwt")) return fail("bad_typ", "typ", 'typ must be "wpt+jwt"');
    if (forbiddenAlg(header.alg))
      return fail("alg_not_allowed", "alg", "none and MAC algorithms are never accepted");
    if (header.crit !== undefined)
      return fail("crit_unsupported", "crit", "the WPT uses critical extensions");
    if (header.alg !== wit.cnf.alg) {
      return fail("alg_mismatch", "alg", `the WPT's alg must be the WIT's cnf.jwk.alg (${wit.cnf.alg})`);
    }

    let payload: Uint8Array;
    try {
      payload = (await compactVerify(compact, wit.cnf.key, { algorithms: [wit.cnf.alg] })).payload;
    } catch {
      return fail("bad_signature", "signature", "the WPT's signature does not verify with the WIT's cnf key");
    }
    const claims = parseClaims(payload);
    if (!claims) return fail("malformed", "claims", "the WPT's claims are not a JSON object");

    const nowS = now.getTime() / 1000;
    const { exp, iat, nbf } = claims;
    if (exp === undefined) return fail("exp_missing", "exp", "the WPT has no exp");
    if (!isNumericDate(exp)) return fail("exp_invalid", "exp", "exp is not a NumericDate");
    if (exp <= nowS - skew) return fail("expired", "exp", "the WPT has expired");
    if (exp > nowS + config.wptMaxLifetimeSeconds + skew) {
      return fail("exp_too_far", "exp", `exp is more than ${config.wptMaxLifetimeSeconds} s ahead`);
    }
    if (iat !== undefined && (!isNumericDate(iat) || iat > nowS + skew)) {
      return fail("iat_invalid", "iat", "iat is not a NumericDate in the past");
    }
    if (nbf !== undefined && (!isNumericDate(nbf) || nbf > nowS + skew)) {
      return fail("not_yet_valid", "nbf", "the WPT is not valid yet");
    }

    const audClaim = claims.aud;
    if (audClaim === undefined) return fail("aud_missing", "aud", "the WPT has no aud");
    const aud =
      typeof audClaim === "string"
        ? audClaim
        : Array.isArray(audClaim) && audClaim.length === 1
          ? audClaim[0]
          : undefined;
    if (typeof aud !== "string") return fail("aud_invalid", "aud", "aud must be one target URI");
    if (!targets.has(aud)) return fail("aud_mismatch", "aud", "aud is not a target of this service");

    if (claims.wth === undefined) return fail("wth_missing", "wth", "the WPT has no wth");
    if (claims.wth !== wit.wth) return fail("wth_mismatch", "wth", "wth is not the hash of this WIT");

    const jti = claims.jti;
    if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      return fail("jti_missing", "jti", `jti must be a string of 1-${MAX_JTI_LENGTH} characters`);
    }

    const bound: ("ath" | "tth" | "oth")[] = [];
    const authorization = request.headers.authorization;
    const bindAth = bindHash(
      "ath",
      claims.ath,
      authorization === undefined ? undefined : accessTokenOf(authorization),
    );
    if (bindAth) return bindAth;
    if (claims.ath !== undefined) bound.push("ath");
    const txn = request.headers["txn-token"];
    const bindTth = bindHash("tth", claims.tth, txn === undefined ? undefined : txn.trim());
    if (bindTth) return bindTth;
    if (claims.tth !== undefined) bound.push("tth");
    const othFailure = checkOth(claims.oth, otherHeaders, request.headers);
    if (othFailure) return othFailure;
    if (claims.oth !== undefined) bound.push("oth");

    const expiresAt = exp + skew;
    let fresh: boolean;
    try {
      fresh = await replay.remember(`wpt:${tokenHash(`${wit.cnf.thumbprint}\u0000${jti}`)}`, expiresAt);
    } catch {
      // Not a credential problem: the store is down or full. Deny (fail closed), retryable.
      return fail(
        "replay_unavailable",
        "jti",
        "the replay cache cannot record the WPT (failing closed)",
        503,
      );
    }
    if (!fresh) return fail("replayed", "jti", "this WPT was already used");

    const facts: ProofFacts = {
      kind: "wpt",
      jti,
      exp,
      iat: iat as number | undefined,
      aud,
      bound,
    };
    return { ok: true, facts };
  };
}

/** A hash claim and its token: both or neither, and equal. */
function bindHash(name: "ath" | "tth", claim: unknown, token: string | undefined) {
  const what = name === "ath" ? "an Authorization header" : "a Txn-Token header";
  if (token === undefined) {
    return claim === undefined
      ? undefined
      : fail(`${name}_unbound`, name, `${name} is present without ${what}`);
  }
  if (claim === undefined) return fail(`${name}_missing`, name, `${what} is present: the WPT needs ${name}`);
  if (claim !== tokenHash(token)) return fail(`${name}_mismatch`, name, `${name} does not match ${what}`);
  return undefined;
}

function checkOth(
  claim: unknown,
  configured: ReadonlySet<string>,
  headers: Readonly<Record<string, string>>,
) {
  if (claim !== undefined && !isRecord(claim)) return fail("oth_invalid", "oth", "oth is not an object");
  const oth = (claim ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(oth)) {
    if (!configured.has(name))
      return fail("oth_unknown", "oth", "oth names a token this service does not understand");
    const token = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (token === undefined) return fail("oth_unbound", "oth", "oth names a token header that is absent");
    if (value !== tokenHash(token.trim()))
      return fail("oth_mismatch", "oth", "an oth hash does not match its header");
  }
  for (const name of configured) {
    if (Object.hasOwn(headers, name) && !Object.hasOwn(oth, name)) {
      return fail("oth_missing", "oth", "an other-token header is present: the WPT needs its oth entry");
    }
  }
  return undefined;
}
