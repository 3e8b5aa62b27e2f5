import { createHash } from "node:crypto";
import { Testing } from "cdktf";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../stacks/app-factory";
import type { EnvironmentConfig } from "../../config/schema";
import { createStacks } from "../../stacks";
import { WorkspacesStack } from "../../stacks/workspaces-stack";

/** The synthesized Terraform JSON of one stack. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfJson = Record<string, any>;

export { environment, FIXTURE_ENVIRONMENTS_FILE, loadInline, TODAY } from "./environments";

export interface SynthesizedStacks {
  readonly network: TfJson;
  readonly deps: TfJson;
  readonly app: TfJson;
  readonly workspaces: TfJson;
  /** The folder the app was synthesized into (assets live under it); removed by `cleanup`. */
  readonly outdir: string;
}

/** Set by __tests__/support/global-setup.ts: a folder shared by every test worker of one run. */
const SHARED_CACHE = process.env.LANGFUSE_TEST_SYNTH_CACHE;

const cache = new Map<string, SynthesizedStacks>();
const privateDirectories: string[] = [];

function readStacks(outdir: string): SynthesizedStacks {
  const read = (stack: string): TfJson => JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
  return { network: read("network"), deps: read("deps"), app: read("app"), workspaces: read("workspaces"), outdir };
}

function synthesizeInto(outdir: string, config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[]): void {
  const app = createApp(outdir);
  createStacks(app, config, allEnvironments);
  app.synth();
}

/**
 * Synthesizes every stack of `config` and returns the parsed JSON. Synthesis is the slow part and its output is
 * deterministic, so results are cached per configuration: in memory, and on disk for the whole run when the
 * global setup provides a shared folder (test files in other workers then reuse it).
 */
export function synthesize(config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[] = [config]): SynthesizedStacks {
  const key = createHash("sha256").update(JSON.stringify([config, allEnvironments])).digest("hex").slice(0, 24);
  const cached = cache.get(key);
  if (cached) return cached;
  let outdir: string;
  if (SHARED_CACHE) {
    outdir = join(SHARED_CACHE, key);
    if (!existsSync(outdir)) {
      // Two workers may build the same configuration at once: each writes aside, the first rename wins.
      const partial = mkdtempSync(join(SHARED_CACHE, `${key}-partial-`));
      synthesizeInto(partial, config, allEnvironments);
      try {
        renameSync(partial, outdir);
      } catch {
        rmSync(partial, { recursive: true, force: true });
      }
    }
  } else {
    outdir = mkdtempSync(join(tmpdir(), "langfuse-synth-"));
    privateDirectories.push(outdir);
    synthesizeInto(outdir, config, allEnvironments);
  }
  const result = readStacks(outdir);
  cache.set(key, result);
  return result;
}

/**
 * The workspaces stack alone, for `environments`: it depends on nothing else, so the other stacks need not be
 * synthesized. Its app's folder is removed by `cleanupSynth`.
 */
export function synthesizeWorkspaces(environments: readonly EnvironmentConfig[]): TfJson {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-workspaces-"));
  privateDirectories.push(outdir);
  return JSON.parse(Testing.synth(new WorkspacesStack(createApp(outdir), environments)));
}

/** Removes the folders `synthesize` created outside the shared cache; call from afterAll. */
export function cleanupSynth(): void {
  for (const outdir of privateDirectories.splice(0)) rmSync(outdir, { recursive: true, force: true });
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
