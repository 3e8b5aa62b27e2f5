import { createHash } from "node:crypto";
import { Testing } from "cdktf";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, validateApp } from "../../stacks/app-factory";
import type { EnvironmentConfig } from "../../config/schema";
import { createStacks } from "../../stacks";
import { AppStack } from "../../stacks/app-stack";
import { DepsStack } from "../../stacks/deps-stack";
import { NetworkStack } from "../../stacks/network-stack";
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
  /** The folder the whole app was synthesized into (assets live under it); removed by `cleanup`. */
  readonly outdir: string;
  /**
   * The folder of one stack's synthesized files: its cdk.tf.json and its assets (paths in the JSON are relative to
   * it), without synthesizing the other stacks.
   */
  stackFolder(name: StackName): string;
}

export type StackName = "network" | "deps" | "app" | "workspaces";

/** Set by __tests__/support/global-setup.ts: a folder shared by every test worker of one run. */
const SHARED_CACHE = process.env.LANGFUSE_TEST_RUN_DIR;

const stackCache = new Map<string, TfJson>();
const appCache = new Map<string, string>();
const privateDirectories: string[] = [];

const keyOf = (...parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 24);

/**
 * A folder holding what `build` writes, made once per key: in the run's shared folder when the global setup provides
 * one (test files in other workers then reuse it), else in a private one. Two workers may build the same key at
 * once: each writes aside, the first rename wins.
 */
function builtOnce(key: string, build: (outdir: string) => void): string {
  if (!SHARED_CACHE) {
    const outdir = mkdtempSync(join(tmpdir(), "langfuse-synth-"));
    privateDirectories.push(outdir);
    build(outdir);
    return outdir;
  }
  const outdir = join(SHARED_CACHE, key);
  if (!existsSync(outdir)) {
    const partial = mkdtempSync(join(SHARED_CACHE, `${key}-partial-`));
    build(partial);
    try {
      renameSync(partial, outdir);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return outdir;
}

const readStack = (outdir: string, stack: StackName): TfJson => JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));

/**
 * One stack in an app of its own. Stacks share nothing but declared outputs (read through tfe_outputs), so its
 * JSON is the one the whole app writes for it (stacks.test.ts compares the two); only the manifest's deploy order
 * is missing, which no test of a single stack reads.
 */
function synthesizeStackInto(outdir: string, stack: StackName, config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[]): void {
  const app = createApp(outdir);
  if (stack === "network") new NetworkStack(app, config);
  else if (stack === "deps") new DepsStack(app, config);
  else if (stack === "app") new AppStack(app, config);
  else new WorkspacesStack(app, allEnvironments);
  validateApp(app);
  app.synth();
}

/**
 * One stack of `config` synthesized alone, uncached, into a new folder: what `synthesize` relies on, for the test that
 * compares it. Returns the stack's folder (its cdk.tf.json and assets).
 */
export function synthesizeStackAlone(stack: StackName, config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[] = [config]): string {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-stack-"));
  privateDirectories.push(outdir);
  synthesizeStackInto(outdir, stack, config, allEnvironments);
  return join(outdir, "stacks", stack);
}

/**
 * The whole app of `config` (every stack, the manifest and the assets) synthesized into a folder, once per
 * configuration; cleaned up by `cleanupSynth`.
 */
export function synthesizeApp(config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[] = [config]): string {
  const key = keyOf("app", config, allEnvironments);
  let outdir = appCache.get(key);
  if (!outdir) {
    outdir = builtOnce(key, (into) => {
      const app = createApp(into);
      createStacks(app, config, allEnvironments);
      app.synth();
    });
    appCache.set(key, outdir);
  }
  return outdir;
}

/**
 * The synthesized JSON of each stack of `config`, each synthesized when first read: a test reading the app stack
 * does not pay for the other three. Synthesis is the slow part and its output is deterministic, so each stack is
 * cached per configuration (the workspaces stack per set of environments, the only input it has), in memory and on
 * disk for the whole run; a stack of an app already synthesized whole is read from it.
 */
export function synthesize(config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[] = [config]): SynthesizedStacks {
  const appKey = keyOf("app", config, allEnvironments);
  const stackKey = (name: StackName) => (name === "workspaces" ? keyOf(name, allEnvironments) : keyOf(name, config));
  const outdirHolding = (name: StackName): string =>
    appCache.get(appKey) ??
    (SHARED_CACHE && existsSync(join(SHARED_CACHE, appKey)) ? join(SHARED_CACHE, appKey) : builtOnce(stackKey(name), (into) => synthesizeStackInto(into, name, config, allEnvironments)));
  const stack = (name: StackName): TfJson => {
    const key = stackKey(name);
    let json = stackCache.get(key);
    if (!json) {
      json = readStack(outdirHolding(name), name);
      stackCache.set(key, json);
    }
    return json;
  };
  return {
    get network() {
      return stack("network");
    },
    get deps() {
      return stack("deps");
    },
    get app() {
      return stack("app");
    },
    get workspaces() {
      return stack("workspaces");
    },
    get outdir() {
      return synthesizeApp(config, allEnvironments);
    },
    stackFolder: (name) => join(outdirHolding(name), "stacks", name),
  };
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
  stackCache.clear();
  appCache.clear();
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
