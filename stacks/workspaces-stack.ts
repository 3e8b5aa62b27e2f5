import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TfeProvider } from "@cdktf/provider-tfe/lib/provider";
import { LocalBackend, TerraformOutput, TerraformStack, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { ConfigError } from "../config/errors";
import { DEPLOYED_STACKS, Naming, type DeployedStack } from "../config/naming";
import type { EnvironmentConfig } from "../config/schema";
import { localStatePath } from "../contract/state-location";
import { stackWorkingDirectory } from "../contract/synth-layout";
import { requireDisjointIamPrefixes } from "../config/prefixes";
import { UPSTREAMS } from "../contract/upstream-readers";
import { TfcEnvironmentTagPolicy, TfcOidcProvider, TfcPermissionsBoundary, TfcRunRole, type RunPhase } from "../constructs/terraform-cloud/dynamic-credentials";
import { TfcOutputsReader } from "../constructs/terraform-cloud/outputs-reader";
import { TfcProject } from "../constructs/terraform-cloud/project";
import type { RunPolicyScope } from "../constructs/terraform-cloud/run-role-policies";
import { TfcWorkspace, type TfcEnvironmentVariable, type TfcVcsSource } from "../constructs/terraform-cloud/workspace";
import { Variable } from "@cdktf/provider-tfe/lib/variable";

/*
 * The Terraform Cloud side of every environment whose backend is "cloud", applied once from a workstation with
 * an organization token (TFE_TOKEN) and AWS credentials able to manage IAM. Its own state stays local: it may hold
 * outputs-reader team tokens, and a workspace cannot host the stack that creates it.
 */

/** <repository>/.state/workspaces.tfstate (git-ignored), relative to cdktf.out/stacks/workspaces. */
export const WORKSPACES_STATE_PATH = localStatePath(".state", "workspaces");

/**
 * The state path is relative to the folder Terraform runs in. `cdktf deploy workspaces` runs in
 * cdktf.out/stacks/workspaces, three levels below the repository; plain `terraform` in a committed copy
 * (synth/<env>/stacks/workspaces) would resolve it to another file and plan every resource anew. The plan refuses
 * to run anywhere the repository root is not three levels up.
 */
const REPOSITORY_MARKER = "../../../cdktf.json";

type CloudBackendSettings = Extract<EnvironmentConfig["backend"], { type: "cloud" }>;
type CloudEnvironment = EnvironmentConfig & { readonly backend: CloudBackendSettings };

function isCloud(environment: EnvironmentConfig): environment is CloudEnvironment {
  return environment.backend.type === "cloud";
}

/** One organization and host for all: one token and one identity provider serve every environment. */
function requireOneOrganization(environments: readonly CloudEnvironment[]): void {
  const [first, ...others] = environments;
  for (const environment of others) {
    for (const key of ["organization", "hostname"] as const) {
      if (environment.backend[key] !== first.backend[key]) {
        throw new ConfigError(
          `environments.${environment.name}.backend.${key}`,
          environment.backend[key],
          `differs from '${first.backend[key]}' of environment ${first.name}; the workspaces stack bootstraps every cloud environment with one Terraform Cloud token, so all must share one ${key} (use a separate copy of this repository for another one)`,
        );
      }
    }
  }
}

function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function vcsSource(environment: EnvironmentConfig, stack: DeployedStack): TfcVcsSource | undefined {
  const { vcsRepository, vcsBranch, vcsOauthTokenId } = environment.workspaces;
  if (vcsRepository === null || vcsOauthTokenId === null) return undefined;
  return { repository: vcsRepository, branch: vcsBranch, oauthTokenId: vcsOauthTokenId, workingDirectory: stackWorkingDirectory(environment.name, stack) };
}

/** Bootstraps Terraform Cloud: per environment one workspace per stack, run triggers and credentials. */
export class WorkspacesStack extends TerraformStack {
  private readonly accountProviders = new Map<string, AccountResources>();

  constructor(
    scope: Construct,
    readonly environments: readonly EnvironmentConfig[],
  ) {
    super(scope, "workspaces");
    new LocalBackend(this, { path: WORKSPACES_STATE_PATH });
    const stateFile = new TerraformOutput(this, "state-file", {
      description: "Where this stack's state lives: one file, whichever folder Terraform is started from.",
      value: `\${abspath("${WORKSPACES_STATE_PATH}")}`,
    });
    // cdktf 0.21 accepts an output precondition but drops it from the JSON; a terraform_data resource would keep
    // it but makes synth call `terraform version`. The override writes Terraform's own output precondition.
    stateFile.addOverride("precondition", [
      {
        condition: `\${fileexists("\${path.cwd}/${REPOSITORY_MARKER}")}`,
        error_message: `Run the workspaces stack with 'npx cdktf deploy workspaces' from the repository root (it runs in cdktf.out/stacks/workspaces): its local state ${WORKSPACES_STATE_PATH} is relative to that folder, and from any other folder Terraform would start a second, empty state.`,
      },
    ]);
    requireDisjointIamPrefixes(environments);
    const cloud = environments.filter(isCloud);
    const reference = cloud[0] ?? environments[0];
    const defaultTags = [{ tags: { ...reference?.tags, Stack: "workspaces" } }];
    new AwsProvider(this, "aws", {
      // IAM is global: the region only decides which endpoint the provider talks to.
      region: reference?.region,
      defaultTags,
    });
    new TfeProvider(this, "tfe", { hostname: cloud[0]?.backend.hostname });
    if (cloud.length === 0) return;
    requireOneOrganization(cloud);

    const { organization } = cloud[0].backend;
    const projects = new Map<string, TfcProject>();
    for (const name of new Set(cloud.map((environment) => environment.backend.project))) {
      projects.set(name, new TfcProject(this, `project-${slug(name)}`, { organization, name }));
    }
    for (const environment of cloud) {
      this.addEnvironment(environment, { organization, project: projects.get(environment.backend.project)!, account: this.accountOf(environment, defaultTags) });
    }
  }

  /**
   * The AWS provider, partition and Terraform Cloud identity provider of an environment's account: the bootstrap
   * credentials' own account unless the environment names one, then an aliased provider assuming its bootstrap role.
   */
  private accountOf(environment: CloudEnvironment, defaultTags: { tags: Record<string, string> }[]): AccountResources {
    const accountId = environment.account.id;
    const key = accountId ?? "";
    const known = this.accountProviders.get(key);
    if (known) {
      if (known.bootstrapRoleArn !== environment.account.bootstrapRoleArn) {
        throw new ConfigError(
          `environments.${environment.name}.account.bootstrapRoleArn`,
          environment.account.bootstrapRoleArn,
          `differs from '${known.bootstrapRoleArn}' of environment ${known.environment} in the same account ${accountId}; the bootstrap reaches one account one way: give both the same role`,
        );
      }
      return known;
    }
    let provider: TerraformProvider | undefined;
    if (accountId !== null) {
      const roleArn = environment.account.bootstrapRoleArn;
      provider = new AwsProvider(this, `aws-${accountId}`, {
        alias: `account_${accountId}`,
        region: environment.region,
        allowedAccountIds: [accountId],
        assumeRole: roleArn ? [{ roleArn, sessionName: "langfuse-workspaces-bootstrap" }] : undefined,
        defaultTags,
      });
    }
    const suffix = accountId === null ? "" : `-${accountId}`;
    const resources: AccountResources = {
      environment: environment.name,
      bootstrapRoleArn: environment.account.bootstrapRoleArn,
      provider,
      partition: new DataAwsPartition(this, `partition${suffix}`, { provider }).partition,
      oidcProvider: new TfcOidcProvider(this, `tfc-oidc${suffix}`, { hostname: environment.backend.hostname, provider }),
    };
    this.accountProviders.set(key, resources);
    return resources;
  }

  /** The three workspaces of one environment, each with its plan and apply roles, chained network → deps → app. */
  private addEnvironment(environment: CloudEnvironment, shared: SharedResources): void {
    const scope = new Construct(this, environment.name);
    const naming = new Naming(environment.namePrefix, environment.name);
    const { provider, partition } = shared.account;
    const boundary = new TfcPermissionsBoundary(scope, "permissions-boundary", { policyName: naming.permissionsBoundary, environment: environment.name, provider });
    const policyScope: RunPolicyScope = {
      partition,
      region: environment.region,
      environment: environment.name,
      namePrefix: naming.iamPrefix,
      permissionsBoundaryArn: boundary.policy.arn,
      permissionsBoundaryName: naming.permissionsBoundary,
      environmentTagPolicyName: naming.environmentTagPolicy,
      protectedRoleNames: DEPLOYED_STACKS.flatMap((stack) => [naming.runRole(stack), naming.planRole(stack)]),
      externalSecretArns: externalSecretArns(environment),
      hostedZoneIds: environment.ingress.enabled && environment.ingress.hostedZoneId ? [environment.ingress.hostedZoneId] : [],
    };
    const applyRoleNames: string[] = [];
    const roleArn = (stack: DeployedStack, phase: RunPhase) => {
      const { role } = new TfcRunRole(scope, phase === "apply" ? `${stack}-run-role` : `${stack}-plan-role`, {
        roleName: phase === "apply" ? naming.runRole(stack) : naming.planRole(stack),
        phase,
        oidcProvider: shared.account.oidcProvider,
        organization: shared.organization,
        project: shared.project.name,
        workspace: naming.workspace(stack),
        scope: policyScope,
        tags: { ...environment.tags, Environment: environment.name },
        provider,
      });
      if (phase === "apply") applyRoleNames.push(role.name);
      return role.arn;
    };

    // Downstream first: an upstream workspace's settings name the workspaces that may read its state.
    const workspaces = new Map<DeployedStack, TfcWorkspace>();
    const free = environment.backend.edition === "free";
    for (const stack of [...DEPLOYED_STACKS].reverse()) {
      const consumers = DEPLOYED_STACKS.filter((each) => UPSTREAMS[each].includes(stack)).map((each) => workspaces.get(each)!.workspace.id);
      const variables: TfcEnvironmentVariable[] = [
        { key: "TFC_AWS_PROVIDER_AUTH", value: "true", description: "Runs get AWS credentials from Terraform Cloud's identity token." },
        { key: "TFC_AWS_PLAN_ROLE_ARN", value: roleArn(stack, "plan"), description: "The read-only IAM role this workspace's plans assume." },
        { key: "TFC_AWS_APPLY_ROLE_ARN", value: roleArn(stack, "apply"), description: "The IAM role this workspace's applies assume." },
      ];
      workspaces.set(
        stack,
        new TfcWorkspace(scope, stack, {
          name: naming.workspace(stack),
          organization: shared.organization,
          projectId: shared.project.project.id,
          description: `Langfuse ${stack} stack of environment ${environment.name} (managed by the workspaces stack)`,
          terraformVersion: environment.workspaces.terraformVersion,
          autoApply: environment.workspaces.autoApply,
          autoApplyRunTrigger: environment.workspaces.autoApplyRunTrigger,
          vcs: vcsSource(environment, stack),
          environmentVariables: variables,
          remoteStateConsumerIds: free ? consumers : [],
          // Only the app stack talks to the Kubernetes API; the network workspace creates the VPC an agent lives in.
          agentPoolId: stack === "app" ? (environment.workspaces.agentPoolId ?? undefined) : undefined,
        }),
      );
    }
    new TfcEnvironmentTagPolicy(scope, "environment-tag", { policyName: naming.environmentTagPolicy, environment: environment.name, scope: policyScope, roleNames: applyRoleNames, provider });
    if (!free) this.addOutputsToken(scope, environment, naming, shared.organization, workspaces);
    for (const stack of DEPLOYED_STACKS) {
      const index = DEPLOYED_STACKS.indexOf(stack);
      if (index > 0) workspaces.get(stack)!.runAfter(workspaces.get(DEPLOYED_STACKS[index - 1])!);
    }
  }

  /** Paid editions: an expiring read-outputs token of the environment's own team, as TFE_TOKEN of each reader. */
  private addOutputsToken(scope: Construct, environment: CloudEnvironment, naming: Naming, organization: string, workspaces: Map<DeployedStack, TfcWorkspace>): void {
    const upstreams = DEPLOYED_STACKS.filter((stack) => DEPLOYED_STACKS.some((each) => UPSTREAMS[each].includes(stack)));
    const reader = new TfcOutputsReader(scope, "outputs-reader", {
      organization,
      teamName: naming.outputsReaderTeam,
      workspaces: upstreams.map((stack) => workspaces.get(stack)!),
      // config/validate-tfc.ts requires the date with a paid edition.
      tokenExpiresAt: `${environment.workspaces.outputsTokenExpiresOn}T00:00:00Z`,
    });
    for (const stack of DEPLOYED_STACKS.filter((each) => UPSTREAMS[each].length > 0)) {
      new Variable(workspaces.get(stack)!, "tfe-token", {
        workspaceId: workspaces.get(stack)!.workspace.id,
        category: "env",
        key: "TFE_TOKEN",
        value: reader.token,
        sensitive: true,
        description: "Outputs-reader team token of this environment: tfe_outputs reads the upstream workspaces with it.",
      });
    }
  }
}

/** Secrets the stacks read that the user created outside the environment's names. */
function externalSecretArns(environment: EnvironmentConfig): string[] {
  const arns: string[] = [];
  if (environment.clickhouse.mode === "external") arns.push(environment.clickhouse.externalPasswordSecretArn);
  if (environment.imageCache.enabled && environment.imageCache.dockerHubCredentialArn) arns.push(environment.imageCache.dockerHubCredentialArn);
  return arns;
}

interface AccountResources {
  /** The first environment of the account, for error messages. */
  readonly environment: string;
  /** The role the bootstrap assumes in the account (null: the bootstrap credentials' own account). */
  readonly bootstrapRoleArn: string | null;
  /** The aliased provider of an environment's own account, undefined for the bootstrap credentials' account. */
  readonly provider?: TerraformProvider;
  readonly partition: string;
  readonly oidcProvider: TfcOidcProvider;
}

interface SharedResources {
  readonly organization: string;
  readonly project: TfcProject;
  readonly account: AccountResources;
}
