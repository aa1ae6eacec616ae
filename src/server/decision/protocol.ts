/**
 * Messages between the gRPC thread and the decision thread. Checks travel in batches (all the
 * calls that arrived in one turn of the gRPC thread's event loop): one message, one transferred
 * buffer holding every request back to back, so a batch costs one structured clone whatever its
 * size. Answers come back the same way.
 */
import type { Config } from "../../config/types.js";
import type { ReloadResult } from "../ports.js";
import type { DecidedFacts, ReloadKind, ReloadOutcome, StageError, StageState } from "./stage.js";

export interface WorkerInit {
  config: Config;
}

/** Requests i: bytes[ends[i-1] .. ends[i]) (ends[-1] = 0). */
export interface ChecksMessage {
  type: "checks";
  ids: number[];
  /** process.hrtime.bigint() at arrival, as a Number of nanoseconds. */
  started: number[];
  ends: number[];
  bytes: ArrayBuffer;
}

export type ToWorker =
  | ChecksMessage
  | { type: "reload"; id: number }
  | { type: "flush"; id: number }
  /** Audit lines of Checks the gRPC thread decided itself (inline.ts), for the one audit writer. */
  | { type: "audit"; text: string; lines: number }
  | { type: "close" };

export interface Stats {
  cacheHits?: number;
  cacheMisses?: number;
  auditDropped: number;
}

/**
 * Answers, parallel arrays: answer i is an error when errors[i] is set, else response bytes
 * bytes[ends[i-1] .. ends[i]) with facts[i] for metrics.
 */
export interface AnswersMessage {
  type: "answers";
  ids: number[];
  ends: number[];
  bytes: ArrayBuffer;
  errors: (StageError | null)[];
  facts: (DecidedFacts | null)[];
  stats: Stats;
}

export type FromWorker =
  | { type: "ready"; state: StageState; stats: Stats }
  /** Building the runtimes failed; `usage` when the configuration itself is invalid (exit 2). */
  | { type: "failed"; error: string; usage: boolean }
  | AnswersMessage
  | { type: "reloaded"; id: number; outcome: ReloadOutcome; state: StageState }
  | { type: "reload-event"; kind: ReloadKind; result: ReloadResult; state: StageState }
  | { type: "flushed"; id: number }
  | { type: "log"; line: string }
  | { type: "closed" };

/** Packs byte arrays into one fresh ArrayBuffer (transferable) with the end offsets. */
export function pack(parts: readonly Uint8Array[]): { bytes: ArrayBuffer; ends: number[] } {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  const ends: number[] = new Array(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as Uint8Array;
    out.set(p, at);
    at += p.byteLength;
    ends[i] = at;
  }
  return { bytes: out.buffer, ends };
}

/** Part i of a packed buffer, as a view (no copy). */
export function part(bytes: ArrayBuffer, ends: readonly number[], i: number): Buffer {
  const start = i === 0 ? 0 : (ends[i - 1] as number);
  return Buffer.from(bytes, start, (ends[i] as number) - start);
}
