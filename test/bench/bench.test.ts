/** Smoke test of the bench code: percentiles, both load generators, and the request mix's expected answers. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { encodeRequests, rawCheckCaller } from "../../bench/load.js";
import { type CallFn, closedLoop, openLoop } from "../../bench/loops.js";
import { startBaseline, startOurs } from "../../bench/servers.js";
import { percentile, Samples, summarize } from "../../bench/stats.js";
import { verifyAnswers } from "../../bench/verify.js";
import { buildWorkload } from "../../bench/workload.js";
import { AuthorizationClient } from "../../src/gen/envoy/service/auth/v3/external_auth.js";

describe("bench stats", () => {
  it("nearest-rank percentiles", () => {
    const s = new Samples();
    for (let i = 100; i >= 1; i--) s.add(i);
    const sorted = s.sorted();
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 99.9)).toBe(100);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
    const sum = summarize(s, 2, 3);
    expect(sum).toMatchObject({ count: 100, throughput: 50, errors: 3, p90: 90, max: 100 });
  });
});

describe("bench load generators", () => {
  const requests = [{ attributes: undefined }];
  it("closed loop keeps the given number of calls in flight", async () => {
    let open = 0;
    let peak = 0;
    const call: CallFn<unknown> = (_r, done) => {
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open--;
        done(true);
      }, 2);
    };
    const r = await closedLoop(call, requests, { inFlight: 8, warmupMs: 20, durationMs: 200 });
    expect(peak).toBe(8);
    expect(r.count).toBeGreaterThan(100);
    expect(r.p50).toBeGreaterThanOrEqual(1.5);
  });
  it("open loop sends at the fixed rate and counts failures as errors", async () => {
    let n = 0;
    const call: CallFn<unknown> = (_r, done) => setImmediate(() => done(n++ % 2 === 0));
    const r = await openLoop(call, requests, { rps: 500, warmupMs: 0, durationMs: 400 });
    expect(n).toBe(200);
    expect(r.count + r.errors).toBe(200);
    expect(r.errors).toBe(100);
  });
});

describe("bench servers and request mix", () => {
  const dir = mkdtempSync(join(tmpdir(), "wimse-bench-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("our service gives every bench request its expected answer; the baseline allows all", async () => {
    const w = await buildWorkload(dir, 3);
    expect(w.requests.filter((r) => r.expectAllowed).length).toBeGreaterThan(0);
    expect(w.requests.filter((r) => !r.expectAllowed).length).toBeGreaterThan(0);
    const headers = w.requests[0].request.attributes?.request?.http?.headers ?? {};
    expect(Object.keys(headers).length).toBe(20);
    const servers = [
      {
        kind: "ours" as const,
        s: await startOurs({
          trustDomains: w.trustDomains,
          trustedProxies: w.trustedProxies,
          policyDir: join(import.meta.dirname, "../../policies"),
          auditFile: join(dir, "audit.log"),
        }),
      },
      { kind: "baseline" as const, s: await startBaseline() },
    ];
    for (const { kind, s } of servers) {
      const client = new AuthorizationClient(s.address, credentials.createInsecure());
      const raw = new Client(s.address, credentials.createInsecure());
      try {
        await verifyAnswers(client, kind, w.requests);
        // Pre-encoded requests over the raw client: all calls succeed.
        const bodies = encodeRequests(w.requests.map((r) => r.request));
        const load = await closedLoop(rawCheckCaller(raw), bodies, {
          inFlight: 4,
          warmupMs: 10,
          durationMs: 150,
        });
        expect(load.count).toBeGreaterThan(0);
        expect(load.errors).toBe(0);
        // A flipped expectation must be caught.
        if (kind === "ours") {
          const flipped = w.requests.map((r) => ({ ...r, expectAllowed: !r.expectAllowed }));
          await expect(verifyAnswers(client, kind, flipped)).rejects.toThrow(/expected/);
        }
      } finally {
        client.close();
        raw.close();
        await s.stop();
      }
    }
  }, 60_000);
});
