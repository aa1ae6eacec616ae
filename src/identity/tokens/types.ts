/**
 * Contract of the application-level identity stage (wimse-mtls.md §6): Workload Identity Token
 * (WIT) plus either a Workload Proof Token (WPT) or an HTTP Message Signature (RFC 9421 profile of
 * draft-ietf-wimse-http-signature).
 *
 * Producers: src/identity/tokens (WIT, WPT, key sources, replay cache, the TokenAuthenticator) and
 * src/identity/tokens/http-sig (the HTTP signature proof). Consumers: src/extauthz (pipeline,
 * policy input, problem bodies) and src/audit. Nothing here ever carries a token or a key in a
 * form that could be logged: facts are claims, hashes and thumbprints only.
 */
import type { KeyObject } from "node:crypto";
import type { VerifiedIdentity, WorkloadId } from "../types.js";

/** What the token stage reads from a CheckRequest (attributes.request.http). */
export interface HttpRequestView {
  /** "GET", "POST", ... as Envoy sends it. */
  readonly method: string;
  /** attributes.request.http.scheme ("https" or "http"); "" when Envoy sent none. */
  readonly scheme: string;
  /** The Host / :authority header. UNTRUSTED: never used to check `aud` or `wimse-aud`. */
  readonly host: string;
  /** :path as Envoy sends it, query included. */
  readonly path: string;
  /** Request headers, lower-cased names; Envoy merges repeated headers with ",". */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body bytes when Envoy forwarded them (with_request_body), else undefined. */
  readonly body?: Uint8Array;
  /** True when Envoy cut the body (x-envoy-auth-partial-body: true). */
  readonly bodyTruncated: boolean;
}

/** A WIT whose signature, typ, alg, sub, exp, iss and cnf all checked out. */
export interface VerifiedWit {
  readonly identity: WorkloadId;
  /** The compact JWS, needed only to compute hashes and signature bases; never logged. */
  readonly compact: string;
  /** base64url(SHA-256(ASCII(compact))): the value a WPT's `wth` must equal. */
  readonly wth: string;
  readonly header: { readonly alg: string; readonly kid?: string; readonly typ: string };
  readonly claims: {
    readonly sub: string;
    readonly exp: number;
    readonly iat?: number;
    readonly nbf?: number;
    readonly iss?: string;
    readonly jti?: string;
  };
  /** The proof-of-possession key from cnf.jwk. */
  readonly cnf: {
    /** cnf.jwk.alg: the only algorithm a proof may use. */
    readonly alg: string;
    readonly key: KeyObject;
    /** RFC 7638 JWK thumbprint (SHA-256, base64url) of cnf.jwk. */
    readonly thumbprint: string;
  };
}

/** Facts about the proof that bound the request to the WIT's key. */
export type ProofFacts =
  | {
      readonly kind: "wpt";
      readonly jti: string;
      readonly exp: number;
      readonly iat?: number;
      /** The configured target URI the `aud` matched. */
      readonly aud: string;
      /** Which other-token hashes the WPT carried and that were checked. */
      readonly bound: readonly ("ath" | "tth" | "oth")[];
    }
  | {
      readonly kind: "http-sig";
      readonly label: string;
      readonly created: number;
      readonly expires: number;
      readonly nonce: string;
      /** The configured target URI `wimse-aud` matched. */
      readonly aud: string;
      /** Covered components, in signature order. */
      readonly covered: readonly string[];
      /** True when a body was present and Content-Digest was covered and matched it. */
      readonly digestChecked: boolean;
    };

/** What the policy input and the audit record may carry about the tokens (no token text). */
export interface TokenFacts {
  readonly wit: {
    readonly alg: string;
    readonly kid?: string;
    readonly iss?: string;
    readonly jti?: string;
    readonly exp: number;
    readonly cnf_alg: string;
    readonly cnf_thumbprint: string;
  };
  readonly proof: ProofFacts;
}

/** A verified application-level identity: method "wit-wpt" or "http-sig", with its facts. */
export interface TokenIdentity extends VerifiedIdentity {
  readonly method: "wit-wpt" | "http-sig";
  readonly tokens: TokenFacts;
}

/** Failure of one named check; `check` names it for the RFC 9457 problem body. */
export interface TokenFailure {
  readonly ok: false;
  /** Stable reason code, e.g. "wit_expired", "wpt_aud_mismatch", "httpsig_digest_mismatch". */
  readonly code: string;
  /** The check that failed, e.g. "wit.exp", "wpt.aud", "http-sig.content-digest". */
  readonly check: string;
  /** Human-readable, never containing a token, a signature or a key. */
  readonly message: string;
  /** HTTP status for the denial: 400 for every credential problem (wimse-mtls.md §6). */
  readonly status: number;
}

export type TokenAuthResult =
  /** No Workload-Identity-Token header: the request carries no application-level credential. */
  | { readonly present: false }
  | ({ readonly present: true } & ({ readonly ok: true; readonly identity: TokenIdentity } | TokenFailure));

/** The application-level identity stage. Never throws: failures are TokenFailure. */
export interface TokenAuthenticator {
  authenticate(request: HttpRequestView, now?: Date): Promise<TokenAuthResult>;
  /** Resolves when every configured WIT key source has loaded once. */
  ready(): Promise<void>;
  close(): void;
}

/** One request-binding proof (WPT or HTTP signature), given an already verified WIT. */
export type ProofVerifier = (
  request: HttpRequestView,
  wit: VerifiedWit,
  now: Date,
) => Promise<{ readonly ok: true; readonly facts: ProofFacts } | TokenFailure>;

/**
 * Replay cache for WPT `jti` and HTTP-signature `nonce` values. In memory by default (bounded);
 * replicas that must share it implement this interface over a shared store.
 */
export interface ReplayCache {
  /**
   * Records `key` until `expiresAt` (epoch seconds). Resolves false when the key was already
   * recorded and has not expired (a replay), true otherwise. Must fail closed: a store error
   * rejects, and the caller denies.
   */
  remember(key: string, expiresAt: number): Promise<boolean>;
}
