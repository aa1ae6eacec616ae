/**
 * Matchers as values (go-spiffe style): configuration (trusted proxies) and policy helpers compose
 * them. Every comparison is byte-for-byte on canonical identifiers; no prefix or wildcard matching.
 */
import type { WorkloadId } from "../types.js";
import { parseWorkloadId } from "./parse.js";
import { parseTrustDomain } from "./trust-domain.js";

export type IdMatcher = (id: WorkloadId) => boolean;

function toId(id: string | WorkloadId): WorkloadId {
  return typeof id === "string" ? parseWorkloadId(id, { allowNoPath: false }) : id;
}

/** Matches exactly this identifier. Throws WorkloadIdError when given a non-canonical one. */
export function matchId(id: string | WorkloadId): IdMatcher {
  const want = toId(id).id;
  return (got) => got.id === want;
}

/** Matches any of these identifiers. */
export function matchOneOf(...ids: (string | WorkloadId)[]): IdMatcher {
  const set = new Set(ids.map((i) => toId(i).id));
  return (got) => set.has(got.id);
}

/**
 * Matches every identifier of a trust domain. Given as an origin ("spiffe://prod.example") it
 * matches that scheme only; given as a bare name ("prod.example") it matches both schemes.
 */
export function matchMemberOf(trustDomain: string): IdMatcher {
  const m = /^(spiffe|wimse):\/\//.exec(trustDomain);
  const scheme = m?.[1];
  const name = parseTrustDomain(trustDomain);
  return (got) => got.trustDomain === name && (scheme === undefined || got.scheme === scheme);
}

/** Matches everything. Only for explicit "allow any authenticated workload" configuration. */
export function matchAny(): IdMatcher {
  return () => true;
}

/** Matches nothing. */
export function matchNone(): IdMatcher {
  return () => false;
}

/** Matches when any of the matchers matches. */
export function matchAnyOf(...matchers: IdMatcher[]): IdMatcher {
  return (got) => matchers.some((m) => m(got));
}

/** Matches when all of the matchers match. */
export function matchAllOf(...matchers: IdMatcher[]): IdMatcher {
  return (got) => matchers.every((m) => m(got));
}
