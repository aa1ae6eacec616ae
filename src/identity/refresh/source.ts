/**
 * The Source shape every refreshing source shares (trust bundles, CRLs, WIT keys), and the base
 * class that gives it to an owner of a SourceState: the owner decides what is published or failed,
 * the base answers current/ready/onChange/onError/close and lets refresh machinery register closers.
 */
import { SourceState } from "./state.js";
import type { Closable } from "./watch-file.js";

export interface Source<T, E extends Error> {
  /** The last good value, or undefined before the first successful load. Cheap. */
  current(): T | undefined;
  /** Resolves with the first good value; rejects with the first failure before it. The source keeps
   *  trying: after a later good update, onChange fires and ready() resolves. */
  ready(): Promise<T>;
  /** Called after every accepted change (not for unchanged content). Returns an unsubscribe. */
  onChange(listener: (value: T) => void): () => void;
  /** Called for every rejected update; the last good value stays in force. */
  onError(listener: (error: E) => void): () => void;
  /** Stops watching or polling. */
  close(): void;
}

export class SourceBase<T, E extends Error> implements Source<T, E>, Closable {
  protected readonly state: SourceState<T, E>;

  /** `closedError` rejects a pending ready() when the source closes before its first value. */
  constructor(closedError: () => E) {
    this.state = new SourceState(closedError);
  }

  current(): T | undefined {
    return this.state.current();
  }
  ready(): Promise<T> {
    return this.state.ready();
  }
  onChange(listener: (value: T) => void): () => void {
    return this.state.onChange(listener);
  }
  onError(listener: (error: E) => void): () => void {
    return this.state.onError(listener);
  }
  /** Registers cleanup (timers, watchers, subscriptions) run once by close(). */
  addCloser(fn: () => void): void {
    this.state.addCloser(fn);
  }
  isClosed(): boolean {
    return this.state.isClosed();
  }
  close(): void {
    this.state.close();
  }
}
