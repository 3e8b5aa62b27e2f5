import type { CapacityPlan, NodeGroupPlan, Scenario } from "../../config/capacity/plan";
import type { Workload } from "../../config/capacity/workloads";

/* The capacity plan as plain text: per node group, requested vs allocatable at baseline and at max replicas. */

const cpu = (millis: number) => `${Math.round(millis)}m`;
const mib = (value: number) => `${Math.round(value)}Mi`;
const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((100 * part) / whole)}%` : "-");
const ratio = (part: number, whole: number, unit: (n: number) => string) => `${unit(part)} / ${unit(whole)} (${percent(part, whole)})`;

const COLUMNS = [16, 8, 28, 32, 16] as const;
const line = (cells: readonly string[]) => `  ${cells.map((cell, i) => cell.padEnd(COLUMNS[i] ?? 0)).join(" ")}`.trimEnd();

function scenarioRow(label: string, scenario: Scenario): string {
  const nodes = scenario.nodes === scenario.nodesNeeded ? `${scenario.nodes}` : `${scenario.nodes} (${scenario.nodesNeeded} needed)`;
  return line([
    label,
    nodes,
    ratio(scenario.requested.cpuMillis, scenario.allocatable.cpuMillis, cpu),
    ratio(scenario.requested.memoryMiB, scenario.allocatable.memoryMiB, mib),
    `${scenario.requested.pods} / ${scenario.allocatable.pods}`,
  ]);
}

function podRow(workload: Workload): string {
  const replicas = workload.baselineReplicas === workload.maxReplicas ? `${workload.baselineReplicas}` : `${workload.baselineReplicas}-${workload.maxReplicas}`;
  const spread = workload.oneReplicaPerNode ? ", one per node" : "";
  return `    ${workload.name.padEnd(44)} ${replicas.padStart(4)} × ${cpu(workload.requests.cpuMillis).padStart(6)} ${mib(workload.requests.memoryMiB).padStart(7)}  ${workload.source}${spread}`;
}

function groupBlock(plan: NodeGroupPlan): string[] {
  const { settings, shape, daemonSets } = plan;
  const zones = settings.singleAz ? "one AZ" : "every AZ";
  const others = settings.instanceTypes.length > 1 ? ` (most constraining of ${settings.instanceTypes.join(", ")})` : "";
  return [
    `node group ${plan.group}: ${shape.instanceType}${others}, ${settings.capacityType}, ${zones}, min ${settings.minSize} / desired ${settings.desiredSize} / max ${settings.maxSize}`,
    `  per node: ${cpu(shape.allocatable.cpuMillis)} CPU, ${mib(shape.allocatable.memoryMiB)} memory, ${shape.allocatable.pods} pods allocatable; DaemonSets take ${cpu(daemonSets.cpuMillis)}, ${mib(daemonSets.memoryMiB)}, ${daemonSets.pods} pods`,
    line(["", "nodes", "CPU requested / allocatable", "memory requested / allocatable", "pods / max pods"]),
    scenarioRow("baseline", plan.baseline),
    scenarioRow("max replicas", plan.max),
    "  pods (replicas × CPU, memory per pod; source):",
    ...plan.workloads.map(podRow),
    "",
  ];
}

export function formatCapacity(plan: CapacityPlan): string {
  const daemonSets = plan.workloads.filter((workload) => "everyNode" in workload.placement);
  const out = [
    `Capacity of environment '${plan.environment}': pod requests vs node allocatable (EKS AL2023 reservations, VPC CNI max pods)`,
    "",
    ...plan.groups.flatMap(groupBlock),
    "DaemonSets on every node, dedicated tainted ones included (CPU, memory per pod; source):",
    ...daemonSets.map(podRow),
    "",
    "Nodes needed: the fewest nodes the pods fit on; counted: never fewer than minSize. Jobs and CronJobs count as running.",
    "Figures per instance type: config/capacity/instance-types.ts; the pods: config/capacity/workloads.ts (docs/capacity.md).",
  ];
  return `${out.join("\n")}\n`;
}
