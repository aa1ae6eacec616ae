/** Public surface of X.509: parsing, path validation, revocation, SAN and DNS-ID checks. */
export { type ParsedCert, parseDer, tryParseDer } from "./cert.js";
export { type ParsedCrl, parseCrl } from "./crl.js";
export { verifyDnsName, verifyIpAddress } from "./dns-id.js";
export type { EkuMode } from "./eku.js";
export { asX509Error, X509Error, type X509ErrorCode } from "./errors.js";
export type { KeyUsageName } from "./extensions.js";
export { certificateFacts, earliestNotAfter } from "./facts.js";
export { decodePemBlocks, type PemOptions, parsePemCert, parsePemChain } from "./pem.js";
export { CertPool } from "./pool.js";
export type { RevocationOptions } from "./revocation.js";
export { type CertIdResult, certWorkloadId, exactlyOneUriSan, type UriSanResult } from "./san.js";
export {
  checkValidity,
  DEFAULT_MAX_DEPTH,
  MAX_PRESENTED_INTERMEDIATES,
  type PathResult,
  type VerifyPathRequest,
  verifyPath,
} from "./verify.js";
