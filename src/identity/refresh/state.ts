/**
 * The state machine every refreshing source shares (trust bundles, CRLs, WIT keys): the last good
 * value, swapped atomically; change and error listeners; ready() that settles with the first good
 * value (or the first failure, and still resolves for callers after a later recovery); close().
 * What counts as "good" and "changed" is the owner's business: it calls publish() or fail().
 */

export class SourceState<T, E extends Error> {
  private value: T | undefined;
  private readonly changeListeners = new Set<(v: T) => void>();
  private readonly errorListeners = new Set<(e: E) => void>();
  private readonly readyPromise: Promise<T>;
  private settleReady: ((v: T) => void) | undefined;
  private failReady: ((e: E) => void) | undefined;
  private closed = false;
  private readonly closers: (() => void)[] = [];

  /** `closedError` rejects a pending ready() when the source closes before its first value. */
  constructor(private readonly closedError: () => E) {
    this.readyPromise = new Promise<T>((resolve, reject) => {
      this.settleReady = resolve;
      this.failReady = reject;
    });
    // A rejected ready() nobody awaits must not crash the process.
    this.readyPromise.catch(() => undefined);
  }

  /** The last good value, or undefined before the first one. */
  current(): T | undefined {
    return this.value;
  }

  /** Resolves with the first good value; rejects with the first failure before it. Once a good value
   *  exists (even after an initial failure), resolves with the current one. */
  ready(): Promise<T> {
    return this.value !== undefined ? Promise.resolve(this.value) : this.readyPromise;
  }

  onChange(listener: (v: T) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onError(listener: (e: E) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Registers cleanup (timers, watchers, subscriptions) run once by close(). */
  addCloser(fn: () => void): void {
    this.closers.push(fn);
  }

  isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closers) safeCall(fn);
    this.failReady?.(this.closedError());
    this.settleReady = undefined;
    this.failReady = undefined;
  }

  /** Swaps in a new good value, settles ready() and notifies the change listeners. */
  publish(value: T): void {
    if (this.closed) return;
    this.value = value;
    this.settleReady?.(value);
    this.settleReady = undefined;
    this.failReady = undefined;
    for (const l of this.changeListeners) safeCall(() => l(value));
  }

  /** Swaps in a value that is not a change worth announcing (metadata only); no listener runs. */
  replaceQuietly(value: T): void {
    if (this.closed || this.value === undefined) return;
    this.value = value;
  }

  /**
   * Reports a rejected update; the last good value stays. While no good value exists the failure
   * rejects ready() (unless `rejectReady` says otherwise: a composite source decides per origin).
   */
  fail(error: E, rejectReady = this.value === undefined): void {
    if (this.closed) return;
    if (rejectReady && this.value === undefined) {
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
    // A listener's or closer's failure must not break the source or the others.
  }
}
