/**
 * Prometheus metrics (prom-client), served on their own HTTP listener so that the gRPC port only
 * speaks ext_authz. One registry per service instance (tests run several in one process).
 */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AuditRecord } from "../audit/record.js";

export interface CacheStats {
  hits: number;
  misses: number;
}

export type ReloadKind = "policy" | "trust_bundle";

export class Metrics {
  readonly registry = new Registry();
  private readonly checks: Counter<"decision" | "reason">;
  private readonly latency: Histogram<"decision">;
  private readonly reloadTime: Gauge<"kind">;
  private readonly reloadOk: Gauge<"kind">;
  private readonly reloadFailures: Counter<"kind">;
  private readonly revision: Gauge<"revision">;
  private readonly auditDropped: Gauge;

  constructor(opts: { cacheStats?: () => CacheStats; auditDropped?: () => number } = {}) {
    const registers = [this.registry];
    this.checks = new Counter({
      name: "wimse_authz_checks_total",
      help: "Check calls by decision (allow, deny, dry-run-deny) and reason code",
      labelNames: ["decision", "reason"],
      registers,
    });
    this.latency = new Histogram({
      name: "wimse_authz_check_duration_seconds",
      help: "Time spent deciding one Check",
      labelNames: ["decision"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    });
    const stats = opts.cacheStats;
    let seen: CacheStats = { hits: 0, misses: 0 };
    const catchUp = () => {
      if (!stats) return;
      const now = stats();
      if (now.hits > seen.hits) hits.inc(now.hits - seen.hits);
      if (now.misses > seen.misses) misses.inc(now.misses - seen.misses);
      seen = { ...now };
    };
    const hits = new Counter({
      name: "wimse_authz_identity_cache_hits_total",
      help: "Identity verification cache hits",
      registers,
      collect: catchUp,
    });
    const misses = new Counter({
      name: "wimse_authz_identity_cache_misses_total",
      help: "Identity verification cache misses",
      registers,
      collect: catchUp,
    });
    this.reloadTime = new Gauge({
      name: "wimse_authz_last_reload_timestamp_seconds",
      help: "Time of the last policy or trust-bundle (re)load attempt",
      labelNames: ["kind"],
      registers,
    });
    this.reloadOk = new Gauge({
      name: "wimse_authz_last_reload_success",
      help: "1 when the last policy or trust-bundle (re)load succeeded, 0 when it failed",
      labelNames: ["kind"],
      registers,
    });
    this.reloadFailures = new Counter({
      name: "wimse_authz_reload_failures_total",
      help: "Policy or trust-bundle (re)loads that failed (the last good one stayed in force)",
      labelNames: ["kind"],
      registers,
    });
    this.revision = new Gauge({
      name: "wimse_authz_policy_revision_info",
      help: "The policy revision in force (value 1)",
      labelNames: ["revision"],
      registers,
    });
    const dropped = opts.auditDropped;
    this.auditDropped = new Gauge({
      name: "wimse_authz_audit_dropped_lines",
      help: "Audit lines dropped because the audit output could not keep up",
      registers,
      collect() {
        this.set(dropped ? dropped() : 0);
      },
    });
    void this.auditDropped;
  }

  /**
   * Label-bound children, looked up once per label combination: prom-client otherwise hashes the
   * label object on every observation. Bounded by the (small, fixed) sets of decisions and reason codes.
   */
  private readonly checkChildren = new Map<string, { inc(): void }>();
  private readonly latencyChildren = new Map<string, { observe(v: number): void }>();

  observeCheck(record: Pick<AuditRecord, "decision" | "reason_code" | "latency_ms">): void {
    const key = `${record.decision}\u0000${record.reason_code}`;
    let count = this.checkChildren.get(key);
    if (!count) {
      count = this.checks.labels({ decision: record.decision, reason: record.reason_code });
      this.checkChildren.set(key, count);
    }
    count.inc();
    let latency = this.latencyChildren.get(record.decision);
    if (!latency) {
      latency = this.latency.labels({ decision: record.decision });
      this.latencyChildren.set(record.decision, latency);
    }
    latency.observe(record.latency_ms / 1000);
  }

  observeReload(kind: ReloadKind, ok: boolean, at = Date.now()): void {
    this.reloadTime.set({ kind }, at / 1000);
    this.reloadOk.set({ kind }, ok ? 1 : 0);
    if (!ok) this.reloadFailures.inc({ kind });
    else this.reloadFailures.inc({ kind }, 0);
  }

  setRevision(revision: string): void {
    this.revision.reset();
    this.revision.set({ revision }, 1);
  }
}

/** Serves the registry on address (host:port) and path; resolves with the bound port. */
export async function serveMetrics(
  metrics: Metrics,
  address: string,
  path: string,
): Promise<{ server: Server; port: number }> {
  const i = address.lastIndexOf(":");
  const host = address.slice(0, i).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(i + 1));
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== path) {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host === "" ? undefined : host, () => resolve());
  });
  const a = server.address();
  return { server, port: typeof a === "object" && a ? a.port : port };
}
