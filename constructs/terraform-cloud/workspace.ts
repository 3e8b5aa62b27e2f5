import { RunTrigger } from "@cdktf/provider-tfe/lib/run-trigger";
import { Variable } from "@cdktf/provider-tfe/lib/variable";
import { Workspace } from "@cdktf/provider-tfe/lib/workspace";
import { WorkspaceSettings } from "@cdktf/provider-tfe/lib/workspace-settings";
import { Construct } from "constructs";

/** Where a VCS-driven workspace finds its configuration. */
export interface TfcVcsSource {
  /** Repository as owner/name. */
  readonly repository: string;
  /** Branch whose pushes queue runs. */
  readonly branch: string;
  /** OAuth token id (ot-…) of the organization's VCS connection. */
  readonly oauthTokenId: string;
  /** Folder of the repository holding the synthesized stack; runs start there and only changes below it queue one. */
  readonly workingDirectory: string;
}

/** An environment variable of the workspace's runs. */
export interface TfcEnvironmentVariable {
  /** Variable name, e.g. TFC_AWS_RUN_ROLE_ARN. */
  readonly key: string;
  /** Value (may be a token of another resource). */
  readonly value: string;
  /** Why the runs need it, shown in the Terraform Cloud UI. */
  readonly description: string;
  /**
   * Write-only in Terraform Cloud: never shown in the UI or API.
   * @default false
   */
  readonly sensitive?: boolean;
}

export interface TfcWorkspaceProps {
  /** Workspace name, from the naming helper (<prefix>-<env>-<stack>). */
  readonly name: string;
  /** Terraform Cloud organization. */
  readonly organization: string;
  /** Id of the project the workspace lives in. */
  readonly projectId: string;
  /** Exact Terraform version of every run (a pinned version cannot change under a running deployment). */
  readonly terraformVersion: string;
  /** Apply a successful plan without confirmation (VCS and CLI runs). */
  readonly autoApply: boolean;
  /** Apply a successful plan of a run queued by a run trigger without confirmation. */
  readonly autoApplyRunTrigger: boolean;
  /**
   * Description shown in the Terraform Cloud UI.
   * @default - none
   */
  readonly description?: string;
  /**
   * Connect the workspace to a repository folder (VCS-driven runs).
   * @default - CLI-driven: runs start from `terraform apply` / `cdktf deploy` on a machine
   */
  readonly vcs?: TfcVcsSource;
  /**
   * HCP Terraform agent pool the runs execute on (execution mode `agent`): agents inside the VPC reach a private or
   * CIDR-restricted Kubernetes API that HCP Terraform's shared workers cannot. The pool must be organization-wide
   * or allow this workspace.
   * @default - remote execution on HCP Terraform's shared workers
   */
  readonly agentPoolId?: string;
  /**
   * Environment variables of every run.
   * @default - none
   */
  readonly environmentVariables?: readonly TfcEnvironmentVariable[];
  /**
   * Workspaces whose runs may read this workspace's state and outputs with their own run token (remote state
   * sharing, every edition): how downstream stacks read their upstream's outputs on the Free edition.
   * @default - no workspace; global sharing stays off either way
   */
  readonly remoteStateConsumerIds?: readonly string[];
}

/** "TFC_AWS_RUN_ROLE_ARN" → "tfc-aws-run-role-arn": construct ids derive from the key so they never move. */
function variableId(key: string): string {
  return key.toLowerCase().replace(/_/g, "-");
}

/**
 * One Terraform Cloud workspace with remote execution and its run environment. Execution mode is set through
 * `tfe_workspace_settings` because the attribute on `tfe_workspace` is deprecated. A VCS-driven workspace only
 * reacts to files under its working directory, so a commit that touches one stack queues one workspace.
 */
export class TfcWorkspace extends Construct {
  readonly workspace: Workspace;
  readonly settings: WorkspaceSettings;

  constructor(scope: Construct, id: string, props: TfcWorkspaceProps) {
    super(scope, id);
    const vcs = props.vcs;
    this.workspace = new Workspace(this, "workspace", {
      name: props.name,
      organization: props.organization,
      projectId: props.projectId,
      description: props.description,
      terraformVersion: props.terraformVersion,
      autoApply: props.autoApply,
      autoApplyRunTrigger: props.autoApplyRunTrigger,
      // A run queued at creation would start before the variables below exist and out of deploy order.
      queueAllRuns: false,
      ...(vcs && {
        workingDirectory: vcs.workingDirectory,
        triggerPatterns: [`${vcs.workingDirectory}/**/*`],
        vcsRepo: { identifier: vcs.repository, branch: vcs.branch, oauthTokenId: vcs.oauthTokenId },
      }),
    });
    this.settings = new WorkspaceSettings(this, "settings", {
      workspaceId: this.workspace.id,
      ...(props.agentPoolId ? { executionMode: "agent", agentPoolId: props.agentPoolId } : { executionMode: "remote" }),
      globalRemoteState: false,
      remoteStateConsumerIds: props.remoteStateConsumerIds ? [...props.remoteStateConsumerIds] : undefined,
    });
    for (const variable of props.environmentVariables ?? []) {
      new Variable(this, variableId(variable.key), {
        workspaceId: this.workspace.id,
        category: "env",
        key: variable.key,
        value: variable.value,
        description: variable.description,
        sensitive: variable.sensitive ?? false,
      });
    }
  }

  /** Queues a run of this workspace whenever a run of `upstream` applies successfully. */
  runAfter(upstream: TfcWorkspace): RunTrigger {
    return new RunTrigger(this, `after-${upstream.node.id}`, { workspaceId: this.workspace.id, sourceableId: upstream.workspace.id });
  }
}
