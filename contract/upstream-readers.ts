import type { DeployedStack } from "../config/naming";

/**
 * Which upstream workspaces each stack reads outputs from (contract/upstream.ts): the workspaces stack shares
 * exactly these states, so a stack that starts reading another upstream must be added here
 * (__tests__/workspaces-stack.test.ts checks the synthesized tfe_outputs against it).
 */
export const UPSTREAMS: Readonly<Record<DeployedStack, readonly DeployedStack[]>> = {
  network: [],
  deps: ["network"],
  app: ["network", "deps"],
};
