import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DEPLOYED_STACKS, Naming } from "../config/naming";
import { SYNTH_ROOT, stackWorkingDirectory } from "../contract/synth-layout";
import { cleanupSynth, resources, synthesize } from "./support/synth";
import { userEnvironment, userEnvironmentNames } from "./support/user-environments";

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}

const workflow = parseYaml(readFileSync(join(__dirname, "../.github/workflows/ci.yml"), "utf8")) as {
  on: { pull_request?: unknown; push?: { branches?: string[] } };
  jobs: Record<string, { steps: Step[] }>;
};
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const indexOfRun = (command: string) => steps.findIndex((step) => step.run?.split("\n").some((line) => line.trim() === command));
const staleCheck = steps.find((step) => step.run?.includes("synth:all` and commit"));

describe(".github/workflows/ci.yml", () => {
  it("runs on pull requests and on pushes to main", () => {
    expect(workflow.on).toHaveProperty("pull_request");
    expect(workflow.on.push?.branches).toEqual(["main"]);
  });

  it("checks out, sets up Node 20, then installs, tests and synthesizes every environment in that order", () => {
    expect(steps[0].uses).toMatch(/^actions\/checkout@/);
    expect(steps.find((step) => step.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"]).toBe(20);
    const order = ["npm ci", "npm test", "npm run synth:all"].map(indexOfRun);
    expect(order.every((index) => index >= 0), `missing one of npm ci / npm test / npm run synth:all: ${order}`).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("fails after synthesis when the committed synth folder differs, naming the command that fixes it", () => {
    expect(staleCheck, "no staleness check step").toBeDefined();
    expect(steps.indexOf(staleCheck!)).toBeGreaterThan(indexOfRun("npm run synth:all"));
    expect(staleCheck!.run).toContain("synth/ is stale: run `npm run synth:all` and commit the result");
    expect(staleCheck!.run).toContain("exit 1");
    expect(staleCheck!.run).toMatch(/git status --porcelain -- (\S+)/);
  });

  it("checks exactly the folder the synth layout contract writes (SYNTH_ROOT)", () => {
    const checked = [...staleCheck!.run!.matchAll(/git [^\n]*?-- ([^\s)"']+)/g)].map((match) => match[1].replace(/\/$/, ""));
    expect(checked.length).toBeGreaterThan(0);
    expect(new Set(checked)).toEqual(new Set([SYNTH_ROOT]));
  });
});

describe("terraform validate in CI", () => {
  const setup = steps.find((step) => step.uses?.startsWith("hashicorp/setup-terraform@"));
  const validate = steps.find((step) => step.run?.trim() === "npm run validate:aws");

  it("validates the AWS part of every stack after the staleness check, against the registry's provider", () => {
    expect(validate, "no npm run validate:aws step").toBeDefined();
    expect(steps.indexOf(validate!)).toBeGreaterThan(steps.indexOf(staleCheck!));
    expect((validate as Step & { env?: Record<string, string> }).env?.TF_PLUGIN_MIRROR).toBe("registry");
    expect(setup, "no hashicorp/setup-terraform step").toBeDefined();
    expect(steps.indexOf(setup!)).toBeLessThan(steps.indexOf(validate!));
    // The wrapper rewrites terraform's stdout; the script parses `terraform validate -json` from it.
    expect(setup!.with?.terraform_wrapper).toBe(false);
  });

  it("installs the Terraform version every environment's workspaces pin", () => {
    const pinned = new Set(userEnvironmentNames().map((name) => userEnvironment(name).workspaces.terraformVersion));
    expect([...pinned]).toEqual([setup!.with?.terraform_version]);
  });
});

describe("layout, workflow and Terraform Cloud workspaces agree", () => {
  afterAll(cleanupSynth);
  const repository = join(__dirname, "..");
  const names = userEnvironmentNames();
  const vcs = { workspaces: { vcsRepository: "acme/langfuse-infra", vcsOauthTokenId: "ot-abc" } };

  it("gives every VCS workspace its stack's folder under SYNTH_ROOT as working directory, triggers only inside it, and the branch CI publishes", () => {
    const all = names.map((name) => userEnvironment(name, vcs));
    const workspaces = Object.values(resources(synthesize(all[0], all).workspaces, "tfe_workspace"));
    for (const config of all) {
      for (const stack of DEPLOYED_STACKS) {
        const name = new Naming(config.namePrefix, config.name).workspace(stack);
        const workspace = workspaces.find((each) => each.name === name);
        const directory = stackWorkingDirectory(config.name, stack);
        expect(workspace, name).toBeDefined();
        expect(workspace!.working_directory, name).toBe(directory);
        expect(directory.startsWith(`${SYNTH_ROOT}/`)).toBe(true);
        expect(workspace!.trigger_patterns?.length, `${name} has no trigger patterns`).toBeGreaterThan(0);
        for (const pattern of workspace!.trigger_patterns) expect(pattern.startsWith(`${directory}/`), `${name}: ${pattern}`).toBe(true);
        expect(workflow.on.push?.branches).toContain(workspace!.vcs_repo.branch);
      }
    }
  });

  it("has the synthesized JSON of every environment's stacks committed where those workspaces read it", () => {
    const missing = names.flatMap((name) => DEPLOYED_STACKS.map((stack) => `${stackWorkingDirectory(name, stack)}/cdk.tf.json`)).filter((file) => !existsSync(join(repository, file)));
    expect(missing, "run npm run synth:all and commit synth/").toEqual([]);
  });
});
