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

function main(): void {
  const { values } = parseArgs({ options: { env: { type: "string" }, json: { type: "boolean", default: false } } });
  const selection = selectEnvironment(values.env, process.env.LANGFUSE_ENV);
  const { selected } = loadAllEnvironments("environments.yaml", selection.name, new Date().toISOString().slice(0, 10), selectionKey(selection));
  const plan = planCapacity(selected);
  process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : formatCapacity(plan));
}

runCli(main, USAGE);
