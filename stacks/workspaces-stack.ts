import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TfeProvider } from "@cdktf/provider-tfe/lib/provider";
import { LocalBackend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ConfigError } from "../config/errors";
import { DEPLOYED_STACKS, Naming, type DeployedStack } from "../config/naming";
import type { EnvironmentConfig } from "../config/schema";
import { localStatePath } from "../contract/state-location";
import { stackWorkingDirectory } from "../contract/synth-layout";
import { TfcOidcProvider, TfcRunRole } from "../constructs/terraform-cloud/dynamic-credentials";
import { TfcOutputsReader } from "../constructs/terraform-cloud/outputs-reader";
import { TfcProject } from "../constructs/terraform-cloud/project";
import { TfcWorkspace, type TfcEnvironmentVariable, type TfcVcsSource } from "../constructs/terraform-cloud/workspace";

/*
 * The Terraform Cloud side of every environment whose backend is "cloud", applied once from a workstation with
 * an organization token (TFE_TOKEN) and AWS credentials able to manage IAM. Its own state stays local: it holds
 * the outputs-reader team token, and a workspace cannot host the stack that creates it.
 */

/** <repository>/.state/workspaces.tfstate (git-ignored). */
export const WORKSPACES_STATE_PATH = localStatePath(".state", "workspaces");

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
  constructor(
    scope: Construct,
    readonly environments: readonly EnvironmentConfig[],
  ) {
    super(scope, "workspaces");
    new LocalBackend(this, { path: WORKSPACES_STATE_PATH });
    const cloud = environments.filter(isCloud);
    const reference = cloud[0] ?? environments[0];
    new AwsProvider(this, "aws", {
      // IAM is global: the region only decides which endpoint the provider talks to.
      region: reference?.region,
      defaultTags: [{ tags: { ...reference?.tags, Stack: "workspaces" } }],
    });
    new TfeProvider(this, "tfe", { hostname: cloud[0]?.backend.hostname });
    if (cloud.length === 0) return;
    requireOneOrganization(cloud);

    const { organization, hostname } = cloud[0].backend;
    const partition = new DataAwsPartition(this, "partition").partition;
    const oidcProvider = new TfcOidcProvider(this, "tfc-oidc", { hostname });
    const projects = new Map<string, TfcProject>();
    for (const name of new Set(cloud.map((environment) => environment.backend.project))) {
      projects.set(name, new TfcProject(this, `project-${slug(name)}`, { organization, name }));
    }
    const reader = new TfcOutputsReader(this, "outputs-reader", {
      organization,
      teamName: `${cloud[0].namePrefix}-outputs-reader`,
      projects: [...projects.values()],
    });
    for (const environment of cloud) {
      this.addEnvironment(environment, { organization, partition, oidcProvider, project: projects.get(environment.backend.project)!, outputsToken: reader.token });
    }
  }

  /** The three workspaces of one environment, each with its run role, chained network → deps → app. */
  private addEnvironment(environment: CloudEnvironment, shared: SharedResources): void {
    const scope = new Construct(this, environment.name);
    const naming = new Naming(environment.namePrefix, environment.name);
    const settings = environment.workspaces;
    let upstream: TfcWorkspace | undefined;
    for (const stack of DEPLOYED_STACKS) {
      const workspaceName = naming.workspace(stack);
      const runRole = new TfcRunRole(scope, `${stack}-run-role`, {
        roleName: naming.runRole(stack),
        oidcProvider: shared.oidcProvider,
        organization: shared.organization,
        project: shared.project.name,
        workspace: workspaceName,
        partition: shared.partition,
        region: environment.region,
        iamNamePrefix: `${naming.resource()}-`,
        protectedRoleNames: DEPLOYED_STACKS.map((each) => naming.runRole(each)),
        tags: { ...environment.tags, Environment: environment.name },
      });
      const variables: TfcEnvironmentVariable[] = [
        { key: "TFC_AWS_PROVIDER_AUTH", value: "true", description: "Runs get AWS credentials from Terraform Cloud's identity token." },
        { key: "TFC_AWS_RUN_ROLE_ARN", value: runRole.role.arn, description: "The IAM role this workspace's runs assume." },
      ];
      if (upstream) {
        variables.push({ key: "TFE_TOKEN", value: shared.outputsToken, sensitive: true, description: "Outputs-reader team token: tfe_outputs reads the upstream workspace with it." });
      }
      const workspace = new TfcWorkspace(scope, stack, {
        name: workspaceName,
        organization: shared.organization,
        projectId: shared.project.project.id,
        description: `Langfuse ${stack} stack of environment ${environment.name} (managed by the workspaces stack)`,
        terraformVersion: settings.terraformVersion,
        autoApply: settings.autoApply,
        autoApplyRunTrigger: settings.autoApplyRunTrigger,
        vcs: vcsSource(environment, stack),
        environmentVariables: variables,
        // Only the app stack talks to the Kubernetes API; the network workspace creates the VPC an agent lives in.
        agentPoolId: stack === "app" ? (settings.agentPoolId ?? undefined) : undefined,
      });
      if (upstream) workspace.runAfter(upstream);
      upstream = workspace;
    }
  }
}

interface SharedResources {
  readonly organization: string;
  readonly partition: string;
  readonly oidcProvider: TfcOidcProvider;
  readonly project: TfcProject;
  readonly outputsToken: string;
}
