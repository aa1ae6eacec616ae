/** Shared helpers of bench/profile*.ts: CPU time per call, and A/B comparisons under the same load. */
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import { collectHeaders } from "../src/extauthz/headers.js";
import { type ParsedTarget, parseTarget } from "../src/extauthz/path.js";
import { RequestRejection } from "../src/extauthz/reasons.js";
import type { CheckRequest } from "../src/gen/envoy/service/auth/v3/external_auth.js";
import { loadIdentityRuntime, loadPolicyRuntime } from "./servers.js";
import { buildWorkload } from "./workload.js";

/**
 * Calls fn over the items for about `ms` milliseconds of this process's CPU time; CPU microseconds
 * per call (CPU time rather than wall time: the bench machine is shared, and a descheduled process
 * would otherwise be charged for others' work).
 */
export function perCall<T>(items: readonly T[], ms: number, fn: (item: T) => unknown): number {
  let n = 0;
  const c0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  let used = 0;
  while (used < ms) {
    for (let i = 0; i < 200; i++) fn(items[n++ % items.length] as T);
    used = cpuMs();
  }
  return (used * 1000) / n;
}

/**
 * A against B on the same items, alternating batches of 200 calls so that both see the same
 * machine load; CPU microseconds per call of each.
 */
export function abCompare<T>(
  items: readonly T[],
  ms: number,
  a: (item: T) => unknown,
  b: (item: T) => unknown,
): [number, number] {
  const spent = [0, 0];
  const calls = [0, 0];
  let n = 0;
  while (spent[0] + spent[1] < ms * 1000) {
    for (const [k, fn] of [a, b].entries()) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < 200; i++) fn(items[(n + i) % items.length] as T);
      const c = process.cpuUsage(c0);
      spent[k] += c.user + c.system;
      calls[k] += 200;
    }
    n += 200;
  }
  return [spent[0] / calls[0], spent[1] / calls[1]];
}

/**
 * The service's identity and policy runtimes over the bench workload (bench/workload.ts), as
 * `serve` builds them: the default policy in policies/, the workload's trust files written to
 * `dir`. Throws when the trust files or the policy do not load.
 */
export async function profileRuntimes(root: string, dir: string, identities: number) {
  const workload = await buildWorkload(dir, identities);
  const config = loadConfig({ env: {}, flags: [["--policy-dir", join(root, "policies")]] });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const identity = await loadIdentityRuntime(config.identity, workload, log);
  const policy = await loadPolicyRuntime(config.policy, log);
  return { workload, config, identity, policy };
}

type Runtimes = Awaited<ReturnType<typeof profileRuntimes>>;

/**
 * The stages before the policy input, run once per request as the checker runs them: headers,
 * path and query, identity. Throws on a request the bench should never produce.
 */
export function prepareStages(
  request: CheckRequest,
  { config, identity }: Pick<Runtimes, "config" | "identity">,
) {
  const http = request.attributes?.request?.http;
  if (!http) throw new Error("profile: request without http");
  const headers = collectHeaders(http, config.request);
  const target = parseTarget(http.path);
  if (headers instanceof RequestRejection || target instanceof RequestRejection)
    throw new Error("profile: request rejected");
  const auth = identity.authenticate({ sourceCertificate: request.attributes?.source?.certificate, headers });
  return { request, headers, target: target as ParsedTarget, auth, http };
}
