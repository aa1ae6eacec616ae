/**
 * Cost of verifying one HTTP-signature proof, per algorithm (not a test: vitest only runs *.test.ts).
 * Run: node --import tsx test/identity/tokens/http-sig/perf.ts   (N=1000 by default; env N=...)
 *
 * Each request is verified in full (parse, checks, Content-Digest of a 522-byte body, signature
 * base, signature), then its bare crypto.verify is timed right after, interleaved, so machine load
 * weighs on both alike; medians are reported (means too). Prints the machine and its load average:
 * figures on a loaded machine are upper bounds.
 */
import { constants, verify } from "node:crypto";
import os from "node:os";
import { createHttpSigVerifier, signRequest } from "../../../../src/identity/tokens/http-sig/index.js";
import { parseDictionary } from "../../../../src/identity/tokens/http-sig/structured-fields.js";
import type { HttpRequestView, VerifiedWit } from "../../../../src/identity/tokens/types.js";
import { type Alg, makeCaller } from "./helpers.js";

const TARGET = "https://svc-c.example/orders";
const N = Number(process.env.N ?? 1000);
const WARMUP = 50;
const body = new TextEncoder().encode(
  JSON.stringify({ order: 42, items: Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) }),
);
const RAW: Record<string, [string | null, Record<string, unknown>]> = {
  ES256: ["sha256", { dsaEncoding: "ieee-p1363" }],
  EdDSA: [null, {}],
  PS256: ["sha256", { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
};

/** Medians: on a shared machine, preemption inflates a few samples and the mean with them. */
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

const cpus = os.cpus();
console.log(
  `node ${process.version}, ${cpus.length} x ${cpus[0]?.model ?? "?"}, loadavg ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}, N=${N}`,
);
for (const alg of ["ES256", "EdDSA", "PS256"] as Alg[]) {
  const caller = await makeCaller(alg);
  const wit: VerifiedWit = caller.wit;
  const v = createHttpSigVerifier({
    targets: [TARGET],
    algorithms: [alg],
    maxLifetimeSeconds: 300,
    clockSkewSeconds: 60,
    replay: { remember: async () => true },
  });
  const full: number[] = [];
  const raw: number[] = [];
  let accepted = 0;
  for (let i = 0; i < N + WARMUP; i++) {
    const s = signRequest({
      method: "POST",
      url: `${TARGET}?dry=1`,
      headers: { "content-type": "application/json" },
      body,
      wit: wit.compact,
      privateKey: caller.privateKey,
      alg,
    });
    const request: HttpRequestView = {
      method: "POST",
      scheme: "https",
      host: "svc-c.example",
      path: "/orders?dry=1",
      headers: s.headers,
      body,
      bodyTruncated: false,
    };
    const sig = Buffer.from(s.headers.signature!.slice(s.label.length + 2, -1), "base64");
    const [hash, opts] = RAW[alg]!;
    const t0 = process.hrtime.bigint();
    const r = await v(request, wit, new Date());
    const t1 = process.hrtime.bigint();
    verify(hash, Buffer.from(s.signatureBase), { key: wit.cnf.key, ...opts } as never, sig);
    const t2 = process.hrtime.bigint();
    if (i >= WARMUP) {
      full.push(Number(t1 - t0) / 1000);
      raw.push(Number(t2 - t1) / 1000);
      if (r.ok) accepted++;
    }
  }
  const f = median(full);
  const c = median(raw);
  console.log(
    `${alg}: full verification p50 ${f.toFixed(0)} µs (mean ${mean(full).toFixed(0)}), bare crypto.verify p50 ${c.toFixed(0)} µs, rest ${(f - c).toFixed(0)} µs (${accepted}/${N} accepted)`,
  );
}

const sample = signRequest({
  method: "GET",
  url: TARGET,
  wit: "a.b.c",
  privateKey: (await makeCaller("EdDSA")).privateKey,
  alg: "EdDSA",
}).headers["signature-input"]!;
const t0 = process.hrtime.bigint();
for (let i = 0; i < 20 * N; i++) parseDictionary(sample);
console.log(
  `parse Signature-Input (${sample.length} chars): ${(Number(process.hrtime.bigint() - t0) / 1000 / (20 * N)).toFixed(2)} µs`,
);
