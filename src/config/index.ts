export { ConfigError } from "./errors.js";
export { type ConfigSources, loadConfig } from "./load.js";
export { OPTIONS, type OptionSpec } from "./schema.js";
export { ENV_CONFIG_FILE, envName, flagName } from "./sources.js";
export type { Config, IdentityOptionalRule, ListenTlsConfig, TrustDomainEntry } from "./types.js";
