/**
 * Workload Identity Token verification (wimse-mtls.md §6; draft-ietf-wimse-workload-creds).
 * Guard clauses in order, each rejecting one rule with a stable code:
 *   shape -> typ "wit+jwt" -> alg allowlisted (never none / HMAC) -> no crit -> kid -> sub canonical
 *   (before any key lookup) -> key of THE trust domain of sub, by kid -> key/alg fit ->
 *   signature (jose) -> exp (required), nbf, iat, lifetime -> iss allowlist -> cnf.jwk (alg
 *   required, allowlisted, asymmetric public key of the type the alg needs).
 * Key-carrying header parameters (jwk, jku, x5u, x5c) are never used: the key comes from the
 * configured keys of the subject's trust domain only, and iss never locates keys.
 */
import { calculateJwkThumbprint, compactVerify } from "jose";
import { tryParseWorkloadId } from "../id/parse.js";
import type { ResolvedTokenConfig } from "./config.js";
import { algKeyMismatch, importPublicJwk } from "./jwk.js";
import {
  compactShape,
  decodeClaims,
  decodeHeader,
  failure,
  forbiddenAlg,
  isNumericDate,
  parseClaims,
  shown,
  tokenHash,
  typIs,
} from "./jws.js";
import type { WitKeyRegistry } from "./keys/registry.js";
import type { WitCache } from "./wit-cache.js";
import type { TokenFailure, VerifiedWit } from "./types.js";

export type WitResult = { ok: true; wit: VerifiedWit } | TokenFailure;

const fail = (code: string, check: string, message: string) =>
  failure(`wit_${code}`, `wit.${check}`, message);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export async function verifyWit(
  headerValue: string,
  config: ResolvedTokenConfig,
  keys: WitKeyRegistry,
  now: Date,
  cache?: WitCache,
): Promise<WitResult> {
  const compact = headerValue.trim();
  const shape = compactShape(compact);
  if (shape === "multiple") return fail("multiple", "header", "more than one Workload-Identity-Token");
  if (shape === "malformed") return fail("malformed", "header", "the WIT is not a compact JWS");
  const wth = tokenHash(compact);

  // A WIT seen before (same bytes) whose key is still the same configured key: only the checks
  // that depend on the time or on the key set are repeated.
  const cached = cache?.get(wth);
  if (cached) {
    const found = keys.lookup(cached.wit.identity, cached.wit.header.kid as string);
    if (found.ok && found.key === cached.key) {
      const times = checkTimes(cached.wit.claims, config, now);
      if (times) return times;
      return { ok: true, wit: cached.wit };
    }
    // The key was rotated out or replaced: verify again from scratch.
    cache?.delete(wth);
  }

  const header = decodeHeader(compact);
  if (!header) return fail("malformed", "header", "the WIT's JOSE header does not decode");
  if (!typIs(header.typ, "wit+jwt")) return fail("bad_typ", "typ", 'typ must be "wit+jwt"');
  const alg = header.alg;
  if (forbiddenAlg(alg)) return fail("alg_not_allowed", "alg", "none and MAC algorithms are never accepted");
  if (!config.algorithms.includes(alg as never)) {
    return fail("alg_not_allowed", "alg", `algorithm ${shown(alg)} is not allowed`);
  }
  const algName = alg as string;
  // No JWS extension is understood here (RFC 7515 §4.1.11): b64=false and the like are refused.
  if (header.crit !== undefined) return fail("crit_unsupported", "crit", "the WIT uses critical extensions");
  const kid = header.kid;
  if (typeof kid !== "string" || kid.length === 0) return fail("kid_missing", "kid", "the WIT has no kid");

  // The subject decides which keys may verify; structural checks finish before any key lookup.
  const unverified = decodeClaims(compact);
  if (!unverified) return fail("malformed", "claims", "the WIT's claims are not a JSON object");
  if (typeof unverified.sub !== "string") return fail("sub_missing", "sub", "the WIT has no sub");
  const parsed = tryParseWorkloadId(unverified.sub, { allowIpTrustDomain: config.allowIpTrustDomains });
  if (!parsed.ok) {
    return fail("sub_invalid", "sub", `sub is not a canonical workload identifier (${parsed.error.code})`);
  }
  const id = parsed.id;

  const found = keys.lookup(id, kid);
  if (!found.ok) {
    if (found.reason === "unknown_trust_domain") {
      return fail("trust_domain_unknown", "sub", `trust domain ${id.trustDomain} is not configured for WITs`);
    }
    if (found.reason === "keys_unavailable") {
      return fail("keys_unavailable", "kid", `no WIT keys of ${id.trustDomain} are loaded`);
    }
    return fail("kid_unknown", "kid", `kid is not a WIT key of ${id.trustDomain}`);
  }
  const key = found.key;
  if (key.alg !== undefined && key.alg !== algName) {
    return fail("alg_mismatch", "alg", `the key is for ${key.alg}, the WIT uses ${algName}`);
  }
  const mismatch = algKeyMismatch(algName, key);
  if (mismatch) return fail("alg_mismatch", "alg", mismatch);

  let payload: Uint8Array;
  try {
    payload = (await compactVerify(compact, key.key, { algorithms: [algName] })).payload;
  } catch {
    return fail("bad_signature", "signature", "the WIT's signature does not verify");
  }
  const claims = parseClaims(payload);
  if (!claims || claims.sub !== unverified.sub)
    return fail("malformed", "claims", "the WIT's claims are invalid");

  const { exp, nbf, iat, iss, jti } = claims;
  if (exp === undefined) return fail("exp_missing", "exp", "the WIT has no exp");
  if (!isNumericDate(exp)) return fail("exp_invalid", "exp", "exp is not a NumericDate");
  if (nbf !== undefined && !isNumericDate(nbf)) return fail("nbf_invalid", "nbf", "nbf is not a NumericDate");
  if (iat !== undefined && !isNumericDate(iat)) return fail("iat_invalid", "iat", "iat is not a NumericDate");
  const times = checkTimes({ exp, nbf, iat }, config, now);
  if (times) return times;
  if (iss !== undefined && typeof iss !== "string") return fail("iss_invalid", "iss", "iss is not a string");
  if (found.issuers) {
    if (iss === undefined) return fail("iss_missing", "iss", "iss is required for this trust domain");
    if (!found.issuers.has(iss)) return fail("iss_not_allowed", "iss", "iss is not an allowed issuer");
  }
  if (jti !== undefined && typeof jti !== "string") return fail("jti_invalid", "jti", "jti is not a string");

  const cnf = claims.cnf;
  if (!isRecord(cnf) || !isRecord(cnf.jwk)) return fail("cnf_missing", "cnf", "the WIT has no cnf.jwk");
  const jwk = cnf.jwk;
  const cnfAlg = jwk.alg;
  if (cnfAlg === undefined) return fail("cnf_alg_missing", "cnf.jwk.alg", "cnf.jwk has no alg");
  if (forbiddenAlg(cnfAlg) || !config.algorithms.includes(cnfAlg as never)) {
    return fail("cnf_alg_not_allowed", "cnf.jwk.alg", `cnf algorithm ${shown(cnfAlg)} is not allowed`);
  }
  const imported = importPublicJwk(jwk);
  if (!imported.ok) {
    return imported.reason === "private"
      ? fail("cnf_private_key", "cnf.jwk", "cnf.jwk carries private key material")
      : fail("cnf_invalid", "cnf.jwk", `cnf.jwk: ${imported.message}`);
  }
  const cnfMismatch = algKeyMismatch(cnfAlg as string, imported.jwk);
  if (cnfMismatch) return fail("cnf_alg_mismatch", "cnf.jwk.alg", cnfMismatch);
  let thumbprint: string;
  try {
    thumbprint = await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0], "sha256");
  } catch {
    return fail("cnf_invalid", "cnf.jwk", "cnf.jwk has no thumbprint");
  }

  const wit: VerifiedWit = {
    identity: id,
    compact,
    wth,
    header: { alg: algName, kid, typ: header.typ as string },
    claims: {
      sub: id.id,
      exp,
      iat: iat as number | undefined,
      nbf: nbf as number | undefined,
      iss: iss as string | undefined,
      jti: jti as string | undefined,
    },
    cnf: { alg: cnfAlg as string, key: imported.jwk.key, thumbprint },
  };
  cache?.set(wth, { wit, key });
  return { ok: true, wit };
}

/** exp (with skew), nbf, iat and the lifetime bound: the checks that depend on the clock. */
function checkTimes(
  c: { readonly exp: number; readonly nbf?: number; readonly iat?: number },
  config: ResolvedTokenConfig,
  now: Date,
): TokenFailure | undefined {
  const nowS = now.getTime() / 1000;
  const skew = config.clockSkewSeconds;
  if (c.exp <= nowS - skew) return fail("expired", "exp", "the WIT has expired");
  if (c.nbf !== undefined && c.nbf > nowS + skew)
    return fail("not_yet_valid", "nbf", "the WIT is not valid yet");
  if (c.iat !== undefined && c.iat > nowS + skew)
    return fail("iat_in_future", "iat", "the WIT was issued in the future");
  const maxLife = config.maxWitLifetimeSeconds;
  if (maxLife > 0 && c.exp - (c.iat ?? nowS) > maxLife + skew) {
    return fail("lifetime_too_long", "exp", `the WIT lives longer than ${maxLife} s`);
  }
  return undefined;
}
