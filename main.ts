import { parseArgs } from "node:util";
import { ConfigError } from "./config/errors";
import { loadAllEnvironments } from "./config/load";
import { selectEnvironment, selectionKey } from "./config/select-environment";
import { clearSynthOutput, synthSummary } from "./stacks/synth-output";

// The only place the process environment is read: --env, else LANGFUSE_ENV, else dev selects the environment;
// LANGFUSE_CONFIG names another environments file (the tests point it at their own); CDKTF_OUTDIR (set by the
// cdktf CLI) is where the App writes.
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";

async function main(): Promise<void> {
  clearSynthOutput(outdir);
  const { values } = parseArgs({ options: { env: { type: "string" } } });
  const selection = selectEnvironment(values.env, process.env.LANGFUSE_ENV);
  const { selected, all, warnings } = loadAllEnvironments(process.env.LANGFUSE_CONFIG ?? "environments.yaml", selection.name, new Date().toISOString().slice(0, 10), selectionKey(selection));
  warnings.forEach((warning) => console.warn(`warning: ${warning}`));
  // Loaded after the configuration: a configuration error is reported without loading every provider binding.
  // require, not import(): the app command's .ts loader (scripts/register-ts.cjs) hooks CommonJS only.
  const { createStacks } = require("./stacks") as typeof import("./stacks");
  const { createApp } = require("./stacks/app-factory") as typeof import("./stacks/app-factory");
  const app = createApp(outdir);
  const stacks = createStacks(app, selected, all);
  app.synth();
  console.log(synthSummary(selected, Object.keys(stacks), outdir, warnings.length));
}

main().catch((error: unknown) => {
  clearSynthOutput(outdir);
  if (error instanceof ConfigError || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
});
