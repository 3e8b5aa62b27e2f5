import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../stacks/app-factory";
import { ConfigError } from "../config/errors";
import { loadAllEnvironments } from "../config/load";
import { createStacks } from "../stacks";
import { estimate } from "./cost/estimate";
import { loadPrices } from "./cost/prices";
import { formatReport } from "./cost/report";
import { readSynthesizedEnvironment, type SynthesizedStack } from "./cost/synthesized";

/*
 * npm run cost -- [--env dev|prod] [--dir <synthesized environment folder>] [--prices <file>] [--json]
 * Prints the monthly estimate of one environment. Without --dir the environment is synthesized from the current
 * code into a temporary folder; --dir synth/prod reads the committed output instead.
 */

const USAGE = "usage: npm run cost -- [--env <environment>] [--dir <synth/<environment>>] [--prices <file>] [--json]";

function synthesizeToTemporaryFolder(environment: string, today: string): SynthesizedStack[] {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-cost-"));
  try {
    const { selected, all } = loadAllEnvironments("environments.yaml", environment, today);
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
    options: { env: { type: "string", default: "dev" }, dir: { type: "string" }, prices: { type: "string" }, json: { type: "boolean", default: false } },
  });
  const today = new Date().toISOString().slice(0, 10);
  const environment = values.env ?? "dev";
  const stacks = values.dir ? readSynthesizedEnvironment(values.dir) : synthesizeToTemporaryFolder(environment, today);
  const result = estimate(stacks, { environment, prices: loadPrices(values.prices), today });
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result));
}

try {
  main();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else if (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
    console.error(`${error.message}\n${USAGE}`);
  } else {
    throw error;
  }
  process.exit(1);
}
