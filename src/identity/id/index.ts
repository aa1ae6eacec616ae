/** Public surface of workload identifiers: parsing, trust domains, matchers. */
export { WorkloadIdError, type WorkloadIdErrorCode } from "./errors.js";
export {
  MAX_ID_BYTES,
  type ParseIdOptions,
  parseWorkloadId,
  type TryParseIdResult,
  tryParseWorkloadId,
  workloadIdOrigin,
} from "./parse.js";
export {
  checkTrustDomain,
  MAX_TRUST_DOMAIN_BYTES,
  parseTrustDomain,
  type TrustDomainOptions,
} from "./trust-domain.js";
export {
  type IdMatcher,
  matchAllOf,
  matchAny,
  matchAnyOf,
  matchId,
  matchMemberOf,
  matchNone,
  matchOneOf,
} from "./match.js";
