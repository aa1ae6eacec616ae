/**
 * A service process for lifecycle tests: real server, config from flags, test-double runtimes
 * (a request to /slow keeps its Check busy for 400 ms), signal handlers as in `serve`.
 * Prints "READY <address>" on stderr once listening.
 */
import { openAuditSink } from "../../../src/audit/sink.js";
import { loadConfig } from "../../../src/config/load.js";
import { startService } from "../../../src/server/service.js";
import { installSignalHandlers } from "../../../src/server/signals.js";
import type { EvaluationOutcome } from "../../../src/policy/types.js";
import { decision, FakeIdentity, ScriptedPolicy } from "./doubles.js";

const flags: Array<[string, string]> = [];
const argv = process.argv.slice(2);
for (let i = 0; i + 1 < argv.length; i += 2) flags.push([argv[i], argv[i + 1]]);
const config = loadConfig({ env: {}, flags });
const policy: ScriptedPolicy = new ScriptedPolicy((input): EvaluationOutcome => {
  const path = ((input.attributes as { request?: { http?: { path?: string } } }).request?.http?.path ??
    "") as string;
  if (path === "/slow") {
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // busy: the Check is in flight
    }
  }
  return { kind: "decision", decision: decision({ allowed: true }), revision: `rev-${policy.reloads + 1}` };
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const service = await startService(
  config,
  { identity: new FakeIdentity(), policy },
  { audit: openAuditSink(config.audit.output), log },
);
installSignalHandlers(service, log);
log(`READY ${service.grpcAddress}`);
