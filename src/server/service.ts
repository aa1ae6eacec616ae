/**
 * The running service: wires config, the decision stage (identity and policy runtimes, the checker,
 * audit; in this thread or on the decision thread), metrics, health and the gRPC listener together,
 * and owns their lifecycle (start, reload, graceful stop).
 */
import { lstatSync, unlinkSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import type { ChannelOptions, Server } from "@grpc/grpc-js";
import { type AuditSink, openAuditSink } from "../audit/sink.js";
import type { Config } from "../config/types.js";
import { localStage } from "./decision/local.js";
import type { DecisionStage, ReloadKind, StageEvents, StageState } from "./decision/stage.js";
import { startInlineDecider } from "./decision/inline.js";
import { startDecisionThread } from "./decision/thread.js";
import { createGrpcServer } from "./grpc-server.js";
import { HealthState, Serving } from "./health.js";
import { boundAddress } from "./listen-address.js";
import { serverCredentials } from "./listener-tls.js";
import { Metrics, serveMetrics } from "./metrics.js";
import type { ReloadResult, Runtimes } from "./ports.js";

export interface ServiceOptions {
  /** Audit sink (default: config.audit.output). */
  audit?: AuditSink;
  /** Operational log lines (default: stderr). Audit lines never go here. */
  log?: (line: string) => void;
  /** Extra grpc-js server options (see createGrpcServer). */
  grpcOptions?: ChannelOptions;
}

export interface RunningService {
  /** Address to dial: "127.0.0.1:PORT" or "unix:///path". */
  readonly grpcAddress: string;
  /** Bound metrics port (undefined when metrics are disabled). */
  readonly metricsPort: number | undefined;
  readonly health: HealthState;
  readonly metrics: Metrics;
  /** Resolves once the audit lines of every Check answered so far are written. */
  flushAudit(): Promise<void>;
  /** Readiness and policy revision of the decision stage. */
  state(): StageState;
  /** Reloads policy (and trust bundles when the identity runtime supports it). */
  reload(): Promise<ReloadResult>;
  /** Graceful stop: NOT_SERVING, no new calls, in-flight calls finish (bounded by shutdown.grace_ms). */
  stop(): Promise<void>;
}

/** The service with the decision stage in this thread, over the runtimes given (tests, the demo). */
export function startService(
  config: Config,
  runtimes: Runtimes,
  opts: ServiceOptions = {},
): Promise<RunningService> {
  const audit = opts.audit ?? openAuditSink(config.audit.output);
  return run(config, opts, async (events) => localStage(config, runtimes, audit, events));
}

/**
 * The service with the decision stage on its own worker thread, which builds the runtimes from the
 * configuration and writes the audit lines (`serve`). Rejects with DecisionThreadError when the
 * runtimes cannot be built.
 */
export function startThreadedService(
  config: Config,
  opts: Omit<ServiceOptions, "audit"> = {},
): Promise<RunningService> {
  return run(config, opts, (events, log) =>
    startDecisionThread(config, events, log, {
      inline: config.decision.inlineWhenIdle ? (o) => startInlineDecider(config, o) : undefined,
    }),
  );
}

const defaultLog = (line: string) => process.stderr.write(`${line}\n`);

async function run(
  config: Config,
  opts: ServiceOptions,
  startStage: (events: StageEvents, log: (line: string) => void) => Promise<DecisionStage>,
): Promise<RunningService> {
  const log = opts.log ?? defaultLog;
  const health = new HealthState();
  let stage: DecisionStage | undefined;
  const metrics = new Metrics({
    cacheStats: () => stage?.cacheStats() ?? { hits: 0, misses: 0 },
    auditDropped: () => stage?.auditDropped() ?? 0,
  });
  let draining = false;
  const refreshHealth = () => {
    if (draining || !stage) return;
    const s = stage.state();
    health.setAll(s.identityReady && s.policyReady ? Serving.SERVING : Serving.NOT_SERVING);
  };
  const onReload = (kind: ReloadKind, r: ReloadResult) => {
    metrics.observeReload(kind, r.ok);
    if (kind === "policy") {
      metrics.setRevision(r.revision);
      log(
        r.ok
          ? `policy: loaded revision ${r.revision}`
          : `policy: reload failed, keeping ${r.revision || "none"}: ${r.error}`,
      );
    } else if (!r.ok) {
      log(`identity: trust bundle reload failed: ${r.error}`);
    }
    refreshHealth();
  };
  stage = await startStage(
    { onDecided: (facts) => metrics.observeCheck(facts), onReload, onState: refreshHealth },
    log,
  );
  const initial = stage.state();
  metrics.observeReload("policy", initial.policyReady);
  metrics.observeReload("trust_bundle", initial.identityReady);
  metrics.setRevision(initial.revision);

  const server = createGrpcServer({ config, grpcOptions: opts.grpcOptions, stage, health });
  let port: number;
  try {
    port = await bind(server, config);
  } catch (e) {
    await stage.close();
    throw e;
  }
  let metricsServer: HttpServer | undefined;
  let metricsPort: number | undefined;
  if (config.metrics.address !== "") {
    const m = await serveMetrics(metrics, config.metrics.address, config.metrics.path);
    metricsServer = m.server;
    metricsPort = m.port;
  }
  refreshHealth();
  const running = stage;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      health.setAll(Serving.NOT_SERVING);
      health.closeWatches();
      await shutdownGrpc(server, config.shutdown.graceMs, log);
      if (metricsServer) await new Promise<void>((r) => metricsServer?.close(() => r()));
      await running.close();
    })();
    return stopping;
  };

  return {
    grpcAddress: boundAddress(config.listen.address, port),
    metricsPort,
    health,
    metrics,
    flushAudit: () => running.flushAudit(),
    state: () => running.state(),
    async reload() {
      return (await running.reload()).policy;
    },
    stop,
  };
}

async function bind(server: Server, config: Config): Promise<number> {
  const address = config.listen.address;
  if (address.startsWith("unix://")) removeStaleSocket(address.slice("unix://".length));
  return new Promise((resolve, reject) => {
    server.bindAsync(address, serverCredentials(config.listen.tls), (err, port) => {
      if (err) reject(new Error(`listen.address: cannot listen on ${address}: ${err.message}`));
      else resolve(port);
    });
  });
}

/** A socket file left by a previous run would make bind fail; other file types are left alone. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Absent: nothing to remove.
  }
}

async function shutdownGrpc(server: Server, graceMs: number, log: (l: string) => void): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log(`shutdown: in-flight calls still open after ${graceMs} ms, forcing`);
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
