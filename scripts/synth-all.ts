import { mkdirSync, rmSync } from "node:fs";
import { createApp } from "../stacks/app-factory";
import { ConfigError } from "../config/errors";
import { environmentNames, loadEnvironment } from "../config/load";
import { readEnvironmentsFile } from "../config/read-file";
import type { EnvironmentConfig } from "../config/schema";
import { SYNTH_ROOT, environmentSynthDirectory } from "../contract/synth-layout";
import { createStacks } from "../stacks";

/*
 * Synthesizes every environment of environments.yaml into synth/<environment>/, the folder Terraform Cloud's
 * VCS-connected workspaces read (contract/synth-layout.ts). Environments run one after the other in this process:
 * each gets its own cdktf App, and Apps share no state. The whole folder is generated: it is deleted first so a
 * removed environment, stack or asset does not linger in the commit.
 */

function loadEveryEnvironment(path: string, today: string): { configs: EnvironmentConfig[]; warnings: string[] } {
  const { document, source } = readEnvironmentsFile(path);
  const loaded = environmentNames(document).map((name) => ({ name, ...loadEnvironment({ document, source, environment: name, today }) }));
  return {
    configs: loaded.map(({ config }) => config),
    warnings: loaded.flatMap(({ name, warnings }) => warnings.map((warning) => `${name}: ${warning}`)),
  };
}

function synthesizeEnvironment(config: EnvironmentConfig, all: readonly EnvironmentConfig[]): string {
  const outdir = environmentSynthDirectory(config.name);
  mkdirSync(outdir, { recursive: true });
  try {
    const app = createApp(outdir);
    createStacks(app, config, all);
    app.synth();
  } catch (error) {
    // A half-written folder would look like a synthesized environment to a commit or a Terraform Cloud run.
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
  return outdir;
}

function main(): void {
  const { configs, warnings } = loadEveryEnvironment("environments.yaml", new Date().toISOString().slice(0, 10));
  warnings.forEach((warning) => console.warn(`warning: ${warning}`));
  // Every environment loads before anything is deleted: a configuration error leaves the committed folder intact.
  rmSync(SYNTH_ROOT, { recursive: true, force: true });
  for (const config of configs) console.log(`synthesized ${config.name} → ${synthesizeEnvironment(config, configs)}`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
