/**
 * Load generators over one gRPC channel: closed loop (a fixed number of calls in flight, each
 * finished call immediately replaced) and open loop (calls started on a fixed schedule whatever the
 * server does). The generator runs in its own process, so a stalled server does not delay the
 * schedule; latency is counted from the actual send and the worst send lag is reported.
 */
import { Client, credentials, type ServiceError } from "@grpc/grpc-js";
import { AuthorizationService, CheckRequest } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { connectH2, grpcFrame } from "./h2-client.js";
import { type LatencySummary, Samples, summarize } from "./stats.js";

export type CallFn<T> = (req: T, done: (ok: boolean) => void) => void;

/** Requests encoded once, so that the generator spends its time on calls, not on protobuf encoding. */
export function encodeRequests(requests: readonly CheckRequest[]): Buffer[] {
  return requests.map((r) => Buffer.from(CheckRequest.encode(r).finish()));
}

/**
 * Check over a plain grpc-js Client with pre-encoded requests; the response is not decoded (a
 * call counts as successful when its gRPC status is OK; the answers were verified beforehand).
 */
export function rawCheckCaller(client: Client): CallFn<Buffer> {
  const path = AuthorizationService.check.path;
  const same = (b: Buffer) => b;
  return (req, done) =>
    client.makeUnaryRequest(path, same, same, req, (err: ServiceError | null) => done(err === null));
}

/** Which client the generator drives the servers with (both servers always get the same one). */
export type ClientKind = "h2" | "grpc-js";

export interface LoadClient {
  call: CallFn<Buffer>;
  /** The requests in the form `call` takes (protobuf, framed for h2). */
  bodies: Buffer[];
  close(): void;
}

/**
 * A Check caller over one connection to `address`: "h2" (default: the lean node:http2 client,
 * bench/h2-client.ts) or "grpc-js" (a grpc-js Client with pre-encoded requests).
 */
export async function openLoadClient(
  kind: ClientKind,
  address: string,
  encoded: readonly Buffer[],
): Promise<LoadClient> {
  if (kind === "h2") {
    const h2 = await connectH2(address);
    return {
      call: h2.caller(AuthorizationService.check.path),
      bodies: encoded.map(grpcFrame),
      close: () => h2.close(),
    };
  }
  const client = new Client(address, credentials.createInsecure());
  return { call: rawCheckCaller(client), bodies: [...encoded], close: () => client.close() };
}

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
