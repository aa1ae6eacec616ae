/**
 * Mutation tests: thousands of corrupted certificates (seeded, reproducible). The parser returns a
 * certificate or an X509Error, never anything else; verifyPath never throws and never accepts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { tryParseDer, verifyPath, X509Error } from "../../src/identity/x509/index.js";
import { type Issued, makeCa, makeLeaf, makeRoot } from "./pki.js";

let root: Issued;
let ica: Issued;
let leaf: Issued;

beforeAll(async () => {
  root = await makeRoot();
  ica = await makeCa(root);
  leaf = await makeLeaf(ica, { dns: ["a.prod.example"] });
});

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function mutate(der: Uint8Array, rnd: () => number): Uint8Array {
  const d = Array.from(der);
  const kind = Math.floor(rnd() * 4);
  const at = Math.floor(rnd() * d.length);
  if (kind === 0) d[at] = (d[at] as number) ^ (1 << Math.floor(rnd() * 8));
  else if (kind === 1) d[at] = Math.floor(rnd() * 256);
  else if (kind === 2) d.splice(at, 1 + Math.floor(rnd() * 4));
  else d.splice(at, 0, Math.floor(rnd() * 256));
  return Uint8Array.from(d);
}

describe("mutated certificates", () => {
  it.each(["leaf", "intermediate"] as const)(
    "corrupted %s: typed rejection, never an accept",
    (which) => {
      const rnd = prng(which === "leaf" ? 1 : 2);
      const original = which === "leaf" ? leaf : ica;
      let parsed = 0;
      for (let i = 0; i < 1500; i++) {
        const bytes = mutate(original.der, rnd);
        // A mutation that happens to leave the certificate unchanged is no mutation.
        if (Buffer.from(bytes).equals(Buffer.from(original.der))) continue;
        const r = tryParseDer(bytes);
        if (!r.ok) {
          expect(r.error).toBeInstanceOf(X509Error);
          continue;
        }
        parsed++;
        const result = verifyPath({
          leaf: which === "leaf" ? r.cert : leaf.parsed(),
          intermediates: [which === "leaf" ? ica.parsed() : r.cert],
          anchors: [root.parsed()],
          time: new Date(),
        });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.code).toMatch(/^x509_/);
      }
      // Some mutations must get past the parser, or the second half of this test checks nothing.
      expect(parsed).toBeGreaterThan(10);
    },
    120_000,
  );
});
