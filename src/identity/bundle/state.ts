/**
 * A bundle source's state: the shared versioned-source machine (../refresh/versioned: last good
 * value, atomic swap, listeners, ready(), spiffe_sequence rollback refused, unchanged authorities
 * not announced), with the bundle's fingerprint, snapshot and error codes.
 */
import { createHash } from "node:crypto";
import { VersionedSource } from "../refresh/versioned.js";
import { type BundleFormat, parseBundleContent } from "./parse.js";
import { BundleError, type BundleErrorCode, type BundleSource, type X509Bundle } from "./types.js";

export interface BundleContent {
  authorities: Buffer[];
  sequence?: number;
  refreshHint?: number;
}

const ERROR_CODES = {
  closed: "bundle_closed",
  sequence_rollback: "bundle_sequence_rollback",
  status: "bundle_http_status",
  too_large: "bundle_too_large",
  failed: "bundle_fetch_failed",
} as const satisfies Record<string, BundleErrorCode>;

export class BundleState
  extends VersionedSource<BundleContent, X509Bundle, BundleError>
  implements BundleSource
{
  constructor(origin: string) {
    super(origin, {
      fingerprint(c) {
        const h = createHash("sha256");
        for (const der of c.authorities) h.update(createHash("sha256").update(der).digest());
        return h.digest("hex");
      },
      snapshot: (c, generation) =>
        Object.freeze({
          authorities: Object.freeze([...c.authorities]),
          sequence: c.sequence,
          refreshHint: c.refreshHint,
          generation,
        }),
      error: (kind, message) => new BundleError(ERROR_CODES[kind], message, origin),
    });
  }

  /** Parses and accepts a document, or reports why not (the last good bundle stays). True if in force. */
  load(text: string, format: BundleFormat): boolean {
    try {
      return this.accept(parseBundleContent(text, format, this.origin));
    } catch (e) {
      this.reject(
        e instanceof BundleError ? e : new BundleError("bundle_pem_invalid", String(e), this.origin),
      );
      return false;
    }
  }
}
