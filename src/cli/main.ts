#!/usr/bin/env node
/**
 * The `wimse-authz` command: `serve` (the ext_authz service), and `build`, `test`, `certs`, `demo`
 * (implemented in their own modules, loaded on demand so that one missing module only disables
 * its own subcommand).
 */
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const USAGE = `usage: wimse-authz <command> [options]

commands:
  serve     run the Envoy ext_authz gRPC service (default: 0.0.0.0:9191, demo PKI, policies/)
  build     compile a directory of Rego policies into an OPA Wasm bundle
  test      run Rego policy tests
  certs     write a demo PKI (X.509 and WIT issuer keys)
  tokens    mint a WIT and a WPT (or HTTP signature) for a demo workload, as curl headers
  demo      local demo without Docker: real mTLS calls, decisions and audit lines
options:
  --help       this help (or \`wimse-authz <command> --help\`)
  --version    print the version`;

type Runner = (argv: string[]) => Promise<number>;

/** command -> [module next to this file, exported runner]. Loaded by a computed specifier so that
 *  a module another area has not shipped yet only disables its own command. */
const COMMANDS: Record<string, [string, string]> = {
  serve: ["./serve.js", "runServe"],
  build: ["./build.js", "runBuild"],
  test: ["./test.js", "runTest"],
  certs: ["./certs.js", "runCerts"],
  tokens: ["./tokens.js", "runTokens"],
  demo: ["../demo/run.js", "runDemo"],
};

async function loadRunner(specifier: string, name: string): Promise<Runner | undefined> {
  const mod = (await import(specifier)) as Record<string, unknown>;
  const run = mod[name];
  return typeof run === "function" ? (run as Runner) : undefined;
}

export function version(): string {
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`wimse-authz ${version()}\n`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) {
    process.stderr.write(`wimse-authz: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
    return 2;
  }
  let run: Runner | undefined;
  try {
    run = await loadRunner(entry[0], entry[1]);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND") {
      process.stderr.write(
        `wimse-authz ${command}: this command is not available in this build (${(e as Error).message})\n`,
      );
      return 2;
    }
    throw e;
  }
  if (run === undefined) {
    process.stderr.write(`wimse-authz ${command}: this command is not available in this build\n`);
    return 2;
  }
  return run(rest);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const command = process.argv[2];
  main(process.argv.slice(2)).then(
    (code) => {
      // serve resolves only once it has drained and flushed; exit even if a watcher lingers.
      if (command === "serve") process.exit(code);
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`wimse-authz: ${e.stack ?? e.message}\n`);
      process.exitCode = 1;
    },
  );
}
