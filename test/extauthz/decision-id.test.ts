/**
 * Decision IDs are version 4 UUIDs in the canonical lower-case form, never repeated, with the
 * random bits spread as crypto.randomUUID's are.
 */
import { describe, expect, it } from "vitest";
import { newDecisionId } from "../../src/extauthz/decision-id.js";

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newDecisionId", () => {
  it("makes canonical version 4 UUIDs, all distinct, across pool refills (100,000)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = newDecisionId();
      expect(V4.test(id), id).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(100_000);
  });

  it("uses every hex digit in every random position about equally", () => {
    const n = 32_000;
    // 30 random hex positions (32 minus the version digit and the variant digit's two fixed bits).
    const counts = Array.from({ length: 36 }, () => new Array<number>(16).fill(0));
    for (let i = 0; i < n; i++) {
      const id = newDecisionId();
      for (let p = 0; p < 36; p++) {
        const c = id.charCodeAt(p);
        if (c !== 0x2d) (counts[p] as number[])[Number.parseInt(id[p] as string, 16)]++;
      }
    }
    for (const p of [0, 7, 9, 15, 20, 35]) {
      // Expected n/16 = 2000 each; 5.5 standard deviations (~43) either way.
      for (const c of counts[p] as number[]) expect(Math.abs(c - n / 16), `position ${p}`).toBeLessThan(240);
    }
    // The variant digit: 8, 9, a, b only, about equally.
    const variant = (counts[19] as number[]).slice(8, 12);
    expect(variant.reduce((a, b) => a + b, 0)).toBe(n);
    for (const c of variant) expect(Math.abs(c - n / 4)).toBeLessThan(480);
  });
});
