import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TfeProvider } from "@cdktf/provider-tfe/lib/provider";
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { Naming, type DeployedStack } from "../config/naming";
import type { EnvironmentConfig } from "../config/schema";
import { localStatePath, s3StateKey } from "../contract/state-location";
import { applyPermissionsBoundary } from "../constructs/identity/permissions-boundary";

/**
 * A stack of one environment: its own state (a Terraform Cloud workspace <prefix>-<env>-<stack>, or an S3/local
 * state of that name), the AWS provider in the environment's region with its tags on every resource, and, with
 * Terraform Cloud, the tfe provider that reads upstream outputs.
 */
export class EnvironmentStack extends TerraformStack {
  readonly naming: Naming;

  constructor(
    scope: Construct,
    readonly stackName: DeployedStack,
    readonly config: EnvironmentConfig,
  ) {
    super(scope, stackName);
    this.naming = new Naming(config.namePrefix, config.name);
    this.configureBackend();
    new AwsProvider(this, "aws", {
      region: config.region,
      defaultTags: [{ tags: { ...config.tags, Environment: config.name, Stack: stackName } }],
      // A run with credentials of another account (a mixed-up workspace variable) stops before changing anything.
      allowedAccountIds: config.account.id === null ? undefined : [config.account.id],
    });
    if (config.backend.type === "cloud") applyPermissionsBoundary(this, this.permissionsBoundaryArn());
    // Only stacks that read upstream outputs (deps, app) need the tfe provider for tfe_outputs.
    if (config.backend.type === "cloud" && stackName !== "network") new TfeProvider(this, "tfe", { hostname: config.backend.hostname });
  }

  /**
   * The environment's permissions boundary, created by the workspaces stack under a name from the naming helper.
   * Terraform Cloud's apply role may create or change a role only with exactly this boundary.
   */
  private permissionsBoundaryArn(): string {
    const partition = new DataAwsPartition(this, "boundary-partition").partition;
    const accountId = this.config.account.id ?? new DataAwsCallerIdentity(this, "boundary-account").accountId;
    return `arn:${partition}:iam::${accountId}:policy/${this.naming.permissionsBoundary}`;
  }

  private configureBackend(): void {
    const backend = this.config.backend;
    const workspace = this.naming.workspace(this.stackName);
    switch (backend.type) {
      case "cloud":
        new CloudBackend(this, {
          hostname: backend.hostname,
          organization: backend.organization,
          workspaces: new NamedCloudWorkspace(workspace, backend.project),
        });
        return;
      case "s3":
        new S3Backend(this, { bucket: backend.bucket, key: s3StateKey(backend.keyPrefix, workspace), region: backend.region, encrypt: true });
        // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3Backend predates the argument.
        this.addOverride("terraform.backend.s3.use_lockfile", true);
        return;
      case "local":
        new LocalBackend(this, { path: localStatePath(backend.directory, workspace) });
        return;
    }
  }
}
