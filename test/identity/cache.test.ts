import { describe, expect, it } from "vitest";
import { VerifiedChainCache } from "../../src/identity/cache.js";

describe("VerifiedChainCache", () => {
  it("serves an entry only inside its validity window", () => {
    const c = new VerifiedChainCache<string>(10);
    c.set("k", "v", 100, 200);
    expect(c.get("k", 99)).toBeUndefined();
    expect(c.get("k", 100)).toBe("v");
    expect(c.get("k", 199)).toBe("v");
    expect(c.get("k", 200)).toBeUndefined();
    expect(c.stats()).toMatchObject({ hits: 2, misses: 2, expired: 1, size: 0 });
  });

  it("evicts the least recently used entry", () => {
    const c = new VerifiedChainCache<number>(2);
    c.set("a", 1, 0, 1000);
    c.set("b", 2, 0, 1000);
    expect(c.get("a", 1)).toBe(1); // a is now the most recent
    c.set("c", 3, 0, 1000);
    expect(c.get("b", 1)).toBeUndefined();
    expect(c.get("a", 1)).toBe(1);
    expect(c.get("c", 1)).toBe(3);
    expect(c.stats()).toMatchObject({ evicted: 1, size: 2 });
  });

  it("moves a hit entry to the recent end at most once a second", () => {
    const c = new VerifiedChainCache<number>(2);
    c.set("a", 1, 0, 1e6);
    c.set("b", 2, 0, 1e6);
    expect(c.get("a", 10)).toBe(1); // first hit: a moves, b is now the oldest
    expect(c.get("b", 20)).toBe(2); // b moves: a is the oldest again
    expect(c.get("a", 500)).toBe(1); // within a second of its last move: a stays the oldest
    c.set("c", 3, 0, 1e6);
    expect(c.get("a", 600)).toBeUndefined();
    expect(c.get("b", 2000)).toBe(2); // more than a second later: b moves, c is the oldest
    c.set("d", 4, 0, 1e6);
    expect(c.get("c", 2001)).toBeUndefined();
    expect(c.get("b", 2002)).toBe(2);
  });

  it("ignores empty windows and a zero size, and flushes", () => {
    const c = new VerifiedChainCache<number>(0);
    c.set("a", 1, 0, 1000);
    expect(c.stats().size).toBe(0);
    const d = new VerifiedChainCache<number>(5);
    d.set("a", 1, 10, 10);
    expect(d.stats().size).toBe(0);
    d.set("b", 1, 0, 10);
    d.flush();
    expect(d.get("b", 1)).toBeUndefined();
    expect(d.stats()).toMatchObject({ flushes: 1, size: 0 });
  });
});
