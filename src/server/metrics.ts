/**
 * Prometheus metrics (prom-client), served on their own HTTP listener so that the gRPC port only
 * speaks ext_authz. One registry per service instance (tests run several in one process).
 *
 * The per-Check figures (checks by decision and reason, decision latency) are tallied in plain
 * counters on the gRPC thread and handed to the registry only when it is collected (a scrape):
 * prom-client's own observe and inc hash and validate the labels on every call, ~9 µs per Check
 * on the gRPC thread at 1000 Checks/s (docs/performance.md).
 */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, type Metric, Registry } from "prom-client";
import type { AuditRecord } from "../audit/record.js";

/** Upper bounds of the decision latency histogram, in seconds. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
];

interface LatencyTally {
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * The decision latency histogram, as a metric the registry reads (name, help, type, get, reset):
 * observe() is two additions and a short bucket search.
 */
class LatencyHistogram {
  readonly name = "wimse_authz_check_duration_seconds";
  readonly help = "Time spent deciding one Check";
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly tallies = new Map<string, LatencyTally>();

  observe(decision: string, seconds: number): void {
    let t = this.tallies.get(decision);
    if (!t) {
      t = { counts: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.tallies.set(decision, t);
    }
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[b] as number)) b++;
    t.counts[b] = (t.counts[b] as number) + 1;
    t.sum += seconds;
    t.count++;
  }

  async get() {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const decision of [...this.tallies.keys()].sort()) {
      const t = this.tallies.get(decision) as LatencyTally;
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += t.counts[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, decision }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: "+Inf", decision }, value: t.count });
      values.push({ metricName: `${this.name}_sum`, labels: { decision }, value: t.sum });
      values.push({ metricName: `${this.name}_count`, labels: { decision }, value: t.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.tallies.clear();
  }
}

export interface CacheStats {
  hits: number;
  misses: number;
}

export type ReloadKind = "policy" | "trust_bundle";

export class Metrics {
  readonly registry = new Registry();
  /**
   * Checks by decision and reason not yet added to wimse_authz_checks_total (they are, when it is
   * collected).
   */
  private readonly uncounted = new Map<string, Map<string, number>>();
  private readonly latency = new LatencyHistogram();
  private readonly reloadTime: Gauge<"kind">;
  private readonly reloadOk: Gauge<"kind">;
  private readonly reloadFailures: Counter<"kind">;
  private readonly revision: Gauge<"revision">;
  private readonly auditDropped: Gauge;

  constructor(opts: { cacheStats?: () => CacheStats; auditDropped?: () => number } = {}) {
    const registers = [this.registry];
    const uncounted = this.uncounted;
    new Counter({
      name: "wimse_authz_checks_total",
      help: "Check calls by decision (allow, deny, dry-run-deny) and reason code",
      labelNames: ["decision", "reason"],
      registers,
      collect() {
        for (const [decision, reasons] of uncounted) {
          for (const [reason, n] of reasons) this.inc({ decision, reason }, n);
        }
        uncounted.clear();
      },
    });
    this.registry.registerMetric(this.latency as unknown as Metric);
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

  /** One Check decided. Bounded by the (small, fixed) sets of decisions and reason codes. */
  observeCheck(record: Pick<AuditRecord, "decision" | "reason_code" | "latency_ms">): void {
    let reasons = this.uncounted.get(record.decision);
    if (!reasons) {
      reasons = new Map();
      this.uncounted.set(record.decision, reasons);
    }
    reasons.set(record.reason_code, (reasons.get(record.reason_code) ?? 0) + 1);
    this.latency.observe(record.decision, record.latency_ms / 1000);
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
