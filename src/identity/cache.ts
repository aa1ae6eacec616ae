/**
 * Cache of verified chains. The key is the SHA-256 of the presented certificates (leaf and the
 * intermediates presented with it); the verdict is valid for a time window and never outlives the
 * earliest notAfter of its path, nor the earliest nextUpdate of the CRLs that were consulted.
 * Bounded LRU in entries. The owner flushes it whenever a trust bundle, configured intermediates
 * or CRLs change, so an entry never survives the trust material it was computed with.
 */

export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries dropped because their window had passed. */
  expired: number;
  /** Entries dropped to stay within maxEntries. */
  evicted: number;
  flushes: number;
  size: number;
}

interface Entry<V> {
  value: V;
  /** ms since epoch: valid when validFrom <= now < validUntil. */
  validFrom: number;
  validUntil: number;
  /** When the entry last moved to the most recent end (ms since epoch). */
  touched: number;
}

/**
 * A hit moves its entry to the most recent end at most this often: moving (a Map delete and set)
 * on every hit cost as much as the lookup, and an entry used within the last second is never the
 * one evicted unless more than maxEntries others were added meanwhile.
 */
const TOUCH_MS = 1000;

export class VerifiedChainCache<V> {
  private readonly map = new Map<string, Entry<V>>();
  private readonly counters = { hits: 0, misses: 0, expired: 0, evicted: 0, flushes: 0 };

  constructor(readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const e = this.map.get(key);
    if (!e) {
      this.counters.misses++;
      return undefined;
    }
    if (now < e.validFrom || now >= e.validUntil) {
      if (now >= e.validUntil) {
        this.map.delete(key);
        this.counters.expired++;
      }
      this.counters.misses++;
      return undefined;
    }
    if (now - e.touched >= TOUCH_MS || now < e.touched) {
      e.touched = now;
      this.map.delete(key);
      this.map.set(key, e);
    }
    this.counters.hits++;
    return e.value;
  }

  set(key: string, value: V, validFrom: number, validUntil: number): void {
    if (this.maxEntries <= 0 || validUntil <= validFrom) return;
    this.map.delete(key);
    this.map.set(key, { value, validFrom, validUntil, touched: Number.NEGATIVE_INFINITY });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
      this.counters.evicted++;
    }
  }

  flush(): void {
    if (this.map.size > 0) this.map.clear();
    this.counters.flushes++;
  }

  stats(): CacheStats {
    return { ...this.counters, size: this.map.size };
  }
}
