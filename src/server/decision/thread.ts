/**
 * The decision stage on a worker thread (worker.ts), seen from the gRPC thread. Checks that arrive
 * in one turn of the event loop go over as one batch; answers come back in batches. The gRPC thread
 * then only runs gRPC, and a busy policy or a certificate verification never delays the reading
 * and writing of other calls.
 *
 * Fails closed: while the thread is not up (starting, or failed), Checks get UNAVAILABLE and the
 * state reports not ready (health NOT_SERVING). If the thread dies, every Check in flight gets
 * UNAVAILABLE and a new thread is started (at most one attempt per second).
 */
import { Worker } from "node:worker_threads";
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { Config } from "../../config/types.js";
import type { CacheStats } from "../metrics.js";
import {
  type AnswersMessage,
  type FromWorker,
  pack,
  part,
  type Stats,
  type ToWorker,
  type WorkerInit,
} from "./protocol.js";
import type { InlineDecider, InlineOptions } from "./inline.js";
import { type LoadGaugeOptions, loadGauge } from "./load-gauge.js";
import type { CheckDone, DecisionStage, ReloadOutcome, StageEvents, StageState } from "./stage.js";

/** Thrown by startDecisionThread when the thread could not build its runtimes. */
export class DecisionThreadError extends Error {
  constructor(
    message: string,
    /** The configuration is invalid (exit code 2), rather than a runtime failure. */
    readonly usage: boolean,
  ) {
    super(message);
  }
}

const NOT_READY: StageState = { identityReady: false, policyReady: false, revision: "" };
const RESTART_DELAY_MS = 1000;
const CLOSE_TIMEOUT_MS = 10_000;
/**
 * The inline decider takes a Check while this thread is not busy (loadGauge) and the decision
 * thread has fewer Checks than this in flight: at moderate rates a crossing overlaps the next
 * arrival, so "none in flight" would send many Checks over; at saturation it always has more.
 */
const INLINE_MAX_PENDING = 4;
/**
 * When the gRPC thread counts as busy (loadGauge): its event-loop utilisation over a sampling
 * interval above `enter`, until it falls below `leave`. While busy (sustained overload, where
 * gRPC alone can fill this thread), Checks go to the decision thread so that gRPC and deciding
 * use two cores. Below that, deciding here is cheaper and has a shorter tail than the crossing:
 * on a small machine the decision thread may wait for a core, and when it decides only the odd
 * Check its code stays cold. The interval is long enough that one garbage collection pause or a
 * client's burst does not tip it.
 */
const BUSY: LoadGaugeOptions = {
  enter: 0.9,
  leave: 0.6,
  sampleMs: 500,
};

/**
 * The worker's entry: the compiled worker.js next to this file; when running from TypeScript
 * sources (tests, `tsx`), worker.ts loaded through tsx, registered in the thread first (a
 * worker's own entry is loaded before any --import hook would apply).
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith(".ts"))
    return { entry: new URL("./worker.js", import.meta.url), eval: false };
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const worker = JSON.stringify(new URL("./worker.ts", import.meta.url).href);
  return { entry: `import(${tsx}).then((m) => { m.register(); return import(${worker}); })`, eval: true };
}

export interface DecisionThreadOptions {
  /** Each worker started (the first and any replacement): diagnostics and tests. */
  onWorker?: (worker: Worker) => void;
  /**
   * Started once the thread is up (decision.inline_when_idle): a Check is decided on this thread
   * while it is not busy (loadGauge) and the decision thread has fewer than INLINE_MAX_PENDING
   * Checks in flight.
   */
  inline?: (opts: InlineOptions) => Promise<InlineDecider>;
  /** When the gRPC thread counts as busy; default BUSY. Tests shorten it to reach both paths. */
  busy?: LoadGaugeOptions;
}

export async function startDecisionThread(
  config: Config,
  events: StageEvents,
  log: (line: string) => void,
  opts: DecisionThreadOptions = {},
): Promise<DecisionStage> {
  let worker: Worker | undefined;
  let current: StageState = NOT_READY;
  let lastStats: Stats = { auditDropped: 0 };
  let droppedBefore = 0; // audit lines dropped by threads that have since died
  let closing = false;
  let nextId = 0;
  const pending = new Map<number, CheckDone>();
  /** Replies awaited from the thread (reload, flush) by request ID; undefined: the thread died. */
  const replies = new Map<number, (reply: FromWorker | undefined) => void>();
  let closed: (() => void) | undefined;
  const newId = () => {
    const id = nextId;
    nextId = (nextId + 1) % 0x7fffffff;
    return id;
  };
  const ask = <T>(
    w: Worker,
    request: (id: number) => ToWorker,
    answer: (reply: FromWorker | undefined) => T,
  ) =>
    new Promise<T>((resolve) => {
      const id = newId();
      replies.set(id, (reply) => resolve(answer(reply)));
      w.postMessage(request(id));
    });
  const reply = (m: FromWorker & { id: number }) => {
    replies.get(m.id)?.(m);
    replies.delete(m.id);
  };

  // The batch being collected in this turn of the event loop.
  let batchIds: number[] = [];
  let batchStarted: number[] = [];
  let batchParts: Buffer[] = [];
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    const ids = batchIds;
    if (ids.length === 0) return;
    const started = batchStarted;
    const parts = batchParts;
    batchIds = [];
    batchStarted = [];
    batchParts = [];
    if (!worker) return failAll(ids, "the decision thread is not running");
    const { bytes, ends } = pack(parts);
    const m: ToWorker = { type: "checks", ids, started, ends, bytes };
    worker.postMessage(m, [bytes]);
  };
  const failAll = (ids: Iterable<number>, why: string) => {
    for (const id of ids) {
      const done = pending.get(id);
      pending.delete(id);
      done?.({ code: GrpcStatus.UNAVAILABLE, details: why });
    }
  };

  const onAnswers = (m: AnswersMessage) => {
    lastStats = m.stats;
    for (let i = 0; i < m.ids.length; i++) {
      const id = m.ids[i] as number;
      const done = pending.get(id);
      if (!done) continue;
      pending.delete(id);
      const error = m.errors[i];
      if (error) {
        done(error);
        continue;
      }
      done(null, part(m.bytes, m.ends, i));
      const facts = m.facts[i];
      if (facts) events.onDecided(facts);
    }
  };

  // Audit lines of inline decisions, held while no thread runs (a replacement is starting).
  let heldAudit: { text: string; lines: number }[] = [];
  const deliverAudit = (text: string, lines: number) => {
    if (worker) worker.postMessage({ type: "audit", text, lines } satisfies ToWorker);
    else heldAudit.push({ text, lines });
  };
  const postHeldAudit = () => {
    if (!worker) return;
    for (const m of heldAudit) worker.postMessage({ type: "audit", ...m } satisfies ToWorker);
    heldAudit = [];
  };

  const spawn = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const entry = workerEntry();
      const w = new Worker(entry.entry, {
        eval: entry.eval,
        workerData: { config } satisfies WorkerInit,
        // Audit lines to stdout are written by the thread itself (fd 1), never piped through here.
        stdout: false,
        stderr: false,
      });
      opts.onWorker?.(w);
      let up = false;
      w.on("message", (m: FromWorker) => {
        switch (m.type) {
          case "answers":
            onAnswers(m);
            return;
          case "ready":
            if (closing) {
              // A replacement that came up while the service was stopping.
              void w.terminate();
              resolve();
              return;
            }
            up = true;
            worker = w;
            current = m.state;
            lastStats = m.stats;
            postHeldAudit();
            events.onState();
            resolve();
            return;
          case "failed":
            reject(new DecisionThreadError(m.error, m.usage));
            return;
          case "reloaded":
            current = m.state;
            if (m.outcome.identity) events.onReload("trust_bundle", m.outcome.identity);
            events.onReload("policy", m.outcome.policy);
            reply(m);
            return;
          case "reload-event":
            current = m.state;
            events.onReload(m.kind, m.result);
            return;
          case "flushed":
            reply(m);
            return;
          case "log":
            log(m.line);
            return;
          case "closed":
            closed?.();
            return;
        }
      });
      w.on("error", (e) => log(`decision thread: ${e.message}`));
      w.on("exit", (code) => {
        if (worker === w) worker = undefined;
        if (!up) {
          reject(new DecisionThreadError(`the decision thread exited (${code}) before it was ready`, false));
          return;
        }
        if (closing) return;
        droppedBefore += lastStats.auditDropped;
        lastStats = { auditDropped: 0 };
        current = NOT_READY;
        events.onState();
        failAll([...pending.keys()], "the decision thread failed");
        for (const r of replies.values()) r(undefined);
        replies.clear();
        log(`decision thread exited (${code}); starting a new one in ${RESTART_DELAY_MS} ms`);
        const restart = () => {
          if (closing) return;
          spawn().catch((e: Error) => {
            log(`decision thread: restart failed: ${e.message}`);
            setTimeout(restart, RESTART_DELAY_MS).unref();
          });
        };
        setTimeout(restart, RESTART_DELAY_MS).unref();
      });
    });

  await spawn();

  let inline: InlineDecider | undefined;
  try {
    inline = await opts.inline?.({ deliverAudit, onDecided: (f) => events.onDecided(f), log });
  } catch (e) {
    // The thread decides everything; the service runs as without the option.
    log(`inline decider not started: ${e instanceof Error ? e.message : String(e)}`);
  }
  const load = loadGauge(opts.busy ?? BUSY);

  return {
    check(request: Buffer, started: bigint, done: CheckDone) {
      if (!worker || closing) {
        done({ code: GrpcStatus.UNAVAILABLE, details: "the decision thread is not running" });
        return;
      }
      if (
        inline &&
        // The gauge first: asked on every Check, it never goes stale while Checks arrive.
        !load.busy() &&
        pending.size < INLINE_MAX_PENDING &&
        current.identityReady &&
        current.policyReady &&
        inline.tryCheck(request, started, done, current.revision)
      ) {
        return;
      }
      const id = newId();
      pending.set(id, done);
      batchIds.push(id);
      batchStarted.push(Number(started));
      batchParts.push(request);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },
    state: () => current,
    cacheStats(): CacheStats | undefined {
      const { cacheHits, cacheMisses } = lastStats;
      const here = inline?.cacheStats();
      if (cacheHits === undefined || cacheMisses === undefined) return here;
      return { hits: cacheHits + (here?.hits ?? 0), misses: cacheMisses + (here?.misses ?? 0) };
    },
    auditDropped: () => droppedBefore + lastStats.auditDropped + (inline?.auditDropped ?? 0),
    async reload() {
      // The inline runtimes first: the thread's new revision then finds them already on it.
      await inline?.reload();
      const w = worker;
      if (!w) {
        return {
          policy: { ok: false, revision: current.revision, error: "the decision thread is not running" },
        };
      }
      return ask(
        w,
        (id) => ({ type: "reload", id }),
        (r): ReloadOutcome =>
          r?.type === "reloaded"
            ? r.outcome
            : { policy: { ok: false, revision: "", error: "the decision thread failed" } },
      );
    },
    async flushAudit() {
      // Inline lines are posted before the flush request, so the thread writes them first.
      await inline?.flushAudit();
      const w = worker;
      if (!w) return;
      return ask(
        w,
        (id) => ({ type: "flush", id }),
        () => undefined,
      );
    },
    async close() {
      closing = true;
      flush();
      await inline?.close();
      postHeldAudit();
      const w = worker;
      if (!w) return;
      await new Promise<void>((resolve) => {
        closed = resolve;
        w.once("exit", () => resolve());
        // A thread that does not close its runtimes in time is stopped anyway.
        setTimeout(resolve, CLOSE_TIMEOUT_MS).unref();
        w.postMessage({ type: "close" } satisfies ToWorker);
      });
      failAll([...pending.keys()], "the service is stopping");
      await w.terminate();
    },
  };
}
