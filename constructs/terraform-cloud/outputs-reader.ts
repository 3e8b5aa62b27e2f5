import { Team } from "@cdktf/provider-tfe/lib/team";
import { TeamProjectAccess } from "@cdktf/provider-tfe/lib/team-project-access";
import { TeamToken } from "@cdktf/provider-tfe/lib/team-token";
import { Construct } from "constructs";
import type { TfcProject } from "./project";

export interface TfcOutputsReaderProps {
  /** Terraform Cloud organization of the team. */
  readonly organization: string;
  /** Team name (organization-wide, so it carries the deployment's name prefix). */
  readonly teamName: string;
  /** Projects whose workspaces' outputs the team may read. */
  readonly projects: readonly TfcProject[];
}

/**
 * A team that can read workspace outputs and nothing else, and its API token. Downstream workspaces read their
 * upstream outputs with `tfe_outputs`, which needs a token allowed to read state outputs: a run's own token is
 * not, and remote state sharing settings do not apply to that data source. "custom" access keeps every other
 * permission at its minimum: no state download, no variables, no runs beyond reading them.
 */
export class TfcOutputsReader extends Construct {
  readonly team: Team;
  /** The team's API token (sensitive): give it to downstream runs as TFE_TOKEN. */
  readonly token: string;

  constructor(scope: Construct, id: string, props: TfcOutputsReaderProps) {
    super(scope, id);
    this.team = new Team(this, "team", { organization: props.organization, name: props.teamName, visibility: "secret" });
    for (const project of props.projects) {
      new TeamProjectAccess(this, `access-${project.node.id}`, {
        teamId: this.team.id,
        projectId: project.project.id,
        access: "custom",
        projectAccess: [{ settings: "read", teams: "none", variableSets: "none" }],
        workspaceAccess: [
          {
            stateVersions: "read-outputs",
            runs: "read",
            variables: "none",
            sentinelMocks: "none",
            create: false,
            delete: false,
            locking: false,
            move: false,
            runTasks: false,
          },
        ],
      });
    }
    this.token = new TeamToken(this, "token", { teamId: this.team.id }).token;
  }
}
