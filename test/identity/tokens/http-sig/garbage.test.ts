/**
 * Malformed Signature-Input / Signature / Content-Digest values through the whole verifier: none
 * throws, none is accepted, each fails with an httpsig_ code and status 400. Then seeded random
 * mutations of a valid signed request: none accepted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createHttpSigVerifier } from "../../../../src/identity/tokens/http-sig/index.js";
import {
  parseDictionary,
  serializeDictionary,
} from "../../../../src/identity/tokens/http-sig/structured-fields.js";
import type { HttpRequestView } from "../../../../src/identity/tokens/types.js";
import { type Caller, MemoryReplay, makeCaller, sign, TARGET, view } from "./helpers.js";

const options = {
  targets: [TARGET],
  algorithms: ["ES256"],
  maxLifetimeSeconds: 300,
  clockSkewSeconds: 60,
};

let caller: Caller;
beforeAll(async () => {
  caller = await makeCaller("ES256");
});

const GARBAGE = [
  "",
  " ",
  ",",
  "wimse",
  "wimse=",
  "wimse=(",
  "wimse=()",
  'wimse=("@method"',
  'wimse=("@method")x',
  'WIMSE=("@method")',
  'wimse=("@method");',
  'wimse=("@method");created=',
  'wimse=("@method");created=abc',
  'wimse=("@method");created=1234567890123456',
  'wimse=("@method");nonce="unterminated',
  'wimse=("@method");nonce="bad\\escape"',
  'wimse=("@method"),',
  'wimse=("@method"),,',
  'wimse=("é")',
  "wimse=(@method)",
  'wimse=("@method""@path")',
  "wimse=:not base64!:",
  "wimse=:abc",
  "wimse=?2",
  "wimse=-",
  "wimse=1.",
  'wimse=("a";b;b)',
  "x".repeat(20_000),
  Array.from({ length: 40 }, (_, i) => `s${i}=()`).join(","),
  `wimse=(${'"a" '.repeat(100)})`,
  "\u0000",
  'wimse=("@method")\r\nx: y',
  'wimse=("@method");tag="wimse-workload-to-workload";tag="x"',
  "%",
  "wimse=@1",
  'wimse=%"x"',
  'wimse=(("@method"))',
  "wimse=:AAAA:, wimse=:AAAA:",
  '=("@method")',
  'wimse=("@method");tag=wimse-workload-to-workload',
];

async function run(request: HttpRequestView) {
  const v = createHttpSigVerifier({ ...options, replay: new MemoryReplay() });
  return v(request, caller.wit, new Date());
}

describe("http-sig: garbage structured fields", () => {
  it.each(GARBAGE.map((g, i) => [i, g] as const))("#%i as Signature-Input", async (_i, g) => {
    const signed = sign(caller);
    const result = await run(view(signed, { headers: { ...signed.headers, "signature-input": g } }));
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ status: 400, code: expect.stringMatching(/^httpsig_/) });
  });

  it.each(GARBAGE.map((g, i) => [i, g] as const))("#%i as Signature", async (_i, g) => {
    const signed = sign(caller);
    const result = await run(view(signed, { headers: { ...signed.headers, signature: g } }));
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ status: 400, code: expect.stringMatching(/^httpsig_/) });
  });

  it.each(GARBAGE.map((g, i) => [i, g] as const))("#%i as Content-Digest", async (_i, g) => {
    const body = new TextEncoder().encode("payload");
    // Signed over a valid digest, then the field is replaced (the signer refuses unsignable values).
    const signed = sign(caller, { method: "POST", body });
    const headers = { ...signed.headers, "content-digest": g };
    const result = await run(view(signed, { method: "POST", body, headers }));
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ status: 400, code: expect.stringMatching(/^httpsig_/) });
  });
});

/** Small deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sameField(a: string, b: string): boolean {
  const pa = parseDictionary(a);
  const pb = parseDictionary(b);
  return pa.ok && pb.ok && serializeDictionary(pa.value) === serializeDictionary(pb.value);
}

const ALPHABET = ' "();=,:?*-./0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@\\+\t';

function mutate(text: string, r: () => number): string {
  const pos = Math.floor(r() * text.length);
  const op = Math.floor(r() * 3);
  const ch = ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  if (op === 0) return text.slice(0, pos) + ch + text.slice(pos + 1); // replace
  if (op === 1) return text.slice(0, pos) + ch + text.slice(pos); // insert
  return text.slice(0, pos) + text.slice(pos + 1); // delete
}

describe("http-sig: random mutations of a valid request", () => {
  it("600 mutations of Signature-Input / Signature / Content-Digest: none accepted, none throws", async () => {
    const r = rng(0x5eed);
    const body = new TextEncoder().encode('{"n": 1}');
    const fields = ["signature-input", "signature", "content-digest"] as const;
    let accepted = 0;
    let unchanged = 0;
    for (let i = 0; i < 600; i++) {
      const signed = sign(caller, { method: "POST", body });
      const field = fields[i % fields.length]!;
      const original = signed.headers[field]!;
      const mutated = mutate(original, r);
      // A mutation RFC 8941 reads as the same value (SP where it is ignored, a leading zero in an
      // integer) is the same field: RFC 9421 re-serializes it, so it rightly still verifies.
      if (sameField(mutated, original)) {
        unchanged++;
        continue;
      }
      const request = view(signed, {
        method: "POST",
        body,
        headers: { ...signed.headers, [field]: mutated },
      });
      const result = await run(request);
      if (result.ok) accepted++;
      else expect(result.code).toMatch(/^httpsig_/);
    }
    expect(accepted).toBe(0);
    expect(unchanged).toBeLessThan(120);
  });
});
