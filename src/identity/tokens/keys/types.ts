/**
 * WIT signing keys of ONE trust domain, behind the same Source shape as X.509 bundles and CRLs:
 * static data, watched files and HTTPS endpoints plug in the same way.
 */
import type { KeyObject } from "node:crypto";
import type { Source } from "../../refresh/source.js";

/** One public WIT signing key. */
export interface WitKey {
  /** JWK `kid`: what a WIT's header selects the key by. */
  readonly kid: string;
  /** JWK `alg` when the key set pins one; a WIT with another alg is refused. */
  readonly alg?: string;
  /** "EC" | "OKP" | "RSA". */
  readonly kty: string;
  /** Curve of EC / OKP keys. */
  readonly crv?: string;
  readonly key: KeyObject;
}

export interface WitKeySet {
  /** Usable keys by kid (duplicate kids are rejected when parsing). */
  readonly keys: ReadonlyMap<string, WitKey>;
  /** spiffe_sequence of SPIFFE bundle JSON. */
  readonly sequence?: number;
  /** spiffe_refresh_hint, seconds. */
  readonly refreshHint?: number;
  /** Increases on every accepted update of a source. */
  readonly generation: number;
}

export type WitKeyErrorCode =
  | "witkeys_read_failed"
  | "witkeys_fetch_failed"
  | "witkeys_http_status"
  | "witkeys_too_large"
  | "witkeys_invalid_json"
  | "witkeys_not_a_key_set"
  | "witkeys_bad_entry"
  | "witkeys_duplicate_kid"
  | "witkeys_private_key"
  | "witkeys_bad_sequence"
  | "witkeys_bad_refresh_hint"
  | "witkeys_sequence_rollback"
  | "witkeys_closed";

export class WitKeyError extends Error {
  override readonly name = "WitKeyError";
  constructor(
    readonly code: WitKeyErrorCode,
    message: string,
    /** File path or URL of the key set. */
    readonly origin = "",
  ) {
    super(origin ? `WIT keys ${origin}: ${message}` : `WIT keys: ${message}`);
  }
}

/**
 * One trust domain's WIT keys: current() is the last good key set; ready() rejects with WitKeyError
 * when the first load fails (the source keeps trying); onChange after every accepted change;
 * onError for every rejected update, the last good key set staying in force.
 */
export type WitKeySource = Source<WitKeySet, WitKeyError>;
