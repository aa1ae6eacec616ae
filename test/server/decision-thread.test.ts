/**
 * The decision thread (src/server/decision/thread.ts) against the in-thread stage over the same
 * configuration (demo PKI, default policy): the same answers for the same requests, batches
 * answered to the right callers, garbage refused with an error status, audit lines written by the
 * thread, and a thread that dies fails its Checks closed (UNAVAILABLE, not ready) until a new one
 * is up.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAuditSink } from "../../src/audit/sink.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";
import { envoyUrlEncodePem } from "../../src/demo/envoy-encoding.js";
import { CheckRequest, CheckResponse } from "../../src/gen/envoy/service/auth/v3/external_auth.js";
import { ensureDemoPki } from "../../src/pki/write.js";
import { type InlineDecider, inlineDecider, startInlineDecider } from "../../src/server/decision/inline.js";
import { type LoadGaugeOptions, loadGauge } from "../../src/server/decision/load-gauge.js";
import { localStage } from "../../src/server/decision/local.js";
import type {
  DecidedFacts,
  DecisionStage,
  StageError,
  StageEvents,
} from "../../src/server/decision/stage.js";
import { DecisionThreadError, startDecisionThread } from "../../src/server/decision/thread.js";
import type { ReloadResult } from "../../src/server/ports.js";
import { buildRuntimes } from "../../src/server/runtime/index.js";
import { mulberry32, pick } from "../support/prng.js";
import { envoyRequest } from "./support/harness.js";

const POLICIES = join(import.meta.dirname, "../../policies");

let dir: string;
let config: Config;
let certs: string[];

function configIn(d: string, audit: string, extra: Array<[string, string]> = []): Config {
  return loadConfig({
    env: {},
    flags: [
      ["--identity-demo-pki-dir", join(d, "pki")],
      ["--policy-dir", POLICIES],
      ["--policy-watch", "false"],
      ["--audit-output", audit],
      ...extra,
    ],
  });
}

function recorder() {
  const decided: DecidedFacts[] = [];
  const reloads: Array<[string, ReloadResult]> = [];
  let states = 0;
  const events: StageEvents = {
    onDecided: (f) => decided.push(f),
    onReload: (k, r) => reloads.push([k, r]),
    onState: () => {
      states++;
    },
  };
  return { events, decided, reloads, states: () => states };
}

type Answer = { error: StageError } | { response: CheckResponse };

function ask(stage: DecisionStage, bytes: Buffer): Promise<Answer> {
  return new Promise((resolve) =>
    stage.check(bytes, process.hrtime.bigint(), (error, response) =>
      resolve(error ? { error } : { response: CheckResponse.decode(response as Buffer) }),
    ),
  );
}

/** The answer without its per-decision random ID (dynamic metadata, problem bodies). */
function comparable(a: Answer): unknown {
  if ("error" in a) return a;
  const json = JSON.stringify(CheckResponse.toJSON(a.response));
  return JSON.parse(json.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "ID"));
}

/** Requests from the demo workloads' certificates, allowed and denied, some without a certificate. */
function requests(n: number): Buffer[] {
  const rnd = mulberry32(6);
  const paths = [
    "/api/orders",
    "/api?limit=5",
    "/invoices",
    "/callbacks/billing",
    "/healthz",
    "/admin",
    "/%zz",
  ];
  const destinations = [
    "spiffe://demo.wimse-authz.local/ns/demo/sa/backend",
    "wimse://demo2.wimse-authz.local/workload/billing",
  ];
  const methods = ["GET", "POST", "DELETE"];
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const req = envoyRequest({
      method: pick(rnd, methods),
      path: pick(rnd, paths),
      certificate: rnd() < 0.1 ? "" : pick(rnd, certs),
      destination: pick(rnd, destinations),
      headers: { "x-request-id": `r-${i}` },
    });
    out.push(Buffer.from(CheckRequest.encode(req).finish()));
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wimse-thread-"));
  const { manifest } = await ensureDemoPki(join(dir, "pki"));
  certs = Object.values(manifest.workloads).map((w) =>
    envoyUrlEncodePem(readFileSync(join(dir, "pki", w.cert), "utf8")),
  );
  config = configIn(dir, join(dir, "audit.log"));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("decision thread", () => {
  it("answers as the in-thread stage does, each caller its own answer, in batches", async () => {
    const rec = recorder();
    const thread = await startDecisionThread(config, rec.events, () => {});
    const localRuntimes = await buildRuntimes(configIn(dir, join(dir, "local.log")), () => {});
    const local = localStage(config, localRuntimes, openAuditSink(join(dir, "local.log")), recorder().events);
    try {
      expect(thread.state()).toEqual({
        identityReady: true,
        policyReady: true,
        revision: local.state().revision,
      });
      const reqs = requests(300);
      // All sent in one turn: the thread gets them as (a few) batches.
      const viaThread = await Promise.all(reqs.map((b) => ask(thread, b)));
      const viaLocal = await Promise.all(reqs.map((b) => ask(local, b)));
      expect(viaThread.map(comparable)).toEqual(viaLocal.map(comparable));
      const allowed = viaThread.filter((a) => "response" in a && a.response.status?.code === 0).length;
      expect(allowed).toBeGreaterThan(0);
      expect(allowed).toBeLessThan(reqs.length);
      // Every decision reported once, for metrics; the identity cache's statistics came back.
      expect(rec.decided).toHaveLength(reqs.length);
      expect(rec.decided.filter((f) => f.decision === "allow")).toHaveLength(allowed);
      expect(thread.cacheStats()?.hits).toBeGreaterThan(0);
      // The audit lines are written by the thread.
      await thread.flushAudit();
      const lines = readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n");
      expect(lines).toHaveLength(reqs.length);
      expect(new Set(lines.map((l) => (JSON.parse(l) as { request_id: string }).request_id)).size).toBe(
        reqs.length,
      );
    } finally {
      await thread.close();
      await local.close();
    }
  }, 60_000);

  it("refuses bytes that are not a CheckRequest with an error status, and keeps serving", async () => {
    const thread = await startDecisionThread(config, recorder().events, () => {});
    try {
      const garbage = await ask(thread, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
      expect(garbage).toMatchObject({ error: { code: GrpcStatus.INTERNAL } });
      expect((garbage as { error: StageError }).error.details).toContain("cannot decode CheckRequest");
      const [ok] = requests(1);
      expect("response" in (await ask(thread, ok as Buffer))).toBe(true);
    } finally {
      await thread.close();
    }
  }, 60_000);

  it("reload is done by the thread and reported with its result", async () => {
    const rec = recorder();
    const thread = await startDecisionThread(config, rec.events, () => {});
    try {
      const r = await thread.reload();
      expect(r.policy.ok).toBe(true);
      expect(r.identity?.ok).toBe(true);
      expect(rec.reloads.map(([k]) => k).sort()).toEqual(["policy", "trust_bundle"]);
    } finally {
      await thread.close();
    }
  }, 60_000);

  it("a thread that dies fails its Checks closed, reports not ready, and is replaced", async () => {
    const rec = recorder();
    const workers: Worker[] = [];
    const thread = await startDecisionThread(config, rec.events, () => {}, {
      onWorker: (w) => workers.push(w),
    });
    try {
      const reqs = requests(20);
      const inFlight = reqs.map((b) => ask(thread, b));
      await (workers[0] as Worker).terminate();
      const answers = await Promise.all(inFlight);
      // Each call either was decided before the thread died or failed with UNAVAILABLE: never lost.
      for (const a of answers) {
        if ("error" in a) expect(a.error.code).toBe(GrpcStatus.UNAVAILABLE);
      }
      expect(thread.state().policyReady).toBe(false);
      const meanwhile = await ask(thread, reqs[0] as Buffer);
      expect(meanwhile).toMatchObject({ error: { code: GrpcStatus.UNAVAILABLE } });
      // A new thread comes up (after about a second) and decides again.
      const deadline = Date.now() + 30_000;
      while (!thread.state().policyReady && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(workers).toHaveLength(2);
      expect(thread.state()).toMatchObject({ identityReady: true, policyReady: true });
      expect("response" in (await ask(thread, reqs[0] as Buffer))).toBe(true);
    } finally {
      await thread.close();
    }
  }, 60_000);

  it("runtimes that cannot be built stop the start with the reason (no thread left running)", async () => {
    const bad = loadConfig({
      env: {},
      flags: [
        ["--identity-demo-pki-dir", join(dir, "audit.log", "pki")], // under a file: cannot be created
        ["--policy-dir", POLICIES],
        ["--audit-output", join(dir, "bad.log")],
      ],
    });
    const err = await startDecisionThread(bad, recorder().events, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecisionThreadError);
    expect((err as DecisionThreadError).usage).toBe(false);
    expect((err as Error).message).toMatch(/audit\.log/);
  }, 60_000);
});

describe("decision thread with the inline decider (decision.inline_when_idle)", () => {
  /** The thread with an inline decider whose count of inline decisions the test can read. */
  async function withInline(cfg: Config, events: StageEvents, busy?: LoadGaugeOptions) {
    let decider: InlineDecider | undefined;
    const thread = await startDecisionThread(cfg, events, () => {}, {
      inline: async (o) => {
        decider = await startInlineDecider(cfg, o);
        return decider;
      },
      busy,
    });
    return { thread, inlineDecided: () => decider?.decided ?? -1 };
  }

  it("decides lone Checks on the calling thread, with the thread's answers, audit lines in the one output", async () => {
    const auditFile = join(dir, "inline-audit.log");
    const cfg = configIn(dir, auditFile);
    const rec = recorder();
    const { thread, inlineDecided } = await withInline(cfg, rec.events);
    const plain = await startDecisionThread(
      configIn(dir, join(dir, "plain.log")),
      recorder().events,
      () => {},
    );
    try {
      const reqs = requests(60);
      const viaInline: Answer[] = [];
      // One at a time, the event loop idle in between: each arrives alone with the thread idle.
      for (const b of reqs) {
        viaInline.push(await ask(thread, b));
        await sleep(5);
      }
      // All of them, unless a loaded test machine kept this thread busy for a sampling interval.
      expect(inlineDecided()).toBeGreaterThanOrEqual(reqs.length * 0.9);
      const viaThread: Answer[] = [];
      for (const b of reqs) viaThread.push(await ask(plain, b));
      expect(viaInline.map(comparable)).toEqual(viaThread.map(comparable));
      expect(rec.decided).toHaveLength(reqs.length);
      expect(thread.cacheStats()?.hits).toBeGreaterThan(0);
      await thread.flushAudit();
      const lines = readFileSync(auditFile, "utf8").trim().split("\n");
      expect(lines).toHaveLength(reqs.length);
      const ids = lines.map((l) => (JSON.parse(l) as { request_id: string }).request_id);
      expect(new Set(ids)).toEqual(new Set(reqs.map((_, i) => `r-${i}`)));
    } finally {
      await thread.close();
      await plain.close();
    }
  }, 60_000);

  it("a burst gets the same answers whichever thread decides each, and close writes every audit line", async () => {
    const auditFile = join(dir, "burst-audit.log");
    const cfg = configIn(dir, auditFile);
    // A short sampling interval, so that the burst turns the gauge busy and reaches both threads.
    const { thread, inlineDecided } = await withInline(cfg, recorder().events, {
      enter: 0.5,
      leave: 0.5,
      sampleMs: 5,
    });
    const local = localStage(
      cfg,
      await buildRuntimes(cfg, () => {}),
      openAuditSink(join(dir, "burst-local.log")),
      recorder().events,
    );
    const reqs = requests(300);
    let viaThread: Answer[];
    await sleep(100);
    try {
      viaThread = await Promise.all(reqs.map((b) => ask(thread, b)));
      expect(inlineDecided()).toBeGreaterThan(0); // at least the first of the burst
      expect(inlineDecided()).toBeLessThan(reqs.length); // and the decision thread the rest
      const viaLocal = await Promise.all(reqs.map((b) => ask(local, b)));
      expect(viaThread.map(comparable)).toEqual(viaLocal.map(comparable));
    } finally {
      // No flushAudit: closing hands the inline lines over before the thread closes its output.
      await thread.close();
      await local.close();
    }
    expect(readFileSync(auditFile, "utf8").trim().split("\n")).toHaveLength(reqs.length);
  }, 60_000);

  it("sends requests that may carry a token, and Checks under another policy revision, to the thread", async () => {
    const cfg = configIn(dir, join(dir, "token-audit.log"));
    const { thread, inlineDecided } = await withInline(cfg, recorder().events);
    try {
      const cert = certs[0] as string;
      for (const name of ["workload-identity-token", "Workload-Identity-Token"]) {
        const req = envoyRequest({ certificate: cert, headers: { [name]: "not-a-token" } });
        const a = await ask(thread, Buffer.from(CheckRequest.encode(req).finish()));
        expect(inlineDecided()).toBe(0);
        // Decided by the token stage on the thread: an invalid token is a 400 with a problem body.
        expect("response" in a && a.response.deniedResponse?.status?.code).toBe(400);
      }
    } finally {
      await thread.close();
    }
    // tryCheck itself: another revision, undecodable bytes, not ready: declined, done never called.
    const rt = await buildRuntimes(cfg, () => {}, { tokens: false });
    const decider = inlineDecider(cfg, rt, { deliverAudit: () => {}, onDecided: () => {}, log: () => {} });
    const [ok] = requests(1);
    const never = () => expect.unreachable("declined Checks are not answered here");
    expect(decider.tryCheck(ok as Buffer, 0n, never, "another-revision")).toBe(false);
    expect(decider.tryCheck(Buffer.from([0xff, 0xff, 0x0f]), 0n, never, rt.policy.revision)).toBe(false);
    let answered = false;
    expect(decider.tryCheck(ok as Buffer, 0n, () => (answered = true), rt.policy.revision)).toBe(true);
    expect(answered).toBe(true);
    expect(decider.decided).toBe(1);
    await decider.close();
  }, 60_000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the inline decider and token requests", () => {
  it("declines a Workload-Identity-Token under any spelling, in either header field; decides a near miss", async () => {
    const d = mkdtempSync(join(tmpdir(), "wimse-inline-token-"));
    const cfg = configIn(d, join(d, "audit.log"));
    const rt = await buildRuntimes(cfg, () => {}, { tokens: false });
    const decider = inlineDecider(cfg, rt, { deliverAudit: () => {}, onDecided: () => {}, log: () => {} });
    const encode = (r: CheckRequest) => Buffer.from(CheckRequest.encode(r).finish());
    const withRaw = (raw: Array<[string, string]>) => {
      const r = envoyRequest({});
      const http = r.attributes?.request?.http;
      if (!http) throw new Error("no http");
      http.headers = {};
      http.headerMap = { headers: raw.map(([key, value]) => ({ key, value, rawValue: Buffer.alloc(0) })) };
      return r;
    };
    const never = () => expect.unreachable("declined Checks are not answered here");
    try {
      for (const r of [
        envoyRequest({ headers: { "workload-identity-token": "x" } }),
        envoyRequest({ headers: { "WORKLOAD-Identity-Token": "x" } }),
        withRaw([["Workload-Identity-Token", "x"]]),
        withRaw([
          [":path", "/"],
          ["workload-identity-token", "x"],
        ]),
      ]) {
        expect(decider.tryCheck(encode(r), 0n, never, rt.policy.revision)).toBe(false);
      }
      expect(decider.decided).toBe(0);
      for (const r of [
        envoyRequest({ headers: { "workload-identity-tokens": "x", authorization: "y" } }),
        withRaw([["workload-identity", "x"]]),
      ]) {
        let answered = false;
        expect(decider.tryCheck(encode(r), 0n, () => (answered = true), rt.policy.revision)).toBe(true);
        expect(answered).toBe(true);
      }
      expect(decider.decided).toBe(2);
    } finally {
      await decider.close();
      rmSync(d, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("loadGauge", () => {
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end); // the loop is busy
  };
  // A timer set right after a spin counts from the loop's cached time, taken before the spin, so
  // it would fire early: one turn of the loop first refreshes that time.
  const idle = async (ms: number) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await sleep(ms);
  };

  it("says busy after the loop ran without pause for a sampling interval, idle after it waited", async () => {
    const gauge = loadGauge({ enter: 0.75, leave: 0.75, sampleMs: 20 });
    await sleep(30);
    expect(gauge.busy()).toBe(false);
    spin(40);
    expect(gauge.busy()).toBe(true);
    // Between samples the verdict stays.
    expect(gauge.busy()).toBe(true);
    await idle(60);
    expect(gauge.busy()).toBe(false);
    // Not asked for longer than four intervals: not busy, whatever the loop did meanwhile.
    spin(100);
    expect(gauge.busy()).toBe(false);
  });

  it("stays busy until the utilisation falls below `leave` (hysteresis)", async () => {
    // Long intervals and wide margins: a late timer on a loaded machine lowers the utilisation
    // measured, which the margins absorb (below 0.9 to enter, above 0.1 to stay).
    const gauge = loadGauge({ enter: 0.9, leave: 0.1, sampleMs: 100 });
    await sleep(110);
    expect(gauge.busy()).toBe(false);
    // About 0.6 busy: not enough to turn busy from idle.
    spin(60);
    await idle(45);
    expect(gauge.busy()).toBe(false);
    spin(110);
    expect(gauge.busy()).toBe(true);
    // About 0.6 busy again: enough to stay busy.
    spin(60);
    await idle(45);
    expect(gauge.busy()).toBe(true);
    // Idle for a whole interval: below `leave`.
    await idle(110);
    expect(gauge.busy()).toBe(false);
  });

  it("never uses a `leave` above `enter`", async () => {
    const gauge = loadGauge({ enter: 0.3, leave: 0.95, sampleMs: 100 });
    spin(110);
    expect(gauge.busy()).toBe(true);
    // About 0.75 busy: above enter (0.3), so still busy although below the given leave (0.95).
    spin(80);
    await idle(25);
    expect(gauge.busy()).toBe(true);
  });
});
