/**
 * The inline decider: with the decision thread (thread.ts), a Check that arrives while the gRPC
 * thread is not busy and the decision thread has few in flight is decided here, on the gRPC
 * thread, instead of crossing over. A crossing costs two thread wake-ups (docs/performance.md:
 * the hop, not the decision, set the tail at 1000 rps); under sustained overload, Checks go to the
 * decision thread, so gRPC and deciding keep using two cores.
 *
 * It holds its own identity and policy runtimes, built from the same configuration and watching
 * the same files, and decides only when they are ready and its policy revision is the decision
 * thread's (after a reload, until both have the same policy, everything goes to the thread).
 * Trust bundles and CRLs carry no revision to compare: each side reloads them when its own
 * watcher (or poll, or a reload request) sees the change, so between the two reloads, usually
 * milliseconds apart, a Check may be decided with either side's bundles. It
 * has no token stage: a request with a Workload-Identity-Token header (any spelling, either header
 * field) is declined by its checker once the headers are collected, before anything is verified,
 * and goes to the decision thread, which holds the replay cache. Its audit lines are formatted here and handed
 * in batches to the decision thread, the one writer of the audit output.
 */
import { Writable } from "node:stream";
import { StreamSink } from "../../audit/sink.js";
import type { Config } from "../../config/types.js";
import { createChecker, TOKEN_STAGE_ELSEWHERE } from "../../extauthz/check.js";
import type { CacheStats } from "../metrics.js";
import type { Runtimes } from "../ports.js";
import { buildRuntimes } from "../runtime/index.js";
import {
  CheckRequestError,
  checkerDeps,
  type Decided,
  decliningDecider,
  decodeCheck,
  internalError,
} from "./decide.js";
import type { CheckDone, StageEvents } from "./stage.js";

export interface InlineDecider {
  /**
   * Decides the Check here and answers it through `done` (synchronously), or returns false without
   * calling `done` when it must go to the decision thread: runtimes not ready, a policy revision
   * other than `revision` (the decision thread's), a request that does not decode or carries a
   * Workload-Identity-Token.
   */
  tryCheck(request: Buffer, started: bigint, done: CheckDone, revision: string): boolean;
  cacheStats(): CacheStats | undefined;
  readonly auditDropped: number;
  /** Checks decided here so far. */
  readonly decided: number;
  /** Hands every audit line of a Check answered so far to `deliverAudit`. */
  flushAudit(): Promise<void>;
  reload(): Promise<void>;
  close(): Promise<void>;
}

export interface InlineOptions {
  /** Formatted audit lines (`lines` of them, each ending in a newline) for the audit writer. */
  deliverAudit(text: string, lines: number): void;
  onDecided: StageEvents["onDecided"];
  log(line: string): void;
}

/**
 * Builds the runtimes (after the decision thread is up: the demo PKI, when it is generated, is
 * generated once, by that thread) and returns the decider.
 */
export async function startInlineDecider(config: Config, opts: InlineOptions): Promise<InlineDecider> {
  const log = (line: string) => opts.log(`inline decider: ${line}`);
  const runtimes = await buildRuntimes(config, log, { tokens: false });
  return inlineDecider(config, runtimes, opts);
}

/** The decider over runtimes given (tests pass doubles). */
export function inlineDecider(config: Config, runtimes: Runtimes, opts: InlineOptions): InlineDecider {
  const decide = decliningDecider(createChecker({ ...checkerDeps(config, runtimes), declineTokens: true }));
  const { identity, policy } = runtimes;
  const audit = new StreamSink(
    new Writable({
      decodeStrings: false,
      write(chunk: string, _encoding, callback) {
        opts.deliverAudit(chunk, countLines(chunk));
        callback();
      },
    }),
    true,
  );
  let decided = 0;
  const deliver = (d: Decided, done: CheckDone) => {
    done(null, d.bytes);
    audit.write(d.result.audit);
    opts.onDecided(d.result.audit);
  };
  return {
    tryCheck(bytes, started, done, revision) {
      if (!identity.ready || !policy.ready || policy.revision !== revision) return false;
      const request = decodeCheck(bytes);
      if (request instanceof CheckRequestError) return false;
      let out: Decided | typeof TOKEN_STAGE_ELSEWHERE;
      try {
        out = decide(request, started);
      } catch (e) {
        decided++;
        done(internalError(e));
        return true;
      }
      if (out === TOKEN_STAGE_ELSEWHERE) return false;
      decided++;
      deliver(out, done);
      return true;
    },
    cacheStats: () => identity.cacheStats?.(),
    get auditDropped() {
      return audit.dropped;
    },
    get decided() {
      return decided;
    },
    flushAudit: () => audit.flush(),
    async reload() {
      await identity.reload?.();
      await policy.reload();
    },
    async close() {
      await policy.close?.();
      await identity.close?.();
      await audit.close();
    },
  };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
