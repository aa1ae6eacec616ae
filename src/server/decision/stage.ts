/**
 * The decision stage as the gRPC server sees it: raw CheckRequest bytes in, encoded CheckResponse
 * bytes out, audit written and metrics facts reported on the way. Two implementations: in this
 * thread (local.ts, runtimes passed in: tests, the demo) and on a worker thread (thread.ts, which
 * builds its runtimes from the configuration: `serve`), so that the gRPC thread only does gRPC.
 */
import type { AuditRecord } from "../../audit/record.js";
import type { CacheStats } from "../metrics.js";
import type { ReloadResult } from "../ports.js";

/** What metrics need of one decided Check. */
export type DecidedFacts = Pick<AuditRecord, "decision" | "reason_code" | "latency_ms">;

export interface StageError {
  /** gRPC status code. */
  code: number;
  details: string;
}

/** Called exactly once per Check: an error status, or the encoded CheckResponse. */
export type CheckDone = (error: StageError | null, response?: Buffer) => void;

export type ReloadKind = "policy" | "trust_bundle";

export interface StageState {
  identityReady: boolean;
  policyReady: boolean;
  revision: string;
}

export interface ReloadOutcome {
  identity?: ReloadResult;
  policy: ReloadResult;
}

export interface StageEvents {
  /** Each decided Check (metrics). */
  onDecided(facts: DecidedFacts): void;
  /** A reload the stage performed on its own (file watching, bundle refresh) or was asked for. */
  onReload(kind: ReloadKind, result: ReloadResult): void;
  /** Readiness or revision changed for another reason (the decision thread failed or came back). */
  onState(): void;
}

export interface DecisionStage {
  /** Decides one Check; `started` is process.hrtime.bigint() when the call arrived. */
  check(request: Buffer, started: bigint, done: CheckDone): void;
  state(): StageState;
  cacheStats(): CacheStats | undefined;
  auditDropped(): number;
  /** Reloads trust bundles (when supported) then policy; reports through onReload too. */
  reload(): Promise<ReloadOutcome>;
  /** Resolves once every audit line of a Check answered so far has been handed to the OS. */
  flushAudit(): Promise<void>;
  /** After the last Check: closes the runtimes and flushes the audit output. */
  close(): Promise<void>;
}
