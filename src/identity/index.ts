/** Public surface of the identity stage. */
export { type Authenticator, AuthenticatorConfigError, createAuthenticator } from "./authenticator.js";
export type { AuthenticatorConfig, ForwardedCertPolicy, TrustDomainConfig } from "./config.js";
export type { CacheStats } from "./cache.js";
export {
  type CheckServerIdentity,
  createServerIdentityCheck,
  ServerIdentityError,
  type ServerIdentityOptions,
} from "./client.js";
export * from "./bundle/index.js";
export * from "./revocation/index.js";
export { parseClientCert, type ClientCertResult } from "./sources/client-cert.js";
export { extractForwardedCert, type ForwardedCert, type ForwardedResult } from "./sources/forwarded.js";
export {
  parseXfcc,
  selectXfccElement,
  type XfccElement,
  type XfccErrorCode,
  type XfccLimits,
  type XfccParseResult,
} from "./sources/xfcc.js";
export { type TrustDomainSpec, trustDomainSources } from "./sources-from-config.js";
export type * from "./types.js";
