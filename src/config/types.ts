/** The validated configuration the service runs with (built from schema.ts by load.ts). */

export interface TrustDomainEntry {
  /** Trust domain name ("prod.example") or origin ("spiffe://prod.example"). */
  trustDomain: string;
  /** Exactly one of bundleFile (PEM or SPIFFE JSON, watched) and bundleUrl (SPIFFE bundle endpoint, https). */
  bundleFile?: string;
  bundleUrl?: string;
  /** PEM CA file pinned for bundleUrl and https CRL URLs. */
  endpointCaFile?: string;
  intermediatesFile?: string;
  crlFiles: string[];
  crlUrls: string[];
}

/** A request match for which identity is optional: the policy runs without identity. */
export interface IdentityOptionalRule {
  /** Exact path (without query). */
  path?: string;
  /** Path prefix (without query), e.g. "/healthz". */
  pathPrefix?: string;
  /** Upper-case methods; empty = any. */
  methods: string[];
}

/** Where the WIT signing keys of one trust domain come from (tokens.trust_domains[i]). */
export interface TokenTrustDomainEntry {
  /** Trust domain name ("prod.example") or origin ("spiffe://prod.example"). */
  trustDomain: string;
  /** Exactly one source: a JWKS file or URL, or a SPIFFE bundle (its jwt-svid keys) file or URL. */
  jwksFile?: string;
  jwksUrl?: string;
  bundleFile?: string;
  bundleUrl?: string;
  /** PEM CA file pinned for the https URL. */
  endpointCaFile?: string;
  /** Accepted `iss` values; when non-empty, `iss` is required and must be one of them. */
  issuers: string[];
}

/** Which identity is the caller (input.identity's top level) when a request carries both. */
export type TokenCaller = "token" | "transport";

export type TokenProofKind = "wpt" | "http-sig" | "either";

export interface TokensConfig {
  /** Accepted WPT `aud` / HTTP-signature `wimse-aud` values: this service's target URIs. */
  targets: string[];
  trustDomains: TokenTrustDomainEntry[];
  algorithms: string[];
  clockSkewSeconds: number;
  witMaxLifetimeSeconds: number;
  proofMaxLifetimeSeconds: number;
  proof: TokenProofKind;
  replayCacheMaxEntries: number;
  otherTokenHeaders: string[];
  caller: TokenCaller;
  requireTransport: boolean;
}

export interface ListenTlsConfig {
  certFile: string;
  keyFile: string;
  clientCaFile: string;
  allowedClientIds: string[];
}

export interface Config {
  listen: {
    address: string;
    maxReceiveMessageBytes: number;
    reflection: boolean;
    tls: ListenTlsConfig;
  };
  metrics: { address: string; path: string };
  identity: {
    demoPkiDir: string;
    trustDomains: TrustDomainEntry[];
    trustedProxies: string[];
    forwardedCertFromUntrusted: "deny" | "ignore";
    eku: "clientAuth-if-present" | "clientAuth-required" | "spiffe-strict";
    cacheMaxEntries: number;
    optional: IdentityOptionalRule[];
  };
  tokens: TokensConfig;
  policy: { dir: string; bundle: string; entrypoint: string; watch: boolean; maxFileBytes: number };
  decision: {
    /** Decide on a worker thread (serve; src/server/decision/thread.ts). */
    thread: boolean;
    /** With `thread`: Checks decided on the gRPC thread while it is not busy (decision/inline.ts). */
    inlineWhenIdle: boolean;
    dryRun: boolean;
    denyStatus: number;
    identityFailureStatus: number;
    headers: { workloadId: string; trustDomain: string; proxyId: string; authMethod: string };
  };
  request: {
    maxHeaderValueBytes: number;
    maxHeadersBytes: number;
    maxHeadersCount: number;
    skipBodyParse: boolean;
  };
  audit: { output: string };
  shutdown: { graceMs: number };
}
