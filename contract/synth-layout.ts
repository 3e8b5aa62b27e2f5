import type { DeployedStack } from "../config/naming";

/*
 * Where the synthesized JSON of each environment is committed for Terraform Cloud's VCS-driven runs:
 * synth/<environment>/stacks/<stack>/cdk.tf.json (plus the stack's assets). The workspaces stack sets each
 * workspace's working directory and trigger patterns from these paths, and the CI workflow writes them, so a
 * change that touches only one stack's folder queues only that stack's workspace.
 */
export const SYNTH_ROOT = "synth";

/** The folder one environment is synthesized into (cdktf's outdir for it). */
export function environmentSynthDirectory(environment: string): string {
  return `${SYNTH_ROOT}/${environment}`;
}

/** The Terraform working directory of one stack of one environment. */
export function stackWorkingDirectory(environment: string, stack: DeployedStack): string {
  return `${environmentSynthDirectory(environment)}/stacks/${stack}`;
}
