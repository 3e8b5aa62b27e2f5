import { parseArgs } from "node:util";
import { planCapacity } from "../config/capacity/plan";
import { loadAllEnvironments } from "../config/load";
import { selectEnvironment, selectionKey } from "../config/select-environment";
import { formatCapacity } from "./capacity/report";
import { runCli } from "./cli";

/*
 * npm run capacity -- [--env <environment>] [--json]
 * Prints, per node group, the pods' requests against the nodes' allocatable at baseline and at max replicas, and the
 * nodes needed. The environment is --env, else LANGFUSE_ENV, else dev. Reads environments.yaml only: no synth, no AWS.
 */

const USAGE = "usage: npm run capacity -- [--env <environment>] [--json]   (or LANGFUSE_ENV=<environment> npm run capacity)";

/** What the command prints for `args`, the environment being --env, else `langfuseEnv`, else dev, of `environmentsFile`. */
export function capacityCommand(args: string[], langfuseEnv: string | undefined, environmentsFile = "environments.yaml"): string {
  const { values } = parseArgs({ args, options: { env: { type: "string" }, json: { type: "boolean", default: false } } });
  const selection = selectEnvironment(values.env, langfuseEnv);
  const { selected } = loadAllEnvironments(environmentsFile, selection.name, new Date().toISOString().slice(0, 10), selectionKey(selection));
  const plan = planCapacity(selected);
  return values.json ? `${JSON.stringify(plan, null, 2)}\n` : formatCapacity(plan);
}

function main(): void {
  process.stdout.write(capacityCommand(process.argv.slice(2), process.env.LANGFUSE_ENV));
}

if (require.main === module) runCli(main, USAGE);
