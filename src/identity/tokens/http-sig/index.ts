/**
 * WIMSE workload-to-workload authentication with HTTP Message Signatures: the request-binding
 * proof that goes with a Workload Identity Token (wimse-mtls.md §6, issue 7).
 *
 * Files: verify.ts (the ProofVerifier, reading as the profile) runs the guards of checks.ts, builds
 * the base with base.ts, verifies with algorithms.ts; content-digest.ts (RFC 9530);
 * structured-fields.ts (RFC 8941); sign.ts (client-side signer); profile.ts (constants).
 *
 * Facts this module relies on, with their source:
 * - draft-ietf-wimse-http-signature-07/-08 §3 (editor's copy, ietf-wg-wimse/draft-ietf-wimse-s2s-protocol,
 *   draft-ietf-wimse-http-signature.md; -07 history: "WGLC: replace @request-target with @path and
 *   @query"):
 *   - the request MUST cover @method, @path and @query (@query is "?" when there is no query);
 *     @authority is deliberately not required (middleboxes rewrite it). Drafts up to -06 covered
 *     @request-target instead: we accept either form, both pin the same origin-form target.
 *   - Content-Type, Content-Digest, Authorization, Txn-Token and Workload-Identity-Token MUST be
 *     covered when present; with a body, Content-Digest MUST be sent and the receiver MUST compute
 *     and compare it.
 *   - created, expires (short, minutes), nonce and tag="wimse-workload-to-workload" MUST be present;
 *     requests MUST carry `wimse-aud` (a String: the recipient's audience, by default the target URI
 *     without query/fragment), which the recipient checks against trusted configuration, never Host.
 *   - keyid and alg MUST NOT be used: the key is the WIT's cnf.jwk and the algorithm its `alg`.
 *   - the WIMSE signature is the one whose tag is wimse-workload-to-workload; more than one such
 *     signature MUST be rejected; recipients MUST NOT choose by label.
 *   - recipients SHOULD reject a nonce already seen, "without regard to sender" (-07): the replay key
 *     is the nonce alone (SHA-256 of it, namespaced "http-sig:nonce:", in a cache shared with WPT
 *     jti values), remembered until expires + clock skew;
 *     replay caches need not be shared across replicas (same caveat as the WPT jti cache).
 *   - `wimse-sign-response` (Boolean) may ask for a signed response: this service cannot sign the
 *     upstream's response; it is type-checked and left to the application.
 *   - errors: 400, optionally an RFC 9457 problem body; 401 NOT RECOMMENDED.
 * - RFC 9421: §2.5 signature base ("name": value lines, then "@signature-params" last, no trailing
 *   LF); §3.2 step 7 the @signature-params value is the Signature-Input member re-serialized; §2.1
 *   field values trimmed of leading/trailing whitespace; §2.2.6-2.2.7 @path ("/" when empty) and
 *   @query values, percent-encoding kept; §2.5 unknown component parameters are an error; §4 labels
 *   present in one of Signature / Signature-Input but not the other are an error; §3.3.7 JOSE
 *   algorithms sign the base directly and the raw JWS signature bytes are the value (ECDSA r||s per
 *   §3.3.4/RFC 7518 §3.4), and `alg` is never used with them.
 * - RFC 8941: Dictionary / Inner List / Parameters grammar (see ./structured-fields.ts).
 * - RFC 9864: Ed25519 / Ed448 are the fully-specified JWS names replacing the polymorphic EdDSA
 *   (newer WIMSE examples use "Ed25519"); both spellings are implemented, the allowlist decides.
 * - RFC 9530: Content-Digest is a Dictionary of algorithm -> Byte Sequence; sha-256 and sha-512 are
 *   the active algorithms; others are ignored, so a field with none of them cannot be verified.
 *
 * Choices of this implementation (fail closed): `alg` is refused even when it names the cnf
 * algorithm (httpsig_alg_present; httpsig_alg_mismatch when it names another), as the profile
 * forbids it; unknown signature parameters are allowed (they are signed); the nonce must be 8-256
 * characters; RFC 8941 duplicate keys/parameters and non-canonical base64 are parse errors; a
 * replay-store outage is httpsig_replay_unavailable with status 503 (not a credential problem).
 * A body Envoy truncated, or did not forward while Content-Length/Transfer-Encoding announce one,
 * cannot be digest-checked and is refused; the signature window is bounded by maxLifetimeSeconds
 * and checked with clockSkewSeconds; the nonce is recorded only after the signature verified; Envoy merges repeated headers with "," where RFC 9421
 * §2.1 combines with ", ": a covered repeated field will not verify (fails closed). @path and @query
 * are taken from :path exactly as Envoy forwards it: path normalization or slash merging in front
 * of ext_authz changes them and the signature fails (closed) — configure the listener not to rewrite.
 */
export type { HttpSigVerifierOptions } from "./verify.js";
export { createHttpSigVerifier, replayKey } from "./verify.js";
export type { SignedRequest, SignRequestOptions } from "./sign.js";
export { signRequest } from "./sign.js";
export { HTTP_SIG_ALGORITHMS } from "./algorithms.js";
export { WIMSE_TAG } from "./profile.js";
