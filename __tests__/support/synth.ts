import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { parse as parseYaml } from "yaml";
import { deepMerge, loadEnvironment } from "../../config/load";
import type { EnvironmentConfig } from "../../config/schema";
import { createStacks } from "../../stacks";

/** The synthesized Terraform JSON of one stack. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfJson = Record<string, any>;

export const TODAY = "2026-11-23";

const repositoryDocument = parseYaml(readFileSync(join(__dirname, "../../environments.yaml"), "utf8"));

/** An environment of the repository's environments.yaml, with optional overrides merged over it. */
export function environment(name: string, overrides: object = {}): EnvironmentConfig {
  const document = deepMerge(repositoryDocument, { environments: { [name]: overrides } });
  return loadEnvironment({ document, environment: name, today: TODAY }).config;
}

/** Loads an environment from a document given inline (for error tests). */
export function loadInline(document: object, name?: string) {
  return loadEnvironment({ document, environment: name, today: TODAY });
}

export interface SynthesizedStacks {
  readonly network: TfJson;
  readonly deps: TfJson;
  readonly app: TfJson;
  readonly workspaces: TfJson;
  /** The folder the app was synthesized into (assets live under it); removed by `cleanup`. */
  readonly outdir: string;
}

const cache = new Map<string, SynthesizedStacks>();

/**
 * Synthesizes every stack of `config` into a temporary folder and returns the parsed JSON. Results are cached per
 * configuration within a test file: synthesis is the slow part and the output is deterministic.
 */
export function synthesize(config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[] = [config]): SynthesizedStacks {
  const key = JSON.stringify([config, allEnvironments]);
  const cached = cache.get(key);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-synth-"));
  const app = new App({ outdir, skipBackendValidation: true });
  createStacks(app, config, allEnvironments);
  app.synth();
  const read = (stack: string): TfJson => JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
  const result = { network: read("network"), deps: read("deps"), app: read("app"), workspaces: read("workspaces"), outdir };
  cache.set(key, result);
  return result;
}

/** Removes every folder `synthesize` created; call from afterAll. */
export function cleanupSynth(): void {
  for (const { outdir } of cache.values()) rmSync(outdir, { recursive: true, force: true });
  cache.clear();
}

/** All resources of a type, by logical name. */
export function resources(stack: TfJson, type: string): Record<string, TfJson> {
  return stack.resource?.[type] ?? {};
}

/** The only resource of a type; fails when there is not exactly one. */
export function onlyResource(stack: TfJson, type: string): TfJson {
  const all = Object.values(resources(stack, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

export function dataSources(stack: TfJson, type: string): Record<string, TfJson> {
  return stack.data?.[type] ?? {};
}
