/**
 * Verified WITs by wth (SHA-256 of the exact token text). A WIT lives for hours and comes with
 * every request of its workload, so its signature, cnf key import and thumbprint are computed once.
 * A hit is used only while the same configured key (same WitKey object: a key set update replaces
 * them) still exists for its kid, and the time checks run again on every request. Bounded: the
 * oldest entry goes first.
 */
import type { WitKey } from "./keys/types.js";
import type { VerifiedWit } from "./types.js";

export interface WitCacheEntry {
  readonly wit: VerifiedWit;
  /** The key that verified it. */
  readonly key: WitKey;
}

export class WitCache {
  private readonly entries = new Map<string, WitCacheEntry>();

  constructor(private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  get(wth: string): WitCacheEntry | undefined {
    return this.entries.get(wth);
  }

  set(wth: string, entry: WitCacheEntry): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(wth);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(wth, entry);
  }

  delete(wth: string): void {
    this.entries.delete(wth);
  }
}
