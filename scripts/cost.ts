import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadAllEnvironments } from "../config/load";
import { selectEnvironment, selectionKey } from "../config/select-environment";
import { estimate } from "./cost/estimate";
import { loadPrices } from "./cost/prices";
import { formatReport } from "./cost/report";
import { readSynthesizedEnvironment, type SynthesizedStack } from "./cost/synthesized";
import { nodeCounts } from "./cost/node-counts";
import { planCapacity } from "../config/capacity/plan";
import type { EnvironmentConfig } from "../config/schema";
import { runCli } from "./cli";

/*
 * npm run cost -- [--env dev|prod] [--dir <synthesized environment folder>] [--prices <file>] [--json]
 * Prints the monthly estimate of one environment: --env, else LANGFUSE_ENV, else dev (as `npm run synth`).
 * Without --dir the environment is synthesized from the current code into a temporary folder; --dir synth/prod reads
 * the committed output instead. Node groups are priced at the node count the capacity model needs at baseline
 * (config/capacity), and the total once more at max scale.
 */

const USAGE = "usage: npm run cost -- [--env <environment>] [--dir <synth/<environment>>] [--prices <file>] [--json]";

function synthesizeToTemporaryFolder(selected: EnvironmentConfig, all: readonly EnvironmentConfig[]): SynthesizedStack[] {
  // Loaded only to synthesize: --dir and a configuration error need none of cdktf and the provider bindings.
  // require, not import(): the .ts loader of the npm scripts (scripts/register-ts.cjs) hooks CommonJS only.
  const { createStacks } = require("../stacks") as typeof import("../stacks");
  const { createApp } = require("../stacks/app-factory") as typeof import("../stacks/app-factory");
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-cost-"));
  try {
    const app = createApp(outdir);
    createStacks(app, selected, all);
    app.synth();
    return readSynthesizedEnvironment(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function main(): void {
  const { values } = parseArgs({
    options: { env: { type: "string" }, dir: { type: "string" }, prices: { type: "string" }, json: { type: "boolean", default: false } },
  });
  const today = new Date().toISOString().slice(0, 10);
  const selection = selectEnvironment(values.env, process.env.LANGFUSE_ENV);
  const { selected, all } = loadAllEnvironments("environments.yaml", selection.name, today, selectionKey(selection));
  const stacks = values.dir ? readSynthesizedEnvironment(values.dir) : synthesizeToTemporaryFolder(selected, all);
  // Node groups are priced at the nodes the capacity model needs (at least minSize), and once more at max scale.
  const counts = nodeCounts(selected, planCapacity(selected));
  const prices = loadPrices(values.prices);
  const result = estimate(stacks, { environment: selection.name, prices, today, nodeCounts: counts.baseline });
  const atMax = estimate(stacks, { environment: selection.name, prices, today, nodeCounts: counts.max });
  process.stdout.write(values.json ? `${JSON.stringify({ ...result, atMaxScale: atMax }, null, 2)}\n` : formatReport(result, atMax));
}

runCli(main, USAGE);
