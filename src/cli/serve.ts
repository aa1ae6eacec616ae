/**
 * `wimse-authz serve [--config FILE] [--<option> VALUE ...]`: loads and validates the
 * configuration, prepares identity (demo PKI on first run when nothing is configured) and policy,
 * starts the service, and runs until SIGTERM/SIGINT (graceful drain, exit 0). SIGHUP reloads.
 * Resolves with the exit code once stopped.
 */
import { ConfigError } from "../config/errors.js";
import { loadConfig } from "../config/load.js";
import { OPTIONS } from "../config/schema.js";
import { envName, flagName } from "../config/sources.js";
import { TokenConfigError } from "../identity/tokens/index.js";
import { DecisionThreadError } from "../server/decision/thread.js";
import { missingLatencyFlags } from "../server/node-flags.js";
import { buildRuntimes } from "../server/runtime/index.js";
import { type RunningService, startService, startThreadedService } from "../server/service.js";
import { installSignalHandlers } from "../server/signals.js";
import { parseServeArgs, UsageError } from "./args.js";

function usage(): string {
  const lines = OPTIONS.map((o) => `  ${flagName(o.key).padEnd(44)} ${envName(o.key)}\n      ${o.doc}`);
  return `usage: wimse-authz serve [--config FILE] [options]

Every option can be set in the YAML file (key), as a flag, or in the environment; flags win over
the environment, which wins over the file. See README.md for the YAML keys.

  --config FILE                                WIMSE_AUTHZ_CONFIG
${lines.join("\n")}`;
}

export async function runServe(argv: string[]): Promise<number> {
  const log = (line: string) => process.stderr.write(`wimse-authz: ${line}\n`);
  let args: ReturnType<typeof parseServeArgs>;
  try {
    args = parseServeArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`serve: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ file: args.config, env: process.env, flags: args.flags });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let service: RunningService;
  try {
    service = config.decision.thread
      ? await startThreadedService(config, { log })
      : await startService(config, await buildRuntimes(config, log), { log });
  } catch (e) {
    if (e instanceof TokenConfigError || (e instanceof DecisionThreadError && e.usage)) {
      process.stderr.write(`config: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const state = service.state();
  log(
    `serving ext_authz on ${config.listen.address} (dial ${service.grpcAddress})` +
      (service.metricsPort !== undefined
        ? `, metrics on ${config.metrics.address}${config.metrics.path}`
        : "") +
      `, decisions on ${
        !config.decision.thread
          ? "the gRPC thread"
          : config.decision.inlineWhenIdle
            ? "a worker thread (on the gRPC thread while it is idle)"
            : "a worker thread"
      }` +
      `, policy revision ${state.revision || "none"}, health ${state.policyReady && state.identityReady ? "SERVING" : "NOT_SERVING"}`,
  );
  const missing = missingLatencyFlags();
  if (missing.length > 0) {
    log(
      `node was started without ${missing.join(" ")}: expect longer GC pauses under load (docs/performance.md); npm start, k8s/Dockerfile and docker-compose.yml pass them`,
    );
  }
  return new Promise<number>((resolve) => {
    installSignalHandlers(service, log, resolve);
  });
}
