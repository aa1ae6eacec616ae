/**
 * Shared state machine of a bundle source: last good bundle, atomic swap, listeners, ready().
 */
import { createHash } from "node:crypto";
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
  private bundle: X509Bundle | undefined;
  private lastFingerprint = "";
  private generation = 0;
  private readonly changeListeners = new Set<(b: X509Bundle) => void>();
  private readonly errorListeners = new Set<(e: BundleError) => void>();
  private readonly readyPromise: Promise<X509Bundle>;
  private settleReady: ((b: X509Bundle) => void) | undefined;
  private failReady: ((e: BundleError) => void) | undefined;
  private closed = false;
  private readonly closers: (() => void)[] = [];

  constructor(readonly origin: string) {
    this.readyPromise = new Promise<X509Bundle>((resolve, reject) => {
      this.settleReady = resolve;
      this.failReady = reject;
    });
    // A rejected ready() nobody awaits must not crash the process.
    this.readyPromise.catch(() => undefined);
  }

  current(): X509Bundle | undefined {
    return this.bundle;
  }

  /** Resolved once a good bundle exists, even after an initial failure (the source recovered). */
  ready(): Promise<X509Bundle> {
    return this.bundle ? Promise.resolve(this.bundle) : this.readyPromise;
  }

  onChange(listener: (b: X509Bundle) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onError(listener: (e: BundleError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Registers cleanup run by close(). */
  addCloser(fn: () => void): void {
    this.closers.push(fn);
  }

  isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closers) fn();
    this.failReady?.(new BundleError("bundle_closed", "source closed before the first bundle", this.origin));
    this.settleReady = undefined;
    this.failReady = undefined;
  }

  /** Accepts a validated update: swaps atomically and notifies, unless the content is unchanged. */
  accept(content: BundleContent): void {
    if (this.closed) return;
    const prevSeq = this.bundle?.sequence;
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
    if (this.bundle && fp === this.lastFingerprint) {
      if (content.refreshHint !== this.bundle.refreshHint || content.sequence !== this.bundle.sequence) {
        this.bundle = { ...this.bundle, refreshHint: content.refreshHint, sequence: content.sequence };
      }
      return;
    }
    this.lastFingerprint = fp;
    this.generation++;
    const bundle: X509Bundle = Object.freeze({
      authorities: Object.freeze([...content.authorities]),
      sequence: content.sequence,
      refreshHint: content.refreshHint,
      generation: this.generation,
    });
    this.bundle = bundle;
    this.settleReady?.(bundle);
    this.settleReady = undefined;
    this.failReady = undefined;
    for (const l of this.changeListeners) safeCall(() => l(bundle));
  }

  /** Reports a rejected update; the last good bundle stays. The first failure rejects ready(). */
  reject(error: BundleError): void {
    if (this.closed) return;
    if (!this.bundle) {
      this.failReady?.(error);
      this.failReady = undefined;
      this.settleReady = undefined;
    }
    for (const l of this.errorListeners) safeCall(() => l(error));
  }
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not break the source or other listeners.
  }
}
