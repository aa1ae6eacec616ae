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
import { timeLoop } from "./components.js";

export interface AclGrowthPoint {
  entries: number;
  /** Microseconds per evaluation (mean over the measured window). */
  usPerDecision: number;
  allowed: boolean;
  /** Size of the data.json written for this size. */
  dataBytes: number;
  /** Set when the policy could not be loaded or evaluated at this size (no timing then). */
  error?: string;
}

const MAX_DATA_BYTES = 256 * 1024 * 1024;

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

/**
 * Loads one engine per size, then measures them in interleaved rounds (size A, B, C, A, B, C ...)
 * and keeps each size's median round: on a shared machine, a burst of other work then hits one
 * round of every size rather than all of one size's measurement. `ms` is the total per size.
 */
export async function measureAclGrowth(
  policyDir: string,
  sizes: number[],
  ms: number,
  rounds = 9,
): Promise<AclGrowthPoint[]> {
  const points: AclGrowthPoint[] = [];
  const engines: Array<{ point: AclGrowthPoint; engine: WasmPolicyEngine; rounds: number[] }> = [];
  try {
    for (const entries of sizes) {
      const dir = mkdtempSync(join(tmpdir(), "wimse-acl-"));
      try {
        copyFileSync(join(policyDir, "envoy/authz.rego"), join(dir, "authz.rego"));
        const text = JSON.stringify(aclData(entries));
        const dataBytes = Buffer.byteLength(text);
        writeFileSync(join(dir, "data.json"), text);
        let loadError = "";
        const engine = await WasmPolicyEngine.start({
          // The module's evaluation itself: an equal input reused would measure a Map lookup.
          reuseDecisions: false,
          // The normal shape of 100,000 callers is ~21 MB: above the 16 MiB default of
          // policy.max_file_bytes, so the bench raises it as an operator would.
          source: regoDirectorySource(dir, [DEFAULT_ENTRYPOINT], { maxFileBytes: MAX_DATA_BYTES }),
          entrypoint: DEFAULT_ENTRYPOINT,
          listener: {
            onReload(e) {
              if (!e.ok) loadError = `${e.error?.code}: ${e.error?.message}`;
            },
          },
        });
        const point: AclGrowthPoint = { entries, usPerDecision: Number.NaN, allowed: false, dataBytes };
        points.push(point);
        if (!engine.ready) {
          engine.close();
          point.error = `load failed: ${loadError}`;
          continue;
        }
        const first = engine.evaluate(input);
        if (first.kind !== "decision" || !first.decision.allowed) {
          engine.close();
          // The caller's own grant must allow it: a denial here means the data or policy is wrong.
          point.error =
            first.kind === "decision"
              ? "the caller's grant did not allow"
              : `${first.code}: ${first.message}`;
          continue;
        }
        point.allowed = true;
        engines.push({ point, engine, rounds: [] });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (const e of engines) e.rounds.push(timeLoop(ms / rounds, 50, () => e.engine.evaluate(input)));
    }
    for (const e of engines) e.point.usPerDecision = median(e.rounds);
  } finally {
    for (const e of engines) e.engine.close();
  }
  return points;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
