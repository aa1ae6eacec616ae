/**
 * The decision stage in the gRPC thread, over runtimes passed in (tests' doubles, the demo):
 * decode, check, encode, then audit and metrics once the answer is on its way.
 */
import type { AuditSink } from "../../audit/sink.js";
import type { Config } from "../../config/types.js";
import type { ReloadResult, Runtimes } from "../ports.js";
import { checkerFor, type Decided, internalError, isStageError, rawDecider } from "./decide.js";
import type { DecisionStage, ReloadKind, StageEvents } from "./stage.js";

export function localStage(
  config: Config,
  runtimes: Runtimes,
  audit: AuditSink,
  events: StageEvents,
): DecisionStage {
  const decide = rawDecider(checkerFor(config, runtimes));
  const report = (kind: ReloadKind) => (r: Parameters<StageEvents["onReload"]>[1]) =>
    events.onReload(kind, r);
  runtimes.policy.onReload?.(report("policy"));
  runtimes.identity.onReload?.(report("trust_bundle"));
  const deliver = (d: Decided, done: Parameters<DecisionStage["check"]>[2]) => {
    // Answer first, then audit and metrics: same CPU, shorter latency.
    done(null, d.bytes);
    audit.write(d.result.audit);
    events.onDecided(d.result.audit);
  };
  return {
    check(request, started, done) {
      let out: ReturnType<typeof decide>;
      try {
        out = decide(request, started);
      } catch (e) {
        done(internalError(e));
        return;
      }
      if (out instanceof Promise) {
        out.then(
          (d) => deliver(d, done),
          (e: unknown) => done(internalError(e)),
        );
      } else if (isStageError(out)) {
        done(out);
      } else {
        deliver(out, done);
      }
    },
    state: () => ({
      identityReady: runtimes.identity.ready,
      policyReady: runtimes.policy.ready,
      revision: runtimes.policy.revision,
    }),
    cacheStats: () => runtimes.identity.cacheStats?.(),
    auditDropped: () => audit.dropped,
    async reload() {
      let identity: ReloadResult | undefined;
      if (runtimes.identity.reload) {
        identity = await runtimes.identity.reload();
        events.onReload("trust_bundle", identity);
      }
      const policy = await runtimes.policy.reload();
      events.onReload("policy", policy);
      return { identity, policy };
    },
    flushAudit: () => audit.flush(),
    async close() {
      await runtimes.policy.close?.();
      await runtimes.identity.close?.();
      await runtimes.tokens?.close?.();
      await audit.close();
    },
  };
}
