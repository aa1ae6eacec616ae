/**
 * The decision thread: builds the runtimes from the configuration (as `serve` would in-process),
 * then decides the batches of Checks the gRPC thread sends, answers them in batches, and writes
 * the audit lines itself. Reloads (asked for or done on its own) are reported back with the
 * readiness they leave, which the gRPC thread turns into health and metrics.
 */
import { parentPort, workerData } from "node:worker_threads";
import { openAuditSink } from "../../audit/sink.js";
import { TokenConfigError } from "../../identity/tokens/index.js";
import type { Runtimes } from "../ports.js";
import { buildRuntimes } from "../runtime/index.js";
import {
  checkerFor,
  type Decided,
  internalError,
  isStageError,
  type RawDecide,
  rawDecider,
} from "./decide.js";
import {
  type AnswersMessage,
  type FromWorker,
  pack,
  part,
  type Stats,
  type ToWorker,
  type WorkerInit,
} from "./protocol.js";
import type { DecidedFacts, StageError, StageState } from "./stage.js";

const port = parentPort;
if (!port) throw new Error("decision thread: must run as a worker thread");
const send = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
const log = (line: string) => send({ type: "log", line });

const { config } = workerData as WorkerInit;
let runtimes: Runtimes;
try {
  runtimes = await buildRuntimes(config, log);
} catch (e) {
  send({
    type: "failed",
    error: e instanceof Error ? e.message : String(e),
    usage: e instanceof TokenConfigError,
  });
  process.exit(1);
}
const rt = runtimes;
const audit = openAuditSink(config.audit.output);
const decide: RawDecide = rawDecider(checkerFor(config, rt));

const state = (): StageState => ({
  identityReady: rt.identity.ready,
  policyReady: rt.policy.ready,
  revision: rt.policy.revision,
});
const stats = (): Stats => {
  const c = rt.identity.cacheStats?.();
  return { cacheHits: c?.hits, cacheMisses: c?.misses, auditDropped: audit.dropped };
};
rt.policy.onReload?.((result) => send({ type: "reload-event", kind: "policy", result, state: state() }));
rt.identity.onReload?.((result) =>
  send({ type: "reload-event", kind: "trust_bundle", result, state: state() }),
);

/** Sends answers for `ids`, then writes their audit lines (answer first). */
function answer(ids: number[], outs: (Decided | StageError)[]): void {
  const errors: (StageError | null)[] = new Array(outs.length);
  const facts: (DecidedFacts | null)[] = new Array(outs.length);
  const parts: Uint8Array[] = new Array(outs.length);
  for (let i = 0; i < outs.length; i++) {
    const o = outs[i] as Decided | StageError;
    if (isStageError(o)) {
      errors[i] = o;
      facts[i] = null;
      parts[i] = EMPTY;
    } else {
      const a = o.result.audit;
      errors[i] = null;
      facts[i] = { decision: a.decision, reason_code: a.reason_code, latency_ms: a.latency_ms };
      parts[i] = o.bytes;
    }
  }
  const { bytes, ends } = pack(parts);
  const m: AnswersMessage = { type: "answers", ids, ends, bytes, errors, facts, stats: stats() };
  send(m, [bytes]);
  for (const o of outs) if (!isStageError(o)) audit.write(o.result.audit);
}
const EMPTY = new Uint8Array(0);

function decideOne(bytes: Uint8Array, started: number): ReturnType<RawDecide> {
  try {
    return decide(bytes, BigInt(started));
  } catch (e) {
    return internalError(e);
  }
}

port.on("message", (m: ToWorker) => {
  if (m.type === "checks") {
    const ids: number[] = [];
    const outs: (Decided | StageError)[] = [];
    for (let i = 0; i < m.ids.length; i++) {
      const id = m.ids[i] as number;
      const out = decideOne(part(m.bytes, m.ends, i), m.started[i] as number);
      if (out instanceof Promise) {
        // A token request: answered on its own once its token stage is done.
        out.then(
          (d) => answer([id], [d]),
          (e: unknown) => answer([id], [internalError(e)]),
        );
      } else {
        ids.push(id);
        outs.push(out);
      }
    }
    if (ids.length > 0) answer(ids, outs);
  } else if (m.type === "reload") {
    void reload(m.id);
  } else if (m.type === "audit") {
    audit.writeText(m.text, m.lines);
  } else if (m.type === "flush") {
    audit.flush().then(() => send({ type: "flushed", id: m.id }));
  } else if (m.type === "close") {
    void close();
  }
});

async function reload(id: number): Promise<void> {
  const identity = rt.identity.reload ? await rt.identity.reload() : undefined;
  const policy = await rt.policy.reload();
  send({ type: "reloaded", id, outcome: { identity, policy }, state: state() });
}

async function close(): Promise<void> {
  await rt.policy.close?.();
  await rt.identity.close?.();
  await rt.tokens?.close?.();
  await audit.close();
  send({ type: "closed" });
}

send({ type: "ready", state: state(), stats: stats() });
