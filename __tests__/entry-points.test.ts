import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { selectEnvironment, selectionKey } from "../config/select-environment";
import { clearSynthOutput, synthSummary } from "../stacks/synth-output";
import { configErrorOf } from "./support/errors";
import { loadInline } from "./support/synth";
import { NODE_TS_ARGS } from "./support/node-ts";

/*
 * What a user sees from `npm run synth` and `npm run cost`: which environment they act on, one line per
 * configuration error (no stack trace), and a synth output folder that never holds stale files.
 */

const REPOSITORY = join(__dirname, "..");
const folders: string[] = [];
afterAll(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** A working directory holding `environmentsYaml` as environments.yaml (test-owned, never the user's file). */
function workingDirectory(environmentsYaml?: string): string {
  const folder = mkdtempSync(join(tmpdir(), "langfuse-entry-"));
  folders.push(folder);
  if (environmentsYaml !== undefined) writeFileSync(join(folder, "environments.yaml"), environmentsYaml);
  return folder;
}

function run(script: string, cwd: string, args: string[] = [], env: Record<string, string> = {}) {
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  const result = spawnSync(process.execPath, [...NODE_TS_ARGS, join(REPOSITORY, script), ...args], { cwd, env: { ...base, ...env }, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const VALID = "environments:\n  dev:\n    profile: dev\n  prod:\n    profile: dev\n";

describe("environment selection (one rule for every script)", () => {
  it("takes --env over LANGFUSE_ENV over dev", () => {
    expect(selectEnvironment("prod", "staging")).toEqual({ name: "prod", selectedBy: "--env" });
    expect(selectEnvironment(undefined, "staging")).toEqual({ name: "staging", selectedBy: "LANGFUSE_ENV" });
    expect(selectEnvironment(undefined, undefined)).toEqual({ name: "dev", selectedBy: "default" });
    expect(selectEnvironment(undefined, "  ")).toEqual({ name: "dev", selectedBy: "default" });
  });

  it("refuses an empty --env and names the flag an unknown environment came from", () => {
    expect(configErrorOf(() => selectEnvironment("", undefined)).key).toBe("--env");
    expect(selectionKey(selectEnvironment("x", "y"))).toBe("--env");
    expect(selectionKey(selectEnvironment(undefined, "y"))).toBe("LANGFUSE_ENV");
  });
});

describe("npm run synth on a bad configuration", () => {
  // One process for a configuration error: every ConfigError the loader throws (file, YAML, schema) takes the same
  // path through main.ts, and config-*.test.ts covers each of them in-process.
  it("prints one line for a configuration error and exits 1, without a stack trace", () => {
    const { status, stdout, stderr } = run("main.ts", workingDirectory("environments:\n  dev:\n    cluster: { kubernetesVersion: 1.30 }\n"));
    expect(status).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: .*write it in quotes \(kubernetesVersion: "1\.30"\)/);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("names --env when the flag selects an unknown environment", () => {
    const { status, stderr } = run("main.ts", workingDirectory(VALID), ["--env", "staging"], { LANGFUSE_ENV: "prod" });
    expect(status).toBe(1);
    expect(stderr.trim()).toBe(`Invalid configuration: --env = "staging": unknown environment; choose one of dev, prod or add it under 'environments' in environments.yaml`);
  });

  it("removes an older, complete-looking output when it fails, keeping Terraform's init cache", () => {
    const cwd = workingDirectory("environments: {}\n");
    const stack = join(cwd, "cdktf.out/stacks/app");
    mkdirSync(join(stack, "assets/cleanup"), { recursive: true });
    mkdirSync(join(stack, ".terraform"));
    writeFileSync(join(cwd, "cdktf.out/manifest.json"), "{}");
    writeFileSync(join(stack, "cdk.tf.json"), "{}");
    expect(run("main.ts", cwd).status).toBe(1);
    expect(existsSync(join(cwd, "cdktf.out/manifest.json"))).toBe(false);
    expect(readdirSync(stack)).toEqual([".terraform"]);
  });
});

describe("npm run cost picks the environment as npm run synth does", () => {
  it("names LANGFUSE_ENV when that selects an unknown environment", () => {
    const { status, stderr } = run("scripts/cost.ts", workingDirectory(VALID), [], { LANGFUSE_ENV: "staging" });
    expect(status).toBe(1);
    expect(stderr.trim()).toMatch(/^Invalid configuration: LANGFUSE_ENV = "staging": unknown environment/);
    // runCli's way with a configuration error, for every script that uses it: one line, no stack trace.
    expect(stderr).not.toMatch(/^\s+at /m);
  });

});

describe("the synth output folder", () => {
  it("keeps no stack, asset or manifest of the environment synthesized before (switching environments)", () => {
    const outdir = workingDirectory();
    for (const stack of ["network", "app"]) {
      mkdirSync(join(outdir, "stacks", stack, "assets/prod-only-asset"), { recursive: true });
      writeFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "{}");
    }
    mkdirSync(join(outdir, "stacks/network/.terraform/providers"), { recursive: true });
    writeFileSync(join(outdir, "stacks/network/.terraform.lock.hcl"), "");
    writeFileSync(join(outdir, "manifest.json"), "{}");
    writeFileSync(join(outdir, "unrelated.txt"), "kept");
    clearSynthOutput(outdir);
    expect(readdirSync(outdir).sort()).toEqual(["stacks", "unrelated.txt"]);
    expect(readdirSync(join(outdir, "stacks"))).toEqual(["network"]);
    expect(readdirSync(join(outdir, "stacks/network")).sort()).toEqual([".terraform", ".terraform.lock.hcl"]);
  });

  it("is left alone when it does not exist", () => {
    expect(() => clearSynthOutput(join(workingDirectory(), "cdktf.out"))).not.toThrow();
  });

  it("is described in one line after a successful synth", () => {
    const summary = synthSummary(loadInline({ environments: { dev: { region: "us-east-1" } } }).config, ["network", "deps", "app", "workspaces"], "cdktf.out", 1);
    expect(summary).toBe("synthesized dev (us-east-1, dev profile): network, deps, app, workspaces → cdktf.out/stacks; 1 warning above");
    expect(summary.split("\n")).toHaveLength(1);
  });
});
