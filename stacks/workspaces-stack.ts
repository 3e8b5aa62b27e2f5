import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";

/** Bootstraps Terraform Cloud: per environment one workspace per stack, run triggers and credentials. */
export class WorkspacesStack extends TerraformStack {
  constructor(scope: Construct, readonly environments: readonly EnvironmentConfig[]) {
    super(scope, "workspaces");
  }
}
