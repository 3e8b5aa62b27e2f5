import type { CapacityPlan, Scenario } from "../../config/capacity/plan";
import { Naming } from "../../config/naming";
import type { EnvironmentConfig } from "../../config/schema";

/*
 * The node counts the estimate prices, from the capacity model: the nodes the pods need at baseline (or with every
 * autoscaler at its maximum), never fewer than the group's minSize. Keyed by the node group's name prefix, as the
 * synthesized aws_eks_node_group carries it.
 */

export interface NodeCounts {
  /** Nodes at minimum replicas: what the environment runs most of the time. */
  readonly baseline: Readonly<Record<string, number>>;
  /** Nodes with web and worker at maxReplicas. */
  readonly max: Readonly<Record<string, number>>;
}

export function nodeCounts(config: EnvironmentConfig, plan: CapacityPlan): NodeCounts {
  const naming = new Naming(config.namePrefix, config.name);
  const counts = (pick: (group: CapacityPlan["groups"][number]) => Scenario) =>
    Object.fromEntries(plan.groups.map((group) => [`${naming.resource(group.group)}-`, pick(group).nodes]));
  return { baseline: counts((group) => group.baseline), max: counts((group) => group.max) };
}
