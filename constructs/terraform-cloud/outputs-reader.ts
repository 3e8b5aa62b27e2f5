import { Team } from "@cdktf/provider-tfe/lib/team";
import { TeamAccess } from "@cdktf/provider-tfe/lib/team-access";
import { TeamToken } from "@cdktf/provider-tfe/lib/team-token";
import { Construct } from "constructs";
import type { TfcWorkspace } from "./workspace";

export interface TfcOutputsReaderProps {
  /** Terraform Cloud organization of the team. */
  readonly organization: string;
  /** Team name (organization-wide, so it carries the environment's name prefix). */
  readonly teamName: string;
  /** The upstream workspaces of one environment whose outputs the team may read. */
  readonly workspaces: readonly TfcWorkspace[];
  /** Expiry of the token, RFC 3339 (e.g. 2027-06-30T00:00:00Z): a token that never expires is never rotated. */
  readonly tokenExpiresAt: string;
}

/**
 * A team of one environment that can read its upstream workspaces' outputs and nothing else, and its expiring API
 * token (paid editions only: the Free edition has no teams). Access is granted per workspace, not per project, so
 * a dev token cannot read prod's outputs. "custom" access keeps every other permission at its minimum: no state
 * download, no variables, no runs beyond reading them.
 */
export class TfcOutputsReader extends Construct {
  readonly team: Team;
  /** The team's API token (sensitive): give it to downstream runs as TFE_TOKEN. */
  readonly token: string;

  constructor(scope: Construct, id: string, props: TfcOutputsReaderProps) {
    super(scope, id);
    this.team = new Team(this, "team", { organization: props.organization, name: props.teamName, visibility: "secret" });
    for (const workspace of props.workspaces) {
      new TeamAccess(this, `access-${workspace.node.id}`, {
        teamId: this.team.id,
        workspaceId: workspace.workspace.id,
        permissions: [{ stateVersions: "read-outputs", runs: "read", variables: "none", sentinelMocks: "none", workspaceLocking: false, runTasks: false }],
      });
    }
    this.token = new TeamToken(this, "token", { teamId: this.team.id, expiredAt: props.tokenExpiresAt }).token;
  }
}
