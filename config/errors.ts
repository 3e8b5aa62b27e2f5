/** A configuration mistake, reported before anything is synthesized: the key, the bad value and the fix. */
export class ConfigError extends Error {
  constructor(
    /** Dotted path of the offending key, e.g. environments.prod.network.vpcCidr. */
    readonly key: string,
    /** The value found there. */
    readonly value: unknown,
    /** What is wrong and how to fix it. */
    readonly fix: string,
  ) {
    super(`Invalid configuration: ${key} = ${JSON.stringify(value)}: ${fix}`);
    this.name = "ConfigError";
  }
}
