import type { EnvironmentConfig, NodeGroupSettings } from "../schema";
import { nodeAllocatable, type NodeAllocatable } from "./instance-types";
import { addRequests, type PodRequests } from "./quantities";
import { clusterWorkloads, type Workload } from "./workloads";

/*
 * Where the environment's pods land: per node group, the DaemonSets every node carries and the other pods packed
 * onto as few nodes as they fit on, at the minimum replicas (baseline) and with every autoscaler at its maximum.
 */

/** One pod to place. */
interface Pod {
  readonly workload: Workload;
  readonly requests: PodRequests;
}

/** The node a group's figures are computed for. */
export interface NodeShape {
  readonly instanceType: string;
  readonly allocatable: NodeAllocatable;
}

/** Requests and pod count of several pods. */
export type PodTotals = PodRequests & { readonly pods: number };

/** Requested vs allocatable in one scenario, summed over the group's nodes (DaemonSets included). */
export interface Scenario {
  /** Nodes the pods need (0 for a group no pod runs on). */
  readonly nodesNeeded: number;
  /** Nodes counted: the needed nodes, never fewer than the group's minSize (the Cluster Autoscaler keeps those). */
  readonly nodes: number;
  readonly requested: PodTotals;
  readonly allocatable: NodeAllocatable;
  /** Pods that fit on no node of this shape even when alone with the DaemonSets. */
  readonly unschedulable: readonly Workload[];
}

export interface NodeGroupPlan {
  /** The group's name in the configuration (general, clickhouse). */
  readonly group: string;
  readonly settings: NodeGroupSettings;
  /**
   * The group's most constraining instance type (a Spot or mixed group may launch any of them): the one whose nodes
   * leave a pod unschedulable, else the one needing the most nodes.
   */
  readonly shape: NodeShape;
  /** Requests of the DaemonSets on each node. */
  readonly daemonSets: PodTotals;
  /** The workloads of the group (not the DaemonSets). */
  readonly workloads: readonly Workload[];
  readonly baseline: Scenario;
  readonly max: Scenario;
}

export interface CapacityPlan {
  readonly environment: string;
  readonly groups: readonly NodeGroupPlan[];
  /** Every workload, DaemonSets included, in list order. */
  readonly workloads: readonly Workload[];
}

type Room = { readonly cpuMillis: number; readonly memoryMiB: number; readonly pods: number };

interface OpenNode {
  cpuMillis: number;
  memoryMiB: number;
  pods: number;
  readonly workloads: Set<Workload>;
}

const fits = (node: OpenNode, pod: Pod) =>
  pod.requests.cpuMillis <= node.cpuMillis && pod.requests.memoryMiB <= node.memoryMiB && node.pods >= 1 && !(pod.workload.oneReplicaPerNode && node.workloads.has(pod.workload));

type Order = (free: Room) => (pod: Pod) => number;

// Orders to try, largest first: by the scarcest resource (pod slots included), by memory, by CPU.
const ORDERS: readonly Order[] = [
  (free) => (pod) => Math.max(pod.requests.cpuMillis / free.cpuMillis, pod.requests.memoryMiB / free.memoryMiB, 1 / free.pods),
  () => (pod) => pod.requests.memoryMiB,
  () => (pod) => pod.requests.cpuMillis,
];

interface Packing {
  readonly nodes: number;
  readonly unschedulable: Workload[];
}

/** First fit (the first open node with room) or best fit (the fullest such node). */
function packOnce(pods: readonly Pod[], free: Room, size: (pod: Pod) => number, bestFit: boolean): Packing {
  const nodes: OpenNode[] = [];
  const unschedulable = new Set<Workload>();
  const empty = (): OpenNode => ({ ...free, workloads: new Set() });
  const load = (node: OpenNode) => 2 - node.cpuMillis / free.cpuMillis - node.memoryMiB / free.memoryMiB;
  for (const pod of [...pods].sort((a, b) => size(b) - size(a))) {
    if (!fits(empty(), pod)) {
      unschedulable.add(pod.workload);
      continue;
    }
    const candidates = nodes.filter((candidate) => fits(candidate, pod));
    let node = bestFit ? candidates.sort((a, b) => load(b) - load(a))[0] : candidates[0];
    if (!node) nodes.push((node = empty()));
    node.cpuMillis -= pod.requests.cpuMillis;
    node.memoryMiB -= pod.requests.memoryMiB;
    node.pods -= 1;
    node.workloads.add(pod.workload);
  }
  return { nodes: nodes.length, unschedulable: [...unschedulable] };
}

/**
 * Whether the pods fit on `count` nodes when each goes to the emptiest node with room, as the scheduler's default
 * scoring (least allocated) places them on the nodes that exist.
 */
function spreadsOnto(pods: readonly Pod[], free: Room, count: number, size: (pod: Pod) => number): boolean {
  const nodes: OpenNode[] = Array.from({ length: count }, () => ({ ...free, workloads: new Set<Workload>() }));
  const room = (node: OpenNode) => node.cpuMillis / free.cpuMillis + node.memoryMiB / free.memoryMiB;
  for (const pod of [...pods].sort((a, b) => size(b) - size(a))) {
    const node = nodes.filter((candidate) => fits(candidate, pod)).sort((a, b) => room(b) - room(a))[0];
    if (!node) return false;
    node.cpuMillis -= pod.requests.cpuMillis;
    node.memoryMiB -= pod.requests.memoryMiB;
    node.pods -= 1;
    node.workloads.add(pod.workload);
  }
  return true;
}

/**
 * The fewest nodes of `free` room each (allocatable less the DaemonSets) the pods fit on: the better of packing them
 * (first and best fit over a few orders) and spreading them as the scheduler does over as many nodes as it takes.
 * The Cluster Autoscaler adds a node only when a pod fits nowhere and removes one whose pods fit elsewhere, so the
 * fewest nodes some placement reaches is what a settled cluster runs.
 */
function pack(pods: readonly Pod[], free: Room): Packing {
  if (free.cpuMillis <= 0 || free.memoryMiB <= 0 || free.pods <= 0) return { nodes: 0, unschedulable: [...new Set(pods.map((pod) => pod.workload))] };
  const attempts = ORDERS.flatMap((order) => [false, true].map((bestFit) => packOnce(pods, free, order(free), bestFit)));
  const packed = attempts.reduce((best, next) => (next.nodes < best.nodes ? next : best));
  if (packed.unschedulable.length > 0) return packed;
  const scarcest = ORDERS[0](free);
  for (let count = 1; count < packed.nodes; count += 1) {
    if (spreadsOnto(pods, free, count, scarcest)) return { nodes: count, unschedulable: [] };
  }
  return packed;
}

function podsOf(workloads: readonly Workload[], replicas: (workload: Workload) => number): Pod[] {
  return workloads.flatMap((workload) => Array.from({ length: replicas(workload) }, () => ({ workload, requests: workload.requests })));
}

function scenario(pods: readonly Pod[], settings: NodeGroupSettings, shape: NodeShape, daemonSets: PodTotals): Scenario {
  const free = {
    cpuMillis: shape.allocatable.cpuMillis - daemonSets.cpuMillis,
    memoryMiB: shape.allocatable.memoryMiB - daemonSets.memoryMiB,
    pods: shape.allocatable.pods - daemonSets.pods,
  };
  const packed = pack(pods, free);
  const nodes = Math.max(packed.nodes, settings.minSize);
  const podRequests = addRequests(...pods.map((pod) => pod.requests));
  return {
    nodesNeeded: packed.nodes,
    nodes,
    requested: {
      cpuMillis: podRequests.cpuMillis + nodes * daemonSets.cpuMillis,
      memoryMiB: podRequests.memoryMiB + nodes * daemonSets.memoryMiB,
      pods: pods.length + nodes * daemonSets.pods,
    },
    allocatable: { cpuMillis: nodes * shape.allocatable.cpuMillis, memoryMiB: nodes * shape.allocatable.memoryMiB, pods: nodes * shape.allocatable.pods },
    unschedulable: packed.unschedulable,
  };
}

/** The node groups of the configuration, by name. */
export function configuredGroups(config: EnvironmentConfig): Array<readonly [string, NodeGroupSettings]> {
  const { general, clickhouse } = config.nodeGroups;
  return clickhouse ? [["general", general], ["clickhouse", clickhouse]] : [["general", general]];
}

type Candidate = Pick<NodeGroupPlan, "shape" | "baseline" | "max">;

/** Orders candidates by how constraining they are: unschedulable pods, then nodes at baseline, then at max. */
const rank = (candidate: Candidate) => [candidate.max.unschedulable.length, candidate.baseline.nodesNeeded, candidate.max.nodesNeeded];

function moreConstraining(a: Candidate, b: Candidate): Candidate {
  const [ra, rb] = [rank(a), rank(b)];
  const index = ra.findIndex((value, i) => value !== rb[i]);
  return index !== -1 && rb[index] > ra[index] ? b : a;
}

function groupPlan(group: string, settings: NodeGroupSettings, own: readonly Workload[], daemonSets: PodTotals): NodeGroupPlan {
  const candidates = settings.instanceTypes.map((instanceType): Candidate => {
    const allocatable = nodeAllocatable(instanceType);
    if (!allocatable) throw new Error(`node group ${group}: instance type ${instanceType} is not in config/capacity/instance-types.ts`);
    const shape = { instanceType, allocatable };
    return {
      shape,
      baseline: scenario(podsOf(own, (workload) => workload.baselineReplicas), settings, shape, daemonSets),
      max: scenario(podsOf(own, (workload) => workload.maxReplicas), settings, shape, daemonSets),
    };
  });
  return { group, settings, daemonSets, workloads: own, ...candidates.reduce(moreConstraining) };
}

/**
 * The capacity plan of an environment. Throws for an instance type the model does not know: `checkCapacity`
 * (config/capacity/check.ts) reports that as a configuration error first.
 */
export function planCapacity(config: EnvironmentConfig, workloads: readonly Workload[] = clusterWorkloads(config)): CapacityPlan {
  const daemonSetWorkloads = workloads.filter((workload) => "everyNode" in workload.placement);
  const daemonSets = { ...addRequests(...daemonSetWorkloads.map((workload) => workload.requests)), pods: daemonSetWorkloads.length };
  const groups = configuredGroups(config).map(([group, settings]) =>
    groupPlan(group, settings, workloads.filter((workload) => "nodeGroup" in workload.placement && workload.placement.nodeGroup === group), daemonSets),
  );
  return { environment: config.name, groups, workloads };
}
