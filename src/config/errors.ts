/** A configuration problem, naming the offending key: `config: listen.address: expected ...`. */
export class ConfigError extends Error {
  readonly code = "config_invalid";
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`config: ${key}: ${problem}`);
    this.name = "ConfigError";
  }
}
