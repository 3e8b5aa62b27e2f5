import { Project } from "@cdktf/provider-tfe/lib/project";
import { Construct } from "constructs";

export interface TfcProjectProps {
  /** Terraform Cloud organization that owns the project. */
  readonly organization: string;
  /** Project name, as the environments' `backend.project` spells it (the cloud backend looks it up by name). */
  readonly name: string;
  /**
   * Description shown in the Terraform Cloud UI.
   * @default - "Langfuse on EKS: network, deps and app workspaces of every environment"
   */
  readonly description?: string;
}

/**
 * The Terraform Cloud project holding the workspaces. Grouping them in one project lets a single team grant
 * (read-outputs) cover every downstream workspace, and keeps them apart from the organization's other work.
 */
export class TfcProject extends Construct {
  readonly project: Project;
  readonly name: string;

  constructor(scope: Construct, id: string, props: TfcProjectProps) {
    super(scope, id);
    this.name = props.name;
    this.project = new Project(this, "project", {
      organization: props.organization,
      name: props.name,
      description: props.description ?? "Langfuse on EKS: network, deps and app workspaces of every environment",
    });
  }
}
