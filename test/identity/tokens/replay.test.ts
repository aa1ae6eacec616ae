/** The bounded in-memory replay cache: replays detected, expiry honoured, full cache fails closed. */
import { describe, expect, it } from "vitest";
import { MemoryReplayCache, ReplayCacheFullError } from "../../../src/identity/tokens/index.js";

describe("MemoryReplayCache", () => {
  it("reports a key seen before its expiry as a replay", async () => {
    let now = 1000;
    const c = new MemoryReplayCache({ now: () => now });
    expect(await c.remember("a", 1060)).toBe(true);
    expect(await c.remember("a", 1060)).toBe(false);
    now = 1059;
    expect(await c.remember("a", 1100)).toBe(false);
    expect(await c.remember("b", 1060)).toBe(true);
  });

  it("forgets a key once it has expired (the token itself is then expired)", async () => {
    let now = 1000;
    const c = new MemoryReplayCache({ now: () => now });
    await c.remember("a", 1010);
    now = 1010;
    expect(await c.remember("a", 1020)).toBe(true);
    expect(await c.remember("a", 1020)).toBe(false);
  });

  it("when full, sweeps expired entries to make room", async () => {
    let now = 1000;
    const c = new MemoryReplayCache({ maxEntries: 3, now: () => now });
    await c.remember("a", 1005);
    await c.remember("b", 1005);
    await c.remember("c", 1100);
    now = 1006;
    expect(await c.remember("d", 1100)).toBe(true);
    expect(c.size).toBe(2);
    // The live entry survived the sweep.
    expect(await c.remember("c", 1100)).toBe(false);
  });

  it("when full of live entries, fails closed instead of evicting one", async () => {
    const c = new MemoryReplayCache({ maxEntries: 2, now: () => 1000 });
    await c.remember("a", 2000);
    await c.remember("b", 2000);
    await expect(c.remember("c", 2000)).rejects.toBeInstanceOf(ReplayCacheFullError);
    // Nothing was evicted: both are still replays.
    expect(await c.remember("a", 2000)).toBe(false);
    expect(await c.remember("b", 2000)).toBe(false);
    expect(c.size).toBe(2);
  });

  it("stays within its bound under many distinct keys", async () => {
    let now = 0;
    const c = new MemoryReplayCache({ maxEntries: 100, now: () => now });
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      now = i;
      try {
        await c.remember(`k${i}`, i + 50);
      } catch {
        refused++;
      }
      expect(c.size).toBeLessThanOrEqual(100);
    }
    // Lifetimes of 50 s at one key per second never fill a 100-entry cache.
    expect(refused).toBe(0);
  });

  it("rejects a non-positive bound", () => {
    expect(() => new MemoryReplayCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
