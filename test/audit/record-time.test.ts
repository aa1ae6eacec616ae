/** recordTime against Date#toISOString: same text for every millisecond, in any call order. */
import { describe, expect, it } from "vitest";
import { recordTime } from "../../src/audit/record.js";
import { mulberry32 } from "../support/prng.js";

describe("recordTime", () => {
  it("equals new Date(ms).toISOString() over seeded times, jumping back and forth", () => {
    const rng = mulberry32(20261126);
    let ms = Date.UTC(2026, 10, 26, 15, 0, 0);
    for (let i = 0; i < 20_000; i++) {
      const r = rng();
      // Mostly small steps (same second, next second), sometimes far jumps and steps back.
      if (r < 0.6) ms += Math.floor(rng() * 300);
      else if (r < 0.8) ms -= Math.floor(rng() * 2000);
      else ms = Math.floor(rng() * 4_102_444_800_000); // 1970 .. 2100
      expect(recordTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it("handles every millisecond padding, second and year boundaries, and extended years", () => {
    const cases = [
      0,
      1,
      9,
      10,
      99,
      100,
      999,
      1000,
      1001,
      -1,
      -999,
      -1000,
      -1001,
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1, 0, 0, 0, 7),
      Date.UTC(-1, 0, 1, 0, 0, 0, 42),
      8.64e15,
      -8.64e15,
    ];
    for (const ms of [...cases, ...[...cases].reverse()]) {
      expect(recordTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it("defaults to now", () => {
    const before = Date.now();
    const t = Date.parse(recordTime());
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
