/**
 * The identity part of the policy input (input.identity), for the transport identity alone (mTLS,
 * XFCC, Client-Cert: the fast path) and for requests that also carry a verified application-level
 * token identity (WIT + WPT or HTTP signature).
 *
 * With a token, neither identity silently overrides the other: both are present under stable
 * names, and `caller` says which one the top level is (configuration tokens.caller):
 *
 *   input.identity            = the caller's fields (id, scheme, trustDomain, path, method, ...)
 *   input.identity.caller     = "token" | "transport"
 *   input.identity.token      = the token identity (method "wit-wpt" | "http-sig", tokens: facts)
 *   input.identity.transport  = the transport identity (method "mtls" | "xfcc" | "client-cert"),
 *                               absent when the request came without one (tokens.require_transport false)
 *   input.identity.proxy      = (caller "token") the direct mTLS peer when it is another workload
 *                               than the token's, e.g. the middlebox; (caller "transport") as before
 */
import type { TokenIdentity } from "../identity/tokens/types.js";
import type { AuthResult, VerifiedIdentity } from "../identity/types.js";

/** A transport identity with the trusted proxy it came through (XFCC / Client-Cert). */
export interface TransportIdentity extends VerifiedIdentity {
  proxy?: VerifiedIdentity;
}

export interface PolicyIdentity extends VerifiedIdentity {
  proxy?: VerifiedIdentity;
  /** Present only when the request carried a verified token: which identity the top level is. */
  caller?: "token" | "transport";
  transport?: TransportIdentity;
  token?: TokenIdentity;
  /** The token facts, at the top level when the caller is the token identity. */
  tokens?: TokenIdentity["tokens"];
}

/** The verified token identity of a request and which identity is the caller. */
export interface TokenContext {
  identity: TokenIdentity;
  caller: "token" | "transport";
}

/** Without a proxy, the verified identity itself: shared between requests, never written to. */
function transportOf(auth: AuthResult | undefined): TransportIdentity | undefined {
  if (!auth?.ok) return undefined;
  return auth.proxy ? { ...auth.identity, proxy: auth.proxy } : auth.identity;
}

/** The caller identity for the policy input, response headers and audit (undefined: none). */
export function policyIdentity(
  auth: AuthResult | undefined,
  token: TokenContext | undefined,
): PolicyIdentity | undefined {
  if (!token) return transportOf(auth);
  const transport = transportOf(auth);
  const tok = token.identity;
  if (token.caller === "transport" && transport) {
    return { ...transport, caller: "transport", transport, token: tok };
  }
  const out: PolicyIdentity = { ...tok, caller: "token", token: tok };
  if (transport && auth?.ok) {
    out.transport = transport;
    // The direct mTLS peer: the trusted proxy for XFCC / Client-Cert, else the transport identity.
    const peer = auth.proxy ?? auth.identity;
    if (peer.id !== tok.id) out.proxy = peer;
  }
  return out;
}

/** Sets input.identity (or input.identity_error / identity_proxy when identity failed). */
export function putIdentity(
  input: Record<string, unknown>,
  auth: AuthResult | undefined,
  token?: TokenContext,
): PolicyIdentity | undefined {
  const identity = policyIdentity(auth, token);
  if (identity) {
    input.identity = identity;
  } else if (auth && !auth.ok) {
    input.identity_error = { code: auth.code, message: auth.message };
    if (auth.proxy) input.identity_proxy = auth.proxy;
  }
  return identity;
}
