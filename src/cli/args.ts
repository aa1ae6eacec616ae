/**
 * Command-line parsing for `serve`: --config FILE, --help, and one flag per configuration option
 * (--listen-address VALUE or --listen-address=VALUE; see src/config/sources.ts for the names).
 */
export interface ServeArgs {
  config?: string;
  help: boolean;
  flags: Array<[string, string]>;
}

export class UsageError extends Error {
  readonly code = "usage";
}

export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const out: ServeArgs = { help: false, flags: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      out.help = true;
      continue;
    }
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(0, eq) : a;
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      value = argv[++i];
    }
    if (name === "--config") out.config = value;
    else out.flags.push([name, value]);
  }
  return out;
}
