/**
 * Constants of the WIMSE profile of RFC 9421 (draft-ietf-wimse-http-signature-07/-08 §3); the
 * sources of each rule are listed in ./index.ts.
 */

/** The `tag` that identifies the WIMSE signature among the message's signatures. */
export const WIMSE_TAG = "wimse-workload-to-workload";

/** Header carrying the WIT, always covered: it is what binds the signature to the WIT. */
export const WIT_HEADER = "workload-identity-token";

/** Request fields that MUST be covered whenever the request carries them. */
export const COVER_WHEN_PRESENT = [
  "content-type",
  "content-digest",
  "authorization",
  "txn-token",
  WIT_HEADER,
] as const;

/** Signature parameters the profile forbids: the key and algorithm come from the WIT's cnf. */
export const FORBIDDEN_PARAMS = ["keyid", "alg"] as const;

/** Nonce length bounds, characters (the profile wants random nonces with negligible collisions). */
export const NONCE_MIN_LENGTH = 8;
export const NONCE_MAX_LENGTH = 256;

/** Namespace of this proof's entries in a ReplayCache shared with WPT `jti` values. */
export const REPLAY_KEY_PREFIX = "http-sig:nonce:";

export const DEFAULT_LABEL = "wimse";
