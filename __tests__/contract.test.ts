import { afterAll, describe, expect, it } from "vitest";
import { DEPS_OUTPUTS, NETWORK_OUTPUTS, type Contract } from "../contract/outputs";
import { cleanupSynth, environment, synthesize, type TfJson } from "./support/synth";

/*
 * The contract between stacks, checked on the synthesized JSON: every output a consumer reads is one its
 * producer declares, read through the right channel (nonsensitive_values only for non-sensitive outputs), from
 * the producer's own workspace or state file.
 */

afterAll(cleanupSynth);

interface Read {
  readonly producer: string;
  readonly channel: string;
  readonly key: string;
}

function stringsOf(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(stringsOf);
  if (node && typeof node === "object") return Object.values(node).flatMap(stringsOf);
  return [];
}

const TFE_READ = /data\.tfe_outputs\.upstream-(\w+)\.(nonsensitive_values|values)\["(\w+)"\]/g;
const REMOTE_STATE_READ = /data\.terraform_remote_state\.upstream-(\w+)\.(outputs)\.(\w+)/g;

function readsOf(stack: TfJson): Read[] {
  const text = stringsOf({ resource: stack.resource, data: stack.data, ephemeral: stack.ephemeral, output: stack.output, provider: stack.provider, locals: stack.locals }).join("\n");
  return [...text.matchAll(TFE_READ), ...text.matchAll(REMOTE_STATE_READ)].map(([, producer, channel, key]) => ({ producer, channel, key }));
}

const CONTRACTS: Record<string, Contract> = { network: NETWORK_OUTPUTS, deps: DEPS_OUTPUTS };

describe.each(["dev", "prod"])("the %s environment's stacks agree on their contract", (name) => {
  const stacks = synthesize(environment(name));
  const producers: Record<string, TfJson> = { network: stacks.network, deps: stacks.deps };

  it.each(["network", "deps"])("%s publishes every output its contract declares, with description and sensitivity", (producer) => {
    const outputs = producers[producer].output ?? {};
    for (const [key, spec] of Object.entries(CONTRACTS[producer])) {
      expect(outputs[key], `${producer} output ${key}`).toBeDefined();
      expect(outputs[key].description).toBe(spec.description);
      expect(outputs[key].sensitive ?? false).toBe(spec.sensitive);
    }
  });

  it.each([
    ["deps", ["network"]],
    ["app", ["network", "deps"]],
  ])("every key %s reads is declared by its producer", (consumer, upstream) => {
    const reads = readsOf(stacks[consumer as "deps" | "app"]);
    for (const producer of upstream) expect(reads.some((read) => read.producer === producer), `${consumer} reads ${producer}`).toBe(true);
    for (const read of reads) {
      const declared = producers[read.producer]?.output?.[read.key];
      expect(declared, `${consumer} reads ${read.producer}.${read.key}`).toBeDefined();
      if (read.channel === "nonsensitive_values") expect(declared.sensitive ?? false).toBe(false);
    }
  });

  it.each([
    ["deps", "network"],
    ["app", "network"],
    ["app", "deps"],
  ])("%s reads %s from that stack's own workspace", (consumer, producer) => {
    const data = stacks[consumer as "deps" | "app"].data.tfe_outputs[`upstream-${producer}`];
    expect(data.workspace).toBe(producers[producer].terraform.cloud.workspaces.name);
    expect(data.organization).toBe(producers[producer].terraform.cloud.organization);
  });
});

describe("with an S3 backend instead of Terraform Cloud", () => {
  const config = environment("dev", { backend: { type: "s3", bucket: "acme-tf-state", region: "eu-west-1", keyPrefix: "langfuse" } });
  const stacks = synthesize(config);

  it("reads upstream outputs through terraform_remote_state on the producer's state key", () => {
    const remote = stacks.app.data.terraform_remote_state;
    for (const producer of ["network", "deps"] as const) {
      expect(remote[`upstream-${producer}`].config.key).toBe(stacks[producer].terraform.backend.s3.key);
      expect(remote[`upstream-${producer}`].config.bucket).toBe("acme-tf-state");
    }
    expect(stacks.app.data.tfe_outputs).toBeUndefined();
  });

  it("reads only declared keys", () => {
    const reads = readsOf(stacks.app);
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(CONTRACTS[read.producer][read.key], `${read.producer}.${read.key}`).toBeDefined();
  });
});
