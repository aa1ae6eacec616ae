/**
 * A source of SPIFFE-bundle-style documents (X.509 bundles, WIT key sets): each update carries an
 * optional spiffe_sequence and spiffe_refresh_hint. A lower sequence than the one in force is a
 * rollback and is refused; content whose fingerprint is unchanged is not announced (a new hint or
 * sequence replaces the value quietly); anything else is published with the next generation.
 */
import type { FetchError } from "./fetch.js";
import { SourceBase } from "./source.js";

/** What a versioned update carries besides its payload. */
export interface Versioned {
  readonly sequence?: number;
  /** Seconds. */
  readonly refreshHint?: number;
}

/** A published value: the update's payload, its version and the source's generation counter. */
export interface VersionedValue extends Versioned {
  /** Increases on every accepted change of a source: part of cache keys. */
  readonly generation: number;
}

/** The failures the shared machinery reports: the owner maps each to its own error code. */
export type VersionedErrorKind = "closed" | "sequence_rollback" | FetchError["kind"];

export interface VersionedRules<C extends Versioned, T extends VersionedValue, E extends Error> {
  /** Identifies the payload: equal fingerprints mean unchanged content. */
  fingerprint(content: C): string;
  /** The frozen value to publish for new content. */
  snapshot(content: C, generation: number): T;
  /** The owner's error of a kind, for this source's origin. */
  error(kind: VersionedErrorKind, message: string): E;
}

export class VersionedSource<
  C extends Versioned,
  T extends VersionedValue,
  E extends Error,
> extends SourceBase<T, E> {
  private lastFingerprint = "";
  private generation = 0;

  constructor(
    /** File path, URL or name of the document. */
    readonly origin: string,
    private readonly rules: VersionedRules<C, T, E>,
  ) {
    super(() => rules.error("closed", "source closed before loading"));
  }

  /** Accepts a validated update. True when the content is in force afterwards (new or unchanged). */
  accept(content: C): boolean {
    if (this.state.isClosed()) return false;
    const current = this.state.current();
    const prevSeq = current?.sequence;
    if (prevSeq !== undefined && content.sequence !== undefined && content.sequence < prevSeq) {
      this.reject(
        this.errorOf(
          "sequence_rollback",
          `spiffe_sequence ${content.sequence} is lower than the current ${prevSeq}`,
        ),
      );
      return false;
    }
    const fp = this.rules.fingerprint(content);
    if (current && fp === this.lastFingerprint) {
      if (content.refreshHint !== current.refreshHint || content.sequence !== current.sequence) {
        this.state.replaceQuietly({
          ...current,
          refreshHint: content.refreshHint,
          sequence: content.sequence,
        });
      }
      return true;
    }
    this.lastFingerprint = fp;
    this.generation++;
    this.state.publish(this.rules.snapshot(content, this.generation));
    return true;
  }

  /** The owner's error of `kind` for this source. */
  errorOf(kind: VersionedErrorKind, message: string): E {
    return this.rules.error(kind, message);
  }

  /** Reports a rejected update; the last good value stays. The first failure rejects ready(). */
  reject(error: E): void {
    this.state.fail(error);
  }
}
