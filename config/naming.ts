/*
 * The one place cloud resource and workspace names are made: <namePrefix>-<environment>[-<part>…]. Renaming
 * here renames (and so replaces) real resources: treat these strings as part of the deployed contract.
 */

/** The four stacks, named as `cdktf deploy <stack>` expects them. */
export const STACK_NAMES = ["network", "deps", "app", "workspaces"] as const;

/** The stacks that run in a Terraform Cloud workspace of their own, in deploy order. */
export const DEPLOYED_STACKS = ["network", "deps", "app"] as const;
export type DeployedStack = (typeof DEPLOYED_STACKS)[number];

export class Naming {
  constructor(
    readonly prefix: string,
    readonly environment: string,
  ) {}

  /** <prefix>-<environment>-<parts…>, lowercase with dashes. */
  resource(...parts: string[]): string {
    return [this.prefix, this.environment, ...parts].join("-");
  }

  /** The EKS cluster name (also the kubernetes.io/cluster/<name> subnet tag). */
  get clusterName(): string {
    return this.resource();
  }

  /** The Terraform Cloud workspace (or state file) of a stack. */
  workspace(stack: DeployedStack): string {
    return this.resource(stack);
  }

  /** The IAM role a stack's Terraform Cloud applies assume through dynamic credentials (the name predates the plan role). */
  runRole(stack: DeployedStack): string {
    return this.resource(stack, "tfc-run");
  }

  /** The read-only IAM role a stack's Terraform Cloud plans assume. */
  planRole(stack: DeployedStack): string {
    return this.resource(stack, "tfc-plan");
  }

  /**
   * Start of every IAM name of the environment (roles, policies): the run roles may write IAM only under it.
   * config/prefixes.ts rejects environments whose prefixes overlap (langfuse-dev- is a prefix of langfuse-dev-eu-).
   */
  get iamPrefix(): string {
    return `${this.resource()}-`;
  }

  /** The managed policy every IAM role of the environment's stacks carries as its permissions boundary. */
  get permissionsBoundary(): string {
    return this.resource("permissions-boundary");
  }

  /** The managed policy that refuses the apply roles any create without the environment's tag. */
  get environmentTagPolicy(): string {
    return this.resource("environment-tag");
  }

  /** The Terraform Cloud team whose token reads the environment's upstream outputs (paid editions only). */
  get outputsReaderTeam(): string {
    return this.resource("outputs-reader");
  }

  /** ECR repository prefix of the Docker Hub pull-through cache (the node role may import images only under it). */
  get imageCachePrefix(): string {
    return this.resource("cache");
  }

  /** An ALB of the app stack's ingress (AWS allows at most 32 characters; config/validate.ts checks it). */
  loadBalancer(scheme: "external" | "internal"): string {
    return this.resource(scheme === "external" ? "ext" : "int");
  }
}
