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
