import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { TerraformStack } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { loadAllEnvironments } from "../config/load";
import type { EnvironmentConfig } from "../config/schema";
import { createStacks } from "../stacks";
import { createApp, validateApp } from "../stacks/app-factory";
import { filesUnder } from "./support/files";
import { cleanupSynth, environment, FIXTURE_ENVIRONMENTS_FILE, synthesize, synthesizeApp, synthesizeStackAlone } from "./support/synth";

afterAll(cleanupSynth);

const REPOSITORY = join(__dirname, "..");
const outdirs: string[] = [];
afterAll(() => outdirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The app command of cdktf.json (what `cdktf synth` and `cdktf deploy` run), as program and arguments. */
const APP_COMMAND: string[] = JSON.parse(readFileSync(join(REPOSITORY, "cdktf.json"), "utf8")).app.split(" ");

/**
 * Runs the app command in a fresh process, from the repository root, as cdktf does (nothing shared with this
 * process), on the test-owned environments file; returns what it printed.
 */
function runApp(env: NodeJS.ProcessEnv): string {
  const [program, ...args] = APP_COMMAND;
  expect(program, "the app command starts Node itself, not npx: npx costs a second per synth").toBe("node");
  return String(execFileSync(process.execPath, args, { cwd: REPOSITORY, env: { LANGFUSE_CONFIG: FIXTURE_ENVIRONMENTS_FILE, ...env }, stdio: "pipe" }));
}

/** What each real synth printed on stdout, by output folder. */
const printed = new Map<string, string>();

/** A real synth into a new folder. */
function synthInto(name: string, env: NodeJS.ProcessEnv): string {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-determinism-"));
  outdirs.push(outdir);
  printed.set(outdir, runApp({ ...env, LANGFUSE_ENV: name, CDKTF_OUTDIR: outdir }));
  return outdir;
}

/** A synth of `config` (and `all` for the workspaces stack) in this process, into a new folder, never cached. */
function synthInProcess(config: EnvironmentConfig, all: readonly EnvironmentConfig[]): string {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-determinism-"));
  outdirs.push(outdir);
  const app = createApp(outdir);
  createStacks(app, config, all);
  app.synth();
  return outdir;
}

/**
 * The two synths compared for `name`. dev: the fresh process's (`freshDev`) and main.ts's steps in this process (the
 * environments file, today's date, every environment); half the CPU of a second fresh process, which mostly loads
 * cdktf and the providers again. prod: the synth other test files of the run read (synthesizeApp, made earlier in
 * this process or another) and a new one of the same configuration.
 */
function twoSynths(name: "dev" | "prod", freshDev: string): [string, string] {
  if (name === "dev") {
    const { selected, all } = loadAllEnvironments(FIXTURE_ENVIRONMENTS_FILE, name, new Date().toISOString().slice(0, 10), "LANGFUSE_ENV");
    return [freshDev, synthInProcess(selected, all)];
  }
  const prod = environment(name);
  return [synthesizeApp(prod), synthInProcess(prod, [prod])];
}

/** The two folders hold the same files, byte for byte. */
function expectSameFiles(first: string, second: string): void {
  const a = filesUnder(first);
  const b = filesUnder(second);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [path, bytes] of a) expect(bytes.equals(b.get(path)!), path).toBe(true);
}

/** PATH holds only Node's own folder: cdktf's backend validation would fail looking for `terraform`. */
const NODE_ONLY = { HOME: process.env.HOME, PATH: dirname(process.execPath) };

describe("npm run synth", () => {
  // The one synth in a fresh process (each costs as much CPU as a dozen tests), with nothing but Node on PATH.
  const firstDev = synthInto("dev", NODE_ONLY);

  it("synthesizes stacks named network, deps, app and workspaces", () => {
    expect(readdirSync(join(firstDev, "stacks")).sort()).toEqual(["app", "deps", "network", "workspaces"]);
  });

  it("says in one line what it wrote: environment, stacks, folder and warnings", () => {
    expect(printed.get(firstDev)).toBe(`synthesized dev (us-east-1, dev profile): network, deps, app, workspaces → ${join(firstDev, "stacks")}; no warnings\n`);
  });

  it("declares the deploy order network → deps → app", () => {
    const manifest = JSON.parse(readFileSync(join(firstDev, "manifest.json"), "utf8"));
    expect(manifest.stacks.deps.dependencies).toEqual(["network"]);
    expect(manifest.stacks.app.dependencies).toEqual(["deps"]);
    expect(manifest.stacks.network.dependencies).toEqual([]);
  });

  // dev's second synth runs in this process: output that depends on the process (its loader, paths, time,
  // randomness) differs as much between a fresh process and this one as between two fresh processes. Such a
  // dependency shows in dev already; prod's own code paths are compared over two synths here.
  it.each(["dev", "prod"] as const)("produces byte-identical output, assets included, when %s is synthesized twice", (name) => {
    const [first, second] = twoSynths(name, firstDev);
    expect(filesUnder(first).size).toBeGreaterThan(4);
    expectSameFiles(first, second);
  });

  it("needs nothing but Node: no terraform binary on PATH", () => {
    expect(readdirSync(join(firstDev, "stacks")).sort()).toEqual(["app", "deps", "network", "workspaces"]);
  });

  it("fails with the configuration error and nothing else when LANGFUSE_ENV is unknown", () => {
    let stderr = "";
    try {
      runApp({ ...process.env, LANGFUSE_ENV: "staging" });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr.trim()).toBe(`Invalid configuration: LANGFUSE_ENV = "staging": unknown environment; choose one of dev, prod or add it under 'environments' in environments.yaml`);
  });
});

describe("validation of the app", () => {
  it("throws when a stack uses a provider it does not configure", () => {
    const app = createApp();
    new S3Bucket(new TerraformStack(app, "bare"), "bucket", { bucket: "example" });
    expect(() => validateApp(app)).toThrow(/\[bare\] Found resources without a matching provider construct.*aws/);
  });
});

describe("each stack of an environment", () => {
  // The tests synthesize only the stacks they read (synthesize() in support/synth.ts): that is sound only while a
  // stack's JSON does not depend on the stacks beside it.
  it.each(["network", "deps", "app", "workspaces"] as const)("synthesizes %s alone byte for byte as within the whole app, assets included", (stack) => {
    const prod = environment("prod");
    const whole = join(synthesizeApp(prod), "stacks", stack);
    expect(filesUnder(whole).has("cdk.tf.json")).toBe(true);
    expectSameFiles(whole, synthesizeStackAlone(stack, prod));
  });

  it.each(["network", "deps", "app"] as const)("keeps %s in its own Terraform Cloud workspace <prefix>-<env>-<stack>", (stack) => {
    const json = synthesize(environment("prod"))[stack];
    expect(json.terraform.cloud).toEqual({
      hostname: "app.terraform.io",
      organization: "my-org",
      workspaces: { name: `langfuse-prod-${stack}`, project: "langfuse" },
    });
  });

  it("tags every AWS resource with the environment and stack through the provider's default tags", () => {
    const json = synthesize(environment("prod")).deps;
    expect(json.provider.aws[0].default_tags[0].tags).toMatchObject({ Environment: "prod", Stack: "deps", Project: "langfuse" });
    expect(json.provider.aws[0].region).toBe("us-east-1");
  });

  it("uses the region of the environment", () => {
    const json = synthesize(environment("dev", { region: "eu-west-1" })).network;
    expect(json.provider.aws[0].region).toBe("eu-west-1");
  });

  it("uses an S3 backend with native locking when configured", () => {
    const json = synthesize(environment("dev", { backend: { type: "s3", bucket: "acme-tf-state", region: "eu-west-1", keyPrefix: "langfuse" } })).network;
    expect(json.terraform.cloud).toBeUndefined();
    expect(json.terraform.backend.s3).toEqual({ bucket: "acme-tf-state", key: "langfuse/langfuse-dev-network.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true });
  });

  it("uses a local backend relative to the repository when configured", () => {
    const stacks = synthesize(environment("dev", { backend: { type: "local", directory: "state" } }));
    expect(stacks.deps.terraform.backend.local.path).toBe("../../../state/langfuse-dev-deps.tfstate");
    expect(stacks.app.data.terraform_remote_state["upstream-deps"].config.path).toBe("../../../state/langfuse-dev-deps.tfstate");
  });

  it("configures the tfe provider only where upstream outputs are read", () => {
    const stacks = synthesize(environment("dev"));
    expect(stacks.network.provider.tfe).toBeUndefined();
    expect(stacks.deps.provider.tfe).toBeDefined();
    expect(stacks.app.provider.tfe).toBeDefined();
  });
});
