import type { App } from "cdktf";
import { validateApp } from "./app-factory";
import type { EnvironmentConfig } from "../config/schema";
import { AppStack } from "./app-stack";
import { DepsStack } from "./deps-stack";
import { NetworkStack } from "./network-stack";
import { WorkspacesStack } from "./workspaces-stack";

/** The stacks `createStacks` made, for tests and scripts that inspect them. */
export interface LangfuseStacks {
  /** VPC and EKS. */
  readonly network: NetworkStack;
  /** PostgreSQL, S3, IRSA roles, secrets, ElastiCache. */
  readonly deps: DepsStack;
  /** The Langfuse release and everything around it on the cluster. */
  readonly app: AppStack;
  /** The Terraform Cloud bootstrap of every environment. */
  readonly workspaces: WorkspacesStack;
}

/**
 * The four stacks of one environment, in deploy order network → deps → app. `allEnvironments` feeds the
 * workspaces stack, which bootstraps the Terraform Cloud side of every environment at once.
 */
export function createStacks(app: App, config: EnvironmentConfig, allEnvironments: readonly EnvironmentConfig[]): LangfuseStacks {
  const network = new NetworkStack(app, config);
  const deps = new DepsStack(app, config);
  deps.addDependency(network);
  const appStack = new AppStack(app, config);
  appStack.addDependency(deps);
  const workspaces = new WorkspacesStack(app, allEnvironments);
  validateApp(app);
  return { network, deps, app: appStack, workspaces };
}
