import { looksLikeSecret, redactedPlaceholder } from "./secrets";

/** A configuration mistake, reported before anything is synthesized: the key, the bad value and the fix. */
export class ConfigError extends Error {
  /** The value found at the key; a value that looks like a secret is replaced by a placeholder, never kept. */
  readonly value: unknown;

  constructor(
    /** Dotted path of the offending key, e.g. environments.prod.network.vpcCidr. */
    readonly key: string,
    value: unknown,
    /** What is wrong and how to fix it. */
    readonly fix: string,
  ) {
    const shown = looksLikeSecret(key, value) ? redactedPlaceholder(value) : value;
    // No value to show (a missing key, a file-level problem): the key and the fix say it all.
    super(shown === undefined ? `Invalid configuration: ${key}: ${fix}` : `Invalid configuration: ${key} = ${JSON.stringify(shown)}: ${fix}`);
    this.name = "ConfigError";
    this.value = shown;
  }
}
