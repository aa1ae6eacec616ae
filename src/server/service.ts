/**
 * The running service: wires config, identity and policy runtimes, the checker, audit, metrics,
 * health and the gRPC listener together, and owns their lifecycle (start, reload, graceful stop).
 */
import { lstatSync, unlinkSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import type { ChannelOptions, Server } from "@grpc/grpc-js";
import { type AuditSink, openAuditSink } from "../audit/sink.js";
import type { Config } from "../config/types.js";
import { createChecker } from "../extauthz/check.js";
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
  readonly audit: AuditSink;
  /** Reloads policy (and trust bundles when the identity runtime supports it). */
  reload(): Promise<ReloadResult>;
  /** Graceful stop: NOT_SERVING, no new calls, in-flight calls finish (bounded by shutdown.grace_ms). */
  stop(): Promise<void>;
}

export async function startService(
  config: Config,
  runtimes: Runtimes,
  opts: ServiceOptions = {},
): Promise<RunningService> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const health = new HealthState();
  const audit = opts.audit ?? openAuditSink(config.audit.output);
  const metrics = new Metrics({
    cacheStats: runtimes.identity.cacheStats?.bind(runtimes.identity),
    auditDropped: () => audit.dropped,
  });
  let draining = false;
  const refreshHealth = () => {
    if (draining) return;
    health.setAll(runtimes.identity.ready && runtimes.policy.ready ? Serving.SERVING : Serving.NOT_SERVING);
  };
  metrics.observeReload("policy", runtimes.policy.ready);
  metrics.observeReload("trust_bundle", runtimes.identity.ready);
  metrics.setRevision(runtimes.policy.revision);
  const onPolicyReload = (r: ReloadResult) => {
    metrics.observeReload("policy", r.ok);
    metrics.setRevision(r.revision);
    log(
      r.ok
        ? `policy: loaded revision ${r.revision}`
        : `policy: reload failed, keeping ${r.revision || "none"}: ${r.error}`,
    );
    refreshHealth();
  };
  const onIdentityReload = (r: ReloadResult) => {
    metrics.observeReload("trust_bundle", r.ok);
    if (!r.ok) log(`identity: trust bundle reload failed: ${r.error}`);
    refreshHealth();
  };
  runtimes.policy.onReload?.(onPolicyReload);
  runtimes.identity.onReload?.(onIdentityReload);

  const checker = createChecker({
    authenticator: runtimes.identity,
    tokens: runtimes.tokens,
    policy: runtimes.policy,
    settings: {
      limits: config.request,
      identityOptional: config.identity.optional,
      identityHeaders: config.decision.headers,
      dryRun: config.decision.dryRun,
      denyStatus: config.decision.denyStatus,
      identityFailureStatus: config.decision.identityFailureStatus,
      skipBodyParse: config.request.skipBodyParse,
      tokens: { caller: config.tokens.caller, requireTransport: config.tokens.requireTransport },
    },
  });
  const server = createGrpcServer({
    config,
    grpcOptions: opts.grpcOptions,
    checker,
    health,
    onResult: (r) => {
      audit.write(r.audit);
      metrics.observeCheck(r.audit);
    },
  });
  const port = await bind(server, config);
  let metricsServer: HttpServer | undefined;
  let metricsPort: number | undefined;
  if (config.metrics.address !== "") {
    const m = await serveMetrics(metrics, config.metrics.address, config.metrics.path);
    metricsServer = m.server;
    metricsPort = m.port;
  }
  refreshHealth();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      health.setAll(Serving.NOT_SERVING);
      health.closeWatches();
      await shutdownGrpc(server, config.shutdown.graceMs, log);
      if (metricsServer) await new Promise<void>((r) => metricsServer?.close(() => r()));
      await runtimes.policy.close?.();
      await runtimes.identity.close?.();
      await runtimes.tokens?.close?.();
      await audit.close();
    })();
    return stopping;
  };

  return {
    grpcAddress: boundAddress(config.listen.address, port),
    metricsPort,
    health,
    metrics,
    audit,
    async reload() {
      if (runtimes.identity.reload) onIdentityReload(await runtimes.identity.reload());
      const r = await runtimes.policy.reload();
      onPolicyReload(r);
      return r;
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
