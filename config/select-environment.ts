import { ConfigError } from "./errors";

/*
 * How every entry point picks the environment: the `--env` flag, else LANGFUSE_ENV, else dev. One helper, so
 * `npm run synth`, `cdktf deploy` and `npm run cost` never disagree about which environment they act on.
 */

/** The environment used when neither --env nor LANGFUSE_ENV names one. */
export const DEFAULT_ENVIRONMENT = "dev";

/** Which environment was chosen, and by what (named in the error when it does not exist). */
export interface EnvironmentSelection {
  readonly name: string;
  readonly selectedBy: "--env" | "LANGFUSE_ENV" | "default";
}

/** `--env` wins over LANGFUSE_ENV, which wins over dev. An empty LANGFUSE_ENV counts as unset; an empty --env is a mistake. */
export function selectEnvironment(flag: string | undefined, variable: string | undefined): EnvironmentSelection {
  if (flag !== undefined) {
    if (flag.trim() === "") throw new ConfigError("--env", flag, "give the name of an environment of environments.yaml, e.g. --env prod");
    return { name: flag, selectedBy: "--env" };
  }
  if (variable !== undefined && variable.trim() !== "") return { name: variable, selectedBy: "LANGFUSE_ENV" };
  return { name: DEFAULT_ENVIRONMENT, selectedBy: "default" };
}

/** The key an unknown-environment error names: what the user set, or LANGFUSE_ENV when nothing was. */
export function selectionKey(selection: EnvironmentSelection): string {
  return selection.selectedBy === "--env" ? "--env" : "LANGFUSE_ENV";
}
