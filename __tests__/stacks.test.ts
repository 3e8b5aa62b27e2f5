import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { App } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { createStacks } from "../stacks";
import { cleanupSynth, environment, synthesize } from "./support/synth";

afterAll(cleanupSynth);

function filesUnder(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return files;
}

function synthInto(name: string): string {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-determinism-"));
  const config = environment(name);
  const app = new App({ outdir, skipBackendValidation: true });
  createStacks(app, config, [environment("dev"), environment("prod")]);
  app.synth();
  return outdir;
}

describe("the app", () => {
  it("synthesizes stacks named network, deps, app and workspaces", () => {
    const outdir = synthInto("dev");
    try {
      expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["app", "deps", "network", "workspaces"]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("declares the deploy order network → deps → app", () => {
    const outdir = synthInto("dev");
    try {
      const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
      expect(manifest.stacks.deps.dependencies).toEqual(["network"]);
      expect(manifest.stacks.app.dependencies).toEqual(["deps"]);
      expect(manifest.stacks.network.dependencies).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it.each(["dev", "prod"])("produces byte-identical output, assets included, when %s is synthesized twice", (name) => {
    const first = synthInto(name);
    const second = synthInto(name);
    try {
      const a = filesUnder(first);
      const b = filesUnder(second);
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      for (const [path, bytes] of a) expect(bytes.equals(b.get(path)!), path).toBe(true);
    } finally {
      rmSync(first, { recursive: true, force: true });
      rmSync(second, { recursive: true, force: true });
    }
  });
});

describe("each stack of an environment", () => {
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
