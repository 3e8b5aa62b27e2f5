import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEPLOYED_STACKS, Naming } from "../config/naming";
import { TAG_ON_CREATE } from "../constructs/terraform-cloud/environment-tag-on-create";
import { sourceFiles } from "./support/files";
import { decide, type IamRequest, type SynthStatement } from "./support/iam-evaluator";
import { attachedPolicyStatements, inlineStatements, roleEntry, TEST_ACCOUNT } from "./support/iam-json";
import { cleanupSynth, environment, resources, synthesize, synthesizeWorkspaces } from "./support/synth";

/*
 * In a shared account the Environment tag is what tells one environment's resources from another's: the apply
 * roles may create nothing without it (constructs/terraform-cloud/environment-tag-on-create.ts).
 */

afterAll(cleanupSynth);

const dev = environment("dev");
const prod = environment("prod");
const workspaces = synthesizeWorkspaces([dev, prod]);
const ROOT = join(__dirname, "..");

/** Every AWS resource type the project's code can create, from its imports of the provider's resource classes. */
function resourceTypesInCode(): Set<string> {
  const types = new Set<string>();
  for (const path of [...sourceFiles(join(ROOT, "constructs")), ...sourceFiles(join(ROOT, "stacks"))]) {
    for (const [, module] of readFileSync(path, "utf8").matchAll(/@cdktf\/provider-aws\/lib\/([a-z0-9-]+)"/g)) {
      if (module !== "provider" && !module.startsWith("data-")) types.add(`aws_${module.replace(/-/g, "_")}`);
    }
  }
  return types;
}

/** An apply role's whole identity policy: its inline policies and the managed ones attached to it. */
function applyRole(name: string): SynthStatement[] {
  const [logical] = roleEntry(workspaces, name);
  return [...inlineStatements(workspaces, logical), ...attachedPolicyStatements(workspaces, logical)];
}

/** A concrete ARN inside a rule's pattern: the test account, a name under the environment's prefix. */
function exampleArn(pattern: string, namePrefix: string): string {
  return pattern.replace(/:\*:/g, `:${TEST_ACCOUNT}:`).replace(/\*/g, `${namePrefix}example`);
}

describe("every resource type is classified", () => {
  it("names each AWS resource type the code can create, and no other", () => {
    const inCode = resourceTypesInCode();
    expect(inCode.size).toBeGreaterThan(40);
    expect([...inCode].filter((type) => !(type in TAG_ON_CREATE)), "add them to TAG_ON_CREATE").toEqual([]);
    expect(Object.keys(TAG_ON_CREATE).filter((type) => !inCode.has(type)), "stale entries").toEqual([]);
  });

  it.each(["dev", "prod"])("covers every resource of %s's synthesized stacks, whose provider tags them with the environment", (name) => {
    const config = environment(name);
    const synthesized = synthesize(config);
    for (const stack of DEPLOYED_STACKS) {
      const json = synthesized[stack];
      for (const provider of json.provider.aws) expect(provider.default_tags?.[0]?.tags?.Environment, stack).toBe(config.name);
      for (const type of Object.keys(json.resource ?? {}).filter((each) => each.startsWith("aws_"))) expect(TAG_ON_CREATE, `${stack}: ${type}`).toHaveProperty(type);
    }
  });
});

describe("the apply roles create only what carries their environment's tag", () => {
  const required = Object.entries(TAG_ON_CREATE).flatMap(([type, rule]) => (rule.kind === "tag required" ? [{ type, ...rule }] : []));

  it.each(["dev", "prod"])("refuses %s's apply roles each create without the tag or with another environment's", (name) => {
    const config = name === "dev" ? dev : prod;
    const other = name === "dev" ? "prod" : "dev";
    const naming = new Naming(config.namePrefix, config.name);
    const problems: string[] = [];
    for (const stack of DEPLOYED_STACKS) {
      const statements = applyRole(naming.runRole(stack));
      for (const rule of required) {
        const request: IamRequest = { action: rule.action, resource: exampleArn(rule.resource("aws", config.region), naming.iamPrefix) };
        const withTag = (value: string) => ({ ...request, context: { "aws:RequestTag/Environment": value } });
        if (decide(statements, request) !== "explicitly denied") problems.push(`${stack}: ${rule.type} created untagged`);
        if (decide(statements, withTag(other)) !== "explicitly denied") problems.push(`${stack}: ${rule.type} created with ${other}'s tag`);
        if (decide(statements, withTag(config.name)) === "explicitly denied") problems.push(`${stack}: ${rule.type} refused with its own tag`);
      }
    }
    expect(problems).toEqual([]);
    expect(required.length).toBeGreaterThan(20);
  });

  it("still lets a run create what the stacks create when the tag is there", () => {
    const naming = new Naming(dev.namePrefix, dev.name);
    const statements = applyRole(naming.runRole("deps"));
    const tagged = { "aws:RequestTag/Environment": "dev" };
    const rds = { action: "rds:CreateDBInstance", resource: `arn:aws:rds:${dev.region}:${TEST_ACCOUNT}:db:langfuse-dev-db`, context: tagged };
    expect(decide(statements, rds)).toBe("allowed");
    const role = { action: "iam:CreateRole", resource: `arn:aws:iam::${TEST_ACCOUNT}:role/langfuse-dev-web`, context: { ...tagged, "iam:PermissionsBoundary": `arn:aws:iam::${TEST_ACCOUNT}:policy/${naming.permissionsBoundary}` } };
    expect(decide(statements, role)).toBe("allowed");
    // A create authorized against a parent the request names (the VPC of a subnet) is not judged by the request's tags.
    const subnetInVpc = { action: "ec2:CreateSubnet", resource: `arn:aws:ec2:${dev.region}:${TEST_ACCOUNT}:vpc/vpc-0abc` };
    expect(decide(statements, subnetInVpc)).toBe("allowed");
  });

  it("gives plans nothing to create, so no plan role carries the policy", () => {
    const naming = new Naming(dev.namePrefix, dev.name);
    for (const stack of DEPLOYED_STACKS) {
      const [logical] = roleEntry(workspaces, naming.planRole(stack));
      expect(attachedPolicyStatements(workspaces, logical), stack).toEqual([]);
    }
  });

  it("keeps the policy out of the runs' reach: no edit, no detach", () => {
    const naming = new Naming(dev.namePrefix, dev.name);
    const policyArn = `arn:aws:iam::${TEST_ACCOUNT}:policy/${naming.environmentTagPolicy}`;
    const policies = Object.values(resources(workspaces, "aws_iam_policy")).map((policy) => policy.name);
    expect(policies).toContain(naming.environmentTagPolicy);
    for (const stack of DEPLOYED_STACKS) {
      const statements = applyRole(naming.runRole(stack));
      for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"]) {
        expect(decide(statements, { action, resource: policyArn }), `${stack}: ${action}`).toBe("explicitly denied");
      }
      const detach = { action: "iam:DetachRolePolicy", resource: `arn:aws:iam::${TEST_ACCOUNT}:role/${naming.runRole(stack)}`, context: { "iam:PolicyARN": policyArn } };
      expect(decide(statements, detach), stack).toBe("explicitly denied");
    }
  });
});
