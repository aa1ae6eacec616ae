/**
 * Policy evaluation alone, per decision, for the default policy with data.wimse.acl of growing
 * size (one grant per caller, the measured caller among them). The target: 100,000 entries within
 * 2 x the cost of 10 (an index, not a scan).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ENTRYPOINT, WasmPolicyEngine } from "../src/policy/engine.js";
import { regoDirectorySource } from "../src/policy/source.js";

export interface AclGrowthPoint {
  entries: number;
  /** Microseconds per evaluation (mean over the measured window). */
  usPerDecision: number;
  allowed: boolean;
  /** Set when the policy could not be loaded or evaluated at this size (no timing then). */
  error?: string;
}

const CALLER = "spiffe://demo.wimse-authz.local/ns/bench/sa/caller";
const BACKEND = "spiffe://demo.wimse-authz.local/ns/demo/sa/backend";

/**
 * data.wimse.acl in the default policy's format (an object keyed by the caller's full identifier,
 * each value its list of grants), every caller in the normal shape: one grant with a name, a
 * destination, two methods and a path. The measured caller is one of them, like any other.
 */
export function aclData(entries: number): unknown {
  const acl: Record<string, unknown[]> = {};
  for (let i = 0; i < entries - 1; i++) {
    acl[`spiffe://demo.wimse-authz.local/ns/bench/sa/workload-${i}`] = [
      {
        name: `workload-${i}-to-backend-api`,
        destination: BACKEND,
        methods: ["GET", "POST"],
        paths: ["/api"],
      },
    ];
  }
  acl[CALLER] = [{ name: "caller", destination: BACKEND, methods: ["GET", "POST"], paths: ["/api"] }];
  return { wimse: { open_paths: ["/healthz"], acl, trusted_domains: [] } };
}

const input = {
  attributes: {
    destination: { principal: BACKEND },
    request: {
      http: { method: "GET", path: "/api/orders/7?x=1", headers: { ":path": "/api/orders/7?x=1" } },
    },
  },
  identity: {
    id: CALLER,
    scheme: "spiffe",
    trustDomain: "demo.wimse-authz.local",
    path: "/ns/bench/sa/caller",
  },
};

export async function measureAclGrowth(
  policyDir: string,
  sizes: number[],
  ms: number,
): Promise<AclGrowthPoint[]> {
  const points: AclGrowthPoint[] = [];
  for (const entries of sizes) {
    const dir = mkdtempSync(join(tmpdir(), "wimse-acl-"));
    try {
      copyFileSync(join(policyDir, "envoy/authz.rego"), join(dir, "authz.rego"));
      writeFileSync(join(dir, "data.json"), JSON.stringify(aclData(entries)));
      let loadError = "";
      const engine = await WasmPolicyEngine.start({
        source: regoDirectorySource(dir, [DEFAULT_ENTRYPOINT]),
        entrypoint: DEFAULT_ENTRYPOINT,
        listener: {
          onReload(e) {
            if (!e.ok) loadError = `${e.error?.code}: ${e.error?.message}`;
          },
        },
      });
      if (!engine.ready) {
        engine.close();
        points.push({
          entries,
          usPerDecision: Number.NaN,
          allowed: false,
          error: `load failed: ${loadError}`,
        });
        continue;
      }
      const first = engine.evaluate(input);
      if (first.kind !== "decision") {
        engine.close();
        points.push({
          entries,
          usPerDecision: Number.NaN,
          allowed: false,
          error: `${first.code}: ${first.message}`,
        });
        continue;
      }
      let n = 0;
      const start = performance.now();
      let now = start;
      while (now - start < ms || n < 3) {
        engine.evaluate(input);
        n++;
        now = performance.now();
      }
      engine.close();
      points.push({ entries, usPerDecision: ((now - start) * 1000) / n, allowed: first.decision.allowed });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return points;
}
