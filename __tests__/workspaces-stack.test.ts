import { afterAll, describe, expect, it } from "vitest";
import { DEPLOYED_STACKS, Naming, type DeployedStack } from "../config/naming";
import type { EnvironmentConfig } from "../config/schema";
import { stackWorkingDirectory } from "../contract/synth-layout";
import { RUN_ROLE_SERVICES } from "../constructs/terraform-cloud/dynamic-credentials";
import { cleanupSynth, dataSources, environment, onlyResource, resources, synthesize, synthesizeWorkspaces, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

const dev = environment("dev");
const prod = environment("prod", {
  workspaces: { vcsRepository: "acme/langfuse-infra", vcsBranch: "release", vcsOauthTokenId: "ot-abc123", autoApply: true, autoApplyRunTrigger: true },
});
const withLocalBackend = (name: string) => environment(name, { backend: { type: "local", directory: ".state" } });

const single: Record<string, { config: EnvironmentConfig; json: TfJson }> = {
  dev: { config: dev, json: synthesizeWorkspaces([dev]) },
  prod: { config: prod, json: synthesizeWorkspaces([prod]) },
};

/** `${tfe_workspace.<logical>.id}` → the workspace's name. */
function workspaceNameOf(json: TfJson, reference: string): string {
  const logical = /^\$\{tfe_workspace\.([^.]+)\.id\}$/.exec(reference)?.[1];
  const workspace = logical ? resources(json, "tfe_workspace")[logical] : undefined;
  if (!workspace) throw new Error(`not a workspace reference: ${reference}`);
  return workspace.name;
}

function workspaceNames(json: TfJson): string[] {
  return Object.values(resources(json, "tfe_workspace")).map((workspace) => workspace.name).sort();
}

function workspace(json: TfJson, name: string): TfJson {
  const found = Object.values(resources(json, "tfe_workspace")).find((each) => each.name === name);
  if (!found) throw new Error(`no workspace ${name}`);
  return found;
}

/** Environment variables of a workspace, by key. */
function variablesOf(json: TfJson, name: string): Record<string, TfJson> {
  const byKey: Record<string, TfJson> = {};
  for (const variable of Object.values(resources(json, "tfe_variable"))) {
    if (workspaceNameOf(json, variable.workspace_id) === name) byKey[variable.key] = variable;
  }
  return byKey;
}

/** Run triggers as "source → target" workspace names. */
function runTriggers(json: TfJson): string[] {
  return Object.values(resources(json, "tfe_run_trigger"))
    .map((trigger) => `${workspaceNameOf(json, trigger.sourceable_id)} → ${workspaceNameOf(json, trigger.workspace_id)}`)
    .sort();
}

function policyDocument(json: TfJson, reference: string): TfJson[] {
  const logical = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(reference)?.[1];
  const document = logical ? dataSources(json, "aws_iam_policy_document")[logical] : undefined;
  if (!document) throw new Error(`not a policy document reference: ${reference}`);
  return document.statement;
}

function roleEntry(json: TfJson, roleName: string): [string, TfJson] {
  const found = Object.entries(resources(json, "aws_iam_role")).find(([, role]) => role.name === roleName);
  if (!found) throw new Error(`no role ${roleName}`);
  return found;
}

function trustOf(json: TfJson, roleName: string): TfJson[] {
  return policyDocument(json, roleEntry(json, roleName)[1].assume_role_policy);
}

/** Inline policy statements and attached managed policy ARNs of a role. */
function permissionsOf(json: TfJson, roleName: string): { statements: TfJson[]; managed: string[] } {
  const reference = `\${aws_iam_role.${roleEntry(json, roleName)[0]}.name}`;
  const statements = Object.values(resources(json, "aws_iam_role_policy"))
    .filter((policy) => policy.role === reference)
    .flatMap((policy) => policyDocument(json, policy.policy));
  const managed = Object.values(resources(json, "aws_iam_role_policy_attachment"))
    .filter((attachment) => attachment.role === reference)
    .map((attachment) => attachment.policy_arn);
  return { statements, managed };
}


describe.each(["dev", "prod"])("the workspaces stack of %s", (name) => {
  const { config, json } = single[name];
  const naming = new Naming(config.namePrefix, config.name);
  const names = (stacks: readonly DeployedStack[] = DEPLOYED_STACKS) => stacks.map((stack) => naming.workspace(stack));

  it("creates one workspace per deployed stack, named <prefix>-<env>-<stack>, in the configured project", () => {
    expect(workspaceNames(json)).toEqual([`langfuse-${name}-app`, `langfuse-${name}-deps`, `langfuse-${name}-network`]);
    const project = onlyResource(json, "tfe_project");
    expect(project).toMatchObject({ name: "langfuse", organization: "my-org" });
    const [projectLogical] = Object.keys(resources(json, "tfe_project"));
    for (const each of names()) expect(workspace(json, each)).toMatchObject({ organization: "my-org", project_id: `\${tfe_project.${projectLogical}.id}` });
  });

  it("pins the configured Terraform version and does not start runs on creation", () => {
    for (const each of names()) expect(workspace(json, each)).toMatchObject({ terraform_version: "1.11.4", queue_all_runs: false });
  });

  it("sets remote execution through tfe_workspace_settings, not the deprecated workspace attributes", () => {
    const settings = Object.values(resources(json, "tfe_workspace_settings"));
    expect(settings.map((each) => workspaceNameOf(json, each.workspace_id)).sort()).toEqual(names().sort());
    for (const each of settings) expect(each.execution_mode).toBe("remote");
    for (const each of names()) {
      expect(workspace(json, each)).not.toHaveProperty("execution_mode");
      expect(workspace(json, each)).not.toHaveProperty("agent_pool_id");
      expect(workspace(json, each)).not.toHaveProperty("operations");
      // Deprecated on tfe_workspace in tfe 0.71 and conflicting with the settings resource.
      expect(workspace(json, each)).not.toHaveProperty("global_remote_state");
      expect(workspace(json, each)).not.toHaveProperty("remote_state_consumer_ids");
    }
  });

  it("follows the configured auto-apply flags", () => {
    for (const each of names()) {
      expect(workspace(json, each).auto_apply).toBe(config.workspaces.autoApply);
      expect(workspace(json, each).auto_apply_run_trigger).toBe(config.workspaces.autoApplyRunTrigger);
    }
  });

  it("cascades runs network → deps → app and nothing else", () => {
    expect(runTriggers(json)).toEqual([`langfuse-${name}-deps → langfuse-${name}-app`, `langfuse-${name}-network → langfuse-${name}-deps`]);
  });

  it("lets each downstream workspace read exactly the upstream states it reads, on every edition (no team, no token)", () => {
    const consumersOf = (stack: DeployedStack) => {
      const settings = Object.values(resources(json, "tfe_workspace_settings")).find((each) => workspaceNameOf(json, each.workspace_id) === naming.workspace(stack));
      if (!settings) throw new Error(`no settings of ${stack}`);
      expect(settings.global_remote_state).toBe(false);
      return (settings.remote_state_consumer_ids ?? []).map((id: string) => workspaceNameOf(json, id)).sort();
    };
    expect(consumersOf("network")).toEqual(names(["app", "deps"]));
    expect(consumersOf("deps")).toEqual(names(["app"]));
    expect(consumersOf("app")).toEqual([]);
    for (const type of ["tfe_team", "tfe_team_token", "tfe_team_access", "tfe_team_project_access"]) expect(resources(json, type)).toEqual({});
    for (const each of names()) expect(variablesOf(json, each)).not.toHaveProperty("TFE_TOKEN");
  });

  it("turns on AWS dynamic credentials with a plan role and an apply role per workspace, and stores no AWS key", () => {
    for (const stack of DEPLOYED_STACKS) {
      const variables = variablesOf(json, naming.workspace(stack));
      expect(variables.TFC_AWS_PROVIDER_AUTH).toMatchObject({ category: "env", value: "true" });
      expect(variables.TFC_AWS_PLAN_ROLE_ARN).toMatchObject({ category: "env", value: `\${aws_iam_role.${roleEntry(json, naming.planRole(stack))[0]}.arn}` });
      expect(variables.TFC_AWS_APPLY_ROLE_ARN).toMatchObject({ category: "env", value: `\${aws_iam_role.${roleEntry(json, naming.runRole(stack))[0]}.arn}` });
      // With a run role variable as well, a plan would fall back to it where the plan role is unset.
      expect(variables).not.toHaveProperty("TFC_AWS_RUN_ROLE_ARN");
    }
    const keys = Object.values(resources(json, "tfe_variable")).map((variable) => variable.key);
    expect(keys.filter((key) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(key))).toEqual([]);
    expect(json.provider.aws[0]).not.toHaveProperty("access_key");
  });

  it("trusts Terraform Cloud's identity provider with the AWS workload identity audience", () => {
    expect(onlyResource(json, "aws_iam_openid_connect_provider")).toMatchObject({ url: "https://app.terraform.io", client_id_list: ["aws.workload.identity"] });
  });

  it.each(DEPLOYED_STACKS.flatMap((stack) => [[stack, "plan"], [stack, "apply"]] as const))("binds the %s %s role's trust to exactly its workspace, its run phase and the audience", (stack, phase) => {
    const [providerLogical] = Object.keys(resources(json, "aws_iam_openid_connect_provider"));
    const [statement, ...others] = trustOf(json, phase === "plan" ? naming.planRole(stack) : naming.runRole(stack));
    expect(others).toEqual([]);
    expect(statement).toMatchObject({ effect: "Allow", actions: ["sts:AssumeRoleWithWebIdentity"] });
    expect(statement.principals).toEqual([{ type: "Federated", identifiers: [`\${aws_iam_openid_connect_provider.${providerLogical}.arn}`] }]);
    expect(statement.condition).toEqual([
      { test: "StringEquals", variable: "app.terraform.io:aud", values: ["aws.workload.identity"] },
      { test: "StringEquals", variable: "app.terraform.io:sub", values: [`organization:my-org:project:langfuse:workspace:langfuse-${name}-${stack}:run_phase:${phase}`] },
    ]);
  });

  it.each(DEPLOYED_STACKS)("gives the %s roles inline policies (and the apply role the environment-tag policy), never * on * and never NotAction", (stack) => {
    const tagPolicy = Object.entries(resources(json, "aws_iam_policy")).find(([, policy]) => policy.name === naming.environmentTagPolicy)![0];
    for (const roleName of [naming.runRole(stack), naming.planRole(stack)]) {
      const { statements, managed } = permissionsOf(json, roleName);
      expect(managed).toEqual(roleName === naming.runRole(stack) ? [`\${aws_iam_policy.${tagPolicy}.arn}`] : []);
      for (const statement of statements) {
        expect(statement.not_actions).toBeUndefined();
        expect(statement.not_resources).toBeUndefined();
        if (statement.effect === "Allow") expect(statement.actions).not.toContain("*");
        if (statement.effect === "Allow" && statement.resources.includes("*")) expect(statement.actions.some((action: string) => action.startsWith("iam:"))).toBe(false);
      }
    }
  });

  it("creates the environment's permissions boundary under its own name", () => {
    const boundary = Object.values(resources(json, "aws_iam_policy")).find((policy) => policy.name === naming.permissionsBoundary);
    expect(boundary?.name).toBe(`langfuse-${name}-permissions-boundary`);
  });

  it("keeps its own state in the git-ignored .state folder", () => {
    expect(json.terraform.backend).toEqual({ local: { path: "../../../.state/workspaces.tfstate" } });
  });
});

describe("VCS connection", () => {
  it("points each prod workspace at its synthesized folder and triggers only on changes inside it", () => {
    const { json } = single.prod;
    for (const stack of DEPLOYED_STACKS) {
      const directory = stackWorkingDirectory("prod", stack);
      expect(directory).toBe(`synth/prod/stacks/${stack}`);
      expect(workspace(json, `langfuse-prod-${stack}`)).toMatchObject({
        working_directory: directory,
        trigger_patterns: [`${directory}/**/*`],
        vcs_repo: { identifier: "acme/langfuse-infra", branch: "release", oauth_token_id: "ot-abc123" },
      });
    }
  });

  it("leaves dev's workspaces CLI-driven when no repository is configured", () => {
    const { json } = single.dev;
    for (const stack of DEPLOYED_STACKS) {
      const each = workspace(json, `langfuse-dev-${stack}`);
      for (const key of ["vcs_repo", "working_directory", "trigger_patterns", "trigger_prefixes"]) expect(each).not.toHaveProperty(key);
    }
  });
});

describe("several environments", () => {
  const json = synthesize(dev, [dev, prod]).workspaces;

  it("bootstraps every environment from the app, whichever one LANGFUSE_ENV selects", () => {
    expect(workspaceNames(json)).toEqual(["app", "deps", "network"].flatMap((stack) => [`langfuse-dev-${stack}`, `langfuse-prod-${stack}`]).sort());
  });

  it("shares one project and one identity provider in a shared account, and gives each environment its own boundary and tag policy", () => {
    expect(Object.keys(resources(json, "tfe_project"))).toHaveLength(1);
    expect(Object.keys(resources(json, "aws_iam_openid_connect_provider"))).toHaveLength(1);
    expect(Object.values(resources(json, "aws_iam_policy")).map((policy) => policy.name).sort()).toEqual(["langfuse-dev-environment-tag", "langfuse-dev-permissions-boundary", "langfuse-prod-environment-tag", "langfuse-prod-permissions-boundary"]);
  });

  it("never triggers runs across environments", () => {
    expect(runTriggers(json)).toEqual([
      "langfuse-dev-deps → langfuse-dev-app",
      "langfuse-dev-network → langfuse-dev-deps",
      "langfuse-prod-deps → langfuse-prod-app",
      "langfuse-prod-network → langfuse-prod-deps",
    ]);
  });

  it("keeps each environment's VCS and auto-apply settings", () => {
    expect(workspace(json, "langfuse-dev-app")).not.toHaveProperty("working_directory");
    expect(workspace(json, "langfuse-dev-app").auto_apply).toBe(false);
    expect(workspace(json, "langfuse-prod-app").working_directory).toBe("synth/prod/stacks/app");
    expect(workspace(json, "langfuse-prod-app").auto_apply_run_trigger).toBe(true);
  });

  it("gives twelve roles (plan and apply of six workspaces), each trusted by one distinct workspace and phase", () => {
    const subjects = Object.values(resources(json, "aws_iam_role")).flatMap((role) =>
      policyDocument(json, role.assume_role_policy).flatMap((statement: TfJson) =>
        statement.condition.filter((condition: TfJson) => condition.variable.endsWith(":sub")).flatMap((condition: TfJson) => condition.values),
      ),
    );
    expect(subjects).toHaveLength(12);
    expect(new Set(subjects).size).toBe(12);
  });
});

/**
 * The IAM service that manages each AWS resource or data source type of the stacks; null for types Terraform
 * computes without calling AWS (policy documents, the EKS token) or that need no permission (caller identity).
 */
const SERVICE_OF_TYPE: ReadonlyArray<[RegExp, string | null]> = [
  [/^aws_(iam_policy_document|caller_identity|partition|eks_cluster_auth|lb_hosted_zone_id)$/, null],
  [/^aws_(vpc|subnet|route|route_table|route_table_association|internet_gateway|nat_gateway|eip|vpc_endpoint|security_group|availability_zones|launch_template)$/, "ec2"],
  [/^aws_vpc_security_group_/, "ec2"],
  [/^aws_eks_/, "eks"],
  [/^aws_iam_/, "iam"],
  [/^aws_kms_/, "kms"],
  [/^aws_cloudwatch_log_/, "logs"],
  [/^aws_cloudwatch_event_/, "events"],
  [/^aws_cloudwatch_/, "cloudwatch"],
  [/^aws_lambda_/, "lambda"],
  [/^aws_acm_/, "acm"],
  [/^aws_route53_/, "route53"],
  [/^aws_lb$/, "elasticloadbalancing"],
  [/^aws_(db|rds)_/, "rds"],
  [/^aws_elasticache_/, "elasticache"],
  [/^aws_s3_/, "s3"],
  [/^aws_secretsmanager_/, "secretsmanager"],
  [/^aws_sns_/, "sns"],
  [/^aws_ecr_/, "ecr"],
  [/^aws_wafv2_/, "wafv2"],
];

describe("run role permissions cover what the stacks manage", () => {
  it.each(["dev", "prod"])("allows the service of every AWS resource and data source type of %s's network, deps and app stacks", (name) => {
    const stacks = synthesize(environment(name));
    const missing: string[] = [];
    for (const stack of DEPLOYED_STACKS) {
      const types = [...Object.keys(stacks[stack].resource ?? {}), ...Object.keys(stacks[stack].data ?? {})].filter((type) => type.startsWith("aws_"));
      for (const type of types) {
        const match = SERVICE_OF_TYPE.find(([pattern]) => pattern.test(type));
        if (!match) missing.push(`${stack}: ${type} (add it to SERVICE_OF_TYPE)`);
        else if (match[1] !== null && match[1] !== "iam" && !(RUN_ROLE_SERVICES as readonly string[]).includes(match[1])) missing.push(`${stack}: ${type} needs ${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(["dev", "prod"])("lets the run roles write IAM roles of %s only under the environment's prefix, which every role of the stacks carries", (name) => {
    const config = environment(name);
    const prefix = `${new Naming(config.namePrefix, config.name).resource()}-`;
    const stacks = synthesize(config);
    const roleNames = DEPLOYED_STACKS.flatMap((stack) => Object.values(resources(stacks[stack], "aws_iam_role")).map((role) => role.name));
    expect(roleNames.length).toBeGreaterThan(0);
    expect(roleNames.filter((roleName) => !roleName.startsWith(prefix))).toEqual([]);
    expect(DEPLOYED_STACKS.flatMap((stack) => Object.values(resources(stacks[stack], "aws_iam_policy")).filter((policy) => !policy.name?.startsWith(prefix)))).toEqual([]);
  });
});

describe("environments without Terraform Cloud", () => {
  it("skips environments whose backend is not cloud", () => {
    const json = synthesizeWorkspaces([withLocalBackend("dev"), prod]);
    expect(workspaceNames(json)).toEqual(["langfuse-prod-app", "langfuse-prod-deps", "langfuse-prod-network"]);
    expect(Object.values(resources(json, "aws_iam_role")).map((role) => role.name)).not.toContain("langfuse-dev-network-tfc-run");
  });

  it("holds nothing but providers (and its state-file output) when no environment uses Terraform Cloud", () => {
    const json = synthesizeWorkspaces([withLocalBackend("dev"), withLocalBackend("prod")]);
    expect(json.resource).toBeUndefined();
    expect(json.data).toBeUndefined();
    expect(Object.keys(json.provider).sort()).toEqual(["aws", "tfe"]);
  });
});

describe("Terraform Enterprise", () => {
  it("trusts the configured host as the token issuer", () => {
    const config = environment("prod", { backend: { hostname: "tfe.example.com" } });
    const json = synthesizeWorkspaces([config]);
    expect(json.provider.tfe[0].hostname).toBe("tfe.example.com");
    expect(onlyResource(json, "aws_iam_openid_connect_provider").url).toBe("https://tfe.example.com");
    const variables = trustOf(json, "langfuse-prod-app-tfc-run")[0].condition.map((condition: TfJson) => condition.variable);
    expect(variables.sort()).toEqual(["tfe.example.com:aud", "tfe.example.com:sub"]);
  });
});

describe("configuration errors", () => {
  it("throws when cloud environments name different organizations", () => {
    const other = environment("prod", { backend: { organization: "other-org" } });
    expect(() => synthesizeWorkspaces([dev, other])).toThrow(
      /^Invalid configuration: environments\.prod\.backend\.organization = "other-org": differs from 'my-org' of environment dev;.*share one organization/,
    );
  });

  it("throws when cloud environments name different hostnames", () => {
    const other = environment("prod", { backend: { hostname: "tfe.example.com" } });
    expect(() => synthesizeWorkspaces([dev, other])).toThrow(/environments\.prod\.backend\.hostname = "tfe\.example\.com": differs from 'app\.terraform\.io'.*share one hostname/);
  });
});
