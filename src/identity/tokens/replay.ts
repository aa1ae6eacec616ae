/**
 * The default ReplayCache: in memory, bounded. An entry lives until its token's expiry; a seen key
 * that has not expired is a replay. When the cache is full, expired entries are swept; if it is
 * still full, remember() REJECTS (fail closed: the request is denied) rather than evicting a live
 * entry, because forgetting a live jti would re-open its replay window. Size it for the peak rate
 * of distinct valid proofs times their lifetime (wptMaxLifetimeSeconds + skew).
 *
 * Cross-replica caveat: each replica has its own memory. A proof replayed to another replica is
 * not detected unless the replicas share a ReplayCache implementation over a common store.
 */
import type { ReplayCache } from "./types.js";

export class ReplayCacheFullError extends Error {
  override readonly name = "ReplayCacheFullError";
}

export interface MemoryReplayCacheOptions {
  /** Default 100000. */
  maxEntries?: number;
  /** Clock (epoch seconds); tests inject one. */
  now?: () => number;
}

export class MemoryReplayCache implements ReplayCache {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Lower bound of the earliest expiry among entries: a sweep before it frees nothing. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(opts: MemoryReplayCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError("maxEntries must be a positive integer");
    }
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  get size(): number {
    return this.entries.size;
  }

  async remember(key: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    const seen = this.entries.get(key);
    if (seen !== undefined) {
      if (seen > now) return false;
      this.entries.delete(key);
    }
    if (this.entries.size >= this.maxEntries) this.sweep(now);
    if (this.entries.size >= this.maxEntries) {
      throw new ReplayCacheFullError(`replay cache full (${this.maxEntries} live entries)`);
    }
    this.entries.set(key, expiresAt);
    if (expiresAt < this.earliestExpiry) this.earliestExpiry = expiresAt;
    return true;
  }

  /** Drops expired entries (O(n), only when full and something can have expired). */
  private sweep(now: number): void {
    if (now < this.earliestExpiry) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [k, exp] of this.entries) {
      if (exp <= now) this.entries.delete(k);
      else if (exp < earliest) earliest = exp;
    }
    this.earliestExpiry = earliest;
  }
}
