/**
 * Load generators over one gRPC channel: closed loop (a fixed number of calls in flight, each
 * finished call immediately replaced) and open loop (calls started on a fixed schedule whatever the
 * server does). The generator runs in its own process, so a stalled server does not delay the
 * schedule; latency is counted from the actual send and the worst send lag is reported.
 */
import type { ServiceError } from "@grpc/grpc-js";
import type {
  AuthorizationClient,
  CheckRequest,
  CheckResponse,
} from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { type LatencySummary, Samples, summarize } from "./stats.js";

export type CallFn = (req: CheckRequest, done: (ok: boolean) => void) => void;

export function checkCaller(client: AuthorizationClient): CallFn {
  return (req, done) =>
    client.check(req, (err: ServiceError | null, res?: CheckResponse) =>
      done(err === null && res !== undefined),
    );
}

const nowMs = () => performance.now();

/** Runs `inFlight` concurrent call loops for warmupMs (not recorded) then durationMs (recorded). */
export function closedLoop(
  call: CallFn,
  requests: readonly CheckRequest[],
  opts: { inFlight: number; warmupMs: number; durationMs: number },
): Promise<LatencySummary> {
  return new Promise((resolve) => {
    const samples = new Samples();
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
export function openLoop(
  call: CallFn,
  requests: readonly CheckRequest[],
  opts: { rps: number; warmupMs: number; durationMs: number },
): Promise<LatencySummary & { maxLagMs: number }> {
  return new Promise((resolve) => {
    const samples = new Samples();
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
