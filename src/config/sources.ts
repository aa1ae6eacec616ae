/**
 * Names of an option in the environment and on the command line, and parsing of the string form
 * both use: `listen.address` <-> WIMSE_AUTHZ_LISTEN_ADDRESS <-> --listen-address.
 */
import { ConfigError } from "./errors.js";
import { OPTIONS, type OptionSpec } from "./schema.js";

export const ENV_PREFIX = "WIMSE_AUTHZ_";
/** Environment variable naming the config file (not an option itself). */
export const ENV_CONFIG_FILE = `${ENV_PREFIX}CONFIG`;

export function envName(key: string): string {
  return ENV_PREFIX + key.replace(/\./g, "_").toUpperCase();
}

export function flagName(key: string): string {
  return `--${key.replace(/[._]/g, "-")}`;
}

const byFlag = new Map(OPTIONS.map((o) => [flagName(o.key), o]));
const byEnv = new Map(OPTIONS.map((o) => [envName(o.key), o]));

export function optionForFlag(flag: string): OptionSpec | undefined {
  return byFlag.get(flag);
}

export function optionForEnv(name: string): OptionSpec | undefined {
  return byEnv.get(name);
}

/** Parses the string form of a value (environment, flags). */
export function parseText(spec: OptionSpec, text: string): unknown {
  switch (spec.type) {
    case "string":
      return text;
    case "int": {
      if (!/^-?\d+$/.test(text.trim()))
        throw new ConfigError(spec.key, `expected an integer, got ${JSON.stringify(text)}`);
      return Number(text.trim());
    }
    case "bool": {
      const t = text.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(t)) return true;
      if (["false", "0", "no", "off"].includes(t)) return false;
      throw new ConfigError(spec.key, `expected true or false, got ${JSON.stringify(text)}`);
    }
    case "list":
      return text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ConfigError(spec.key, "expected JSON text");
      }
  }
}
