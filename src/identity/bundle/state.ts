/**
 * A bundle source's state: the shared refreshing-source machine (last good value, atomic swap,
 * listeners, ready()) plus the bundle rules: a lower spiffe_sequence is a rollback and is refused;
 * unchanged authorities are not announced as a change.
 */
import { createHash } from "node:crypto";
import { SourceState } from "../refresh/state.js";
import { BundleError, type BundleSource, type X509Bundle } from "./types.js";

export interface BundleContent {
  authorities: Buffer[];
  sequence?: number;
  refreshHint?: number;
}

function fingerprint(c: BundleContent): string {
  const h = createHash("sha256");
  for (const der of c.authorities) h.update(createHash("sha256").update(der).digest());
  return h.digest("hex");
}

export class BundleState implements BundleSource {
  private readonly state: SourceState<X509Bundle, BundleError>;
  private lastFingerprint = "";
  private generation = 0;

  constructor(readonly origin: string) {
    this.state = new SourceState(
      () => new BundleError("bundle_closed", "source closed before the first bundle", origin),
    );
  }

  current(): X509Bundle | undefined {
    return this.state.current();
  }

  /** Resolved once a good bundle exists, even after an initial failure (the source recovered). */
  ready(): Promise<X509Bundle> {
    return this.state.ready();
  }

  onChange(listener: (b: X509Bundle) => void): () => void {
    return this.state.onChange(listener);
  }

  onError(listener: (e: BundleError) => void): () => void {
    return this.state.onError(listener);
  }

  /** Registers cleanup run by close(). */
  addCloser(fn: () => void): void {
    this.state.addCloser(fn);
  }

  isClosed(): boolean {
    return this.state.isClosed();
  }

  close(): void {
    this.state.close();
  }

  /** Accepts a validated update: swaps atomically and notifies, unless the content is unchanged. */
  accept(content: BundleContent): void {
    if (this.state.isClosed()) return;
    const current = this.state.current();
    const prevSeq = current?.sequence;
    if (prevSeq !== undefined && content.sequence !== undefined && content.sequence < prevSeq) {
      this.reject(
        new BundleError(
          "bundle_sequence_rollback",
          `spiffe_sequence ${content.sequence} is lower than the current ${prevSeq}`,
          this.origin,
        ),
      );
      return;
    }
    const fp = fingerprint(content);
    if (current && fp === this.lastFingerprint) {
      if (content.refreshHint !== current.refreshHint || content.sequence !== current.sequence) {
        this.state.replaceQuietly({
          ...current,
          refreshHint: content.refreshHint,
          sequence: content.sequence,
        });
      }
      return;
    }
    this.lastFingerprint = fp;
    this.generation++;
    this.state.publish(
      Object.freeze({
        authorities: Object.freeze([...content.authorities]),
        sequence: content.sequence,
        refreshHint: content.refreshHint,
        generation: this.generation,
      }),
    );
  }

  /** Reports a rejected update; the last good bundle stays. The first failure rejects ready(). */
  reject(error: BundleError): void {
    this.state.fail(error);
  }
}
