/**
 * The two load shapes over any unary caller: closed loop (a fixed number of calls in flight, each
 * finished call immediately replaced) and open loop (calls started on a fixed schedule whatever the
 * server does). Latency is counted from the actual send, and the open loop reports its worst send
 * lag. This module imports nothing heavy: the generator process loads only it, the h2 client and
 * stats (bench/generator-main.ts), so its heap stays small and its GC pauses short.
 */
import { type LatencySummary, Samples, summarize } from "./stats.js";

export type CallFn<T> = (req: T, done: (ok: boolean) => void) => void;

const nowMs = () => performance.now();

/** Runs `inFlight` concurrent call loops for warmupMs (not recorded) then durationMs (recorded). */
export function closedLoop<T>(
  call: CallFn<T>,
  requests: readonly T[],
  opts: { inFlight: number; warmupMs: number; durationMs: number; samples?: Samples },
): Promise<LatencySummary> {
  return new Promise((resolve) => {
    // With opts.samples, the recorded latencies are added there (rounds of one measurement).
    const samples = opts.samples ?? new Samples();
    let errors = 0;
    let next = 0;
    let active = 0;
    const t0 = nowMs();
    const measureFrom = t0 + opts.warmupMs;
    const end = measureFrom + opts.durationMs;
    const loop = () => {
      const started = nowMs();
      if (started >= end) {
        active--;
        if (active === 0) resolve(summarize(samples, opts.durationMs / 1000, errors));
        return;
      }
      const req = requests[next++ % requests.length];
      call(req, (ok) => {
        const finished = nowMs();
        if (started >= measureFrom && finished <= end) {
          if (ok) samples.add(finished - started);
          else errors++;
        }
        loop();
      });
    };
    for (let i = 0; i < opts.inFlight; i++) {
      active++;
      loop();
    }
  });
}

/** Starts `rps` calls per second for warmupMs then durationMs; waits for the last to finish. */
export function openLoop<T>(
  call: CallFn<T>,
  requests: readonly T[],
  opts: { rps: number; warmupMs: number; durationMs: number; samples?: Samples },
): Promise<LatencySummary & { maxLagMs: number }> {
  return new Promise((resolve) => {
    const samples = opts.samples ?? new Samples();
    let errors = 0;
    let sent = 0;
    let pending = 0;
    let stopped = false;
    let maxLagMs = 0;
    const t0 = nowMs();
    const total = Math.round(((opts.warmupMs + opts.durationMs) / 1000) * opts.rps);
    const warmupCalls = Math.round((opts.warmupMs / 1000) * opts.rps);
    const intervalMs = 1000 / opts.rps;
    const finish = () => {
      if (stopped && pending === 0)
        resolve({ ...summarize(samples, opts.durationMs / 1000, errors), maxLagMs });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((nowMs() - t0) / intervalMs) + 1);
      while (sent < due) {
        const index = sent++;
        const started = nowMs();
        const recorded = index >= warmupCalls;
        if (recorded) maxLagMs = Math.max(maxLagMs, started - (t0 + index * intervalMs));
        pending++;
        call(requests[index % requests.length], (ok) => {
          pending--;
          if (recorded) {
            if (ok) samples.add(nowMs() - started);
            else errors++;
          }
          finish();
        });
      }
      if (sent < total) setTimeout(tick, 1);
      else {
        stopped = true;
        finish();
      }
    };
    tick();
  });
}
