import { ConfigError } from "../errors";
import type { EnvironmentConfig, ResourceSettings } from "../schema";
import { INSTANCE_SHAPES } from "./instance-types";
import { configuredGroups, planCapacity, type NodeGroupPlan } from "./plan";
import { cpuMillis, memoryMiB } from "./quantities";
import { clickhouseGroup, clusterWorkloads, GENERAL_GROUP, type Workload } from "./workloads";

/*
 * The capacity and failure-domain rules, checked at synth: every pod fits on a node of its group next to the
 * DaemonSets, the baseline fits the groups' desired sizes, the maximum fits their max sizes, and stateful pods on
 * Spot cannot come back in a zone their volume is not in. Each failure is a ConfigError naming the key and the fix.
 */

type Key = (path: string) => string;

const cpu = (millis: number) => `${Math.floor(millis)}m`;
const mib = (value: number) => `${Math.floor(value)}Mi`;

function checkQuantities(resources: ResourceSettings, path: string, key: Key): void {
  const request = { cpu: cpuMillis(resources.cpuRequest), memory: memoryMiB(resources.memoryRequest) };
  const limit = { cpu: cpuMillis(resources.cpuLimit), memory: memoryMiB(resources.memoryLimit) };
  const cpuFix = "must be a Kubernetes CPU quantity such as 250m or 1.5";
  const memoryFix = "must be a Kubernetes memory quantity such as 512Mi or 2Gi";
  if (request.cpu === undefined) throw new ConfigError(key(`${path}.cpuRequest`), resources.cpuRequest, cpuFix);
  if (limit.cpu === undefined) throw new ConfigError(key(`${path}.cpuLimit`), resources.cpuLimit, cpuFix);
  if (request.memory === undefined) throw new ConfigError(key(`${path}.memoryRequest`), resources.memoryRequest, memoryFix);
  if (limit.memory === undefined) throw new ConfigError(key(`${path}.memoryLimit`), resources.memoryLimit, memoryFix);
  if (request.cpu > limit.cpu) throw new ConfigError(key(`${path}.cpuRequest`), resources.cpuRequest, `is above cpuLimit (${resources.cpuLimit}); Kubernetes rejects such a pod: lower the request or raise the limit`);
  if (request.memory > limit.memory) throw new ConfigError(key(`${path}.memoryRequest`), resources.memoryRequest, `is above memoryLimit (${resources.memoryLimit}); Kubernetes rejects such a pod: lower the request or raise the limit`);
}

function checkInstanceTypes(config: EnvironmentConfig, key: Key): void {
  for (const [group, settings] of configuredGroups(config)) {
    settings.instanceTypes.forEach((type, i) => {
      if (!INSTANCE_SHAPES[type]) {
        throw new ConfigError(
          key(`nodeGroups.${group}.instanceTypes.${i}`),
          type,
          `the capacity model has no figures for this instance type; use one of ${Object.keys(INSTANCE_SHAPES).join(", ")}, or add its vCPUs, memory and network interface limits to config/capacity/instance-types.ts`,
        );
      }
    });
  }
}

/** A pod that fits on no node of its group, even alone with the DaemonSets. */
function unschedulableError(plan: NodeGroupPlan, workload: Workload, key: Key): ConfigError {
  const { allocatable } = plan.shape;
  const free = { cpu: allocatable.cpuMillis - plan.daemonSets.cpuMillis, memory: allocatable.memoryMiB - plan.daemonSets.memoryMiB, pods: allocatable.pods - plan.daemonSets.pods };
  const instanceType = plan.shape.instanceType;
  const room = `a ${instanceType} node has ${cpu(allocatable.cpuMillis)} CPU and ${mib(allocatable.memoryMiB)} allocatable, the DaemonSets on every node take ${cpu(plan.daemonSets.cpuMillis)} and ${mib(plan.daemonSets.memoryMiB)}, leaving ${cpu(free.cpu)} and ${mib(free.memory)}`;
  const typesKey = key(`nodeGroups.${plan.group}.instanceTypes`);
  if (free.pods < 1 || free.cpu <= 0 || free.memory <= 0) {
    const taken = `${plan.daemonSets.pods} pods, ${cpu(plan.daemonSets.cpuMillis)} CPU and ${mib(plan.daemonSets.memoryMiB)}`;
    const offered = `${allocatable.pods} pods, ${cpu(allocatable.cpuMillis)} and ${mib(allocatable.memoryMiB)}`;
    return new ConfigError(typesKey, plan.settings.instanceTypes, `the DaemonSets on every node take ${taken} of the ${offered} a ${instanceType} node offers: ${workload.name} never schedules; use a larger instance type`);
  }
  const tooMuchCpu = workload.requests.cpuMillis > free.cpu;
  const [dimension, asked, limit] = tooMuchCpu ? ["cpuRequest", cpu(workload.requests.cpuMillis), cpu(free.cpu)] : ["memoryRequest", mib(workload.requests.memoryMiB), mib(free.memory)];
  const problem = `${workload.name} requests ${asked}; ${room}: the pod never schedules.`;
  const largerType = `a larger instance type in nodeGroups.${plan.group}.instanceTypes`;
  return workload.configKey
    ? new ConfigError(key(`${workload.configKey}.${dimension}`), asked, `${problem} Lower ${dimension} to at most ${limit} or use ${largerType}`)
    : new ConfigError(typesKey, plan.settings.instanceTypes, `${problem} Use ${largerType}`);
}

function checkFit(plan: NodeGroupPlan, config: EnvironmentConfig, key: Key): void {
  const [misfit] = plan.baseline.unschedulable.length > 0 ? plan.baseline.unschedulable : plan.max.unschedulable;
  if (misfit) throw unschedulableError(plan, misfit, key);
  const path = `nodeGroups.${plan.group}`;
  const instanceType = plan.shape.instanceType;
  if (plan.baseline.nodesNeeded > plan.settings.desiredSize) {
    throw new ConfigError(
      key(`${path}.desiredSize`),
      plan.settings.desiredSize,
      `the pods at minimum replicas need ${plan.baseline.nodesNeeded} ${instanceType} nodes (npm run capacity shows them); with fewer the first apply waits on the Cluster Autoscaler and can time out. Raise desiredSize (and minSize) to ${plan.baseline.nodesNeeded} or use a larger instance type`,
    );
  }
  if (plan.max.nodesNeeded > plan.settings.maxSize) {
    const { web, worker } = config.langfuse;
    throw new ConfigError(
      key(`${path}.maxSize`),
      plan.settings.maxSize,
      `at maximum replicas (web ${web.maxReplicas}, worker ${worker.maxReplicas}) the pods need ${plan.max.nodesNeeded} ${instanceType} nodes; raise maxSize to ${plan.max.nodesNeeded}, use a larger instance type, or lower langfuse.web/worker.maxReplicas`,
    );
  }
}

/**
 * The groups that host pods keeping data on an EBS volume (the bundled ClickHouse and Valkey). A volume lives in one
 * zone; a Spot node replaced in another zone leaves such a pod Pending, so these groups must be single-AZ on Spot.
 */
function checkStatefulZones(config: EnvironmentConfig, key: Key): void {
  const clickhouse = config.nodeGroups.clickhouse;
  if (clickhouse && !clickhouse.singleAz) {
    throw new ConfigError(key("nodeGroups.clickhouse.singleAz"), false, "the single ClickHouse replica's volume lives in one zone, and a node replaced in another zone could never attach it; set singleAz: true");
  }
  const stateful = new Set<string>();
  if (config.clickhouse.mode === "bundled") stateful.add(clickhouseGroup(config));
  if (config.redis.mode === "bundled") stateful.add(GENERAL_GROUP);
  for (const [group, settings] of configuredGroups(config)) {
    if (!stateful.has(group) || settings.capacityType !== "SPOT" || settings.singleAz) continue;
    throw new ConfigError(
      key(`nodeGroups.${group}.singleAz`),
      false,
      "this Spot group hosts the bundled ClickHouse or Valkey, whose EBS volumes live in one zone: an interrupted node replaced in another zone leaves them Pending. Set singleAz: true, or capacityType: ON_DEMAND",
    );
  }
}

/** Throws a ConfigError when the environment's pods cannot run on its node groups as configured; `workloads` replaces the environment's own (tests). */
export function checkCapacity(config: EnvironmentConfig, key: Key, workloads?: readonly Workload[]): void {
  checkQuantities(config.langfuse.web.resources, "langfuse.web.resources", key);
  checkQuantities(config.langfuse.worker.resources, "langfuse.worker.resources", key);
  if (config.clickhouse.mode === "bundled") checkQuantities(config.clickhouse.resources, "clickhouse.resources", key);
  checkInstanceTypes(config, key);
  checkStatefulZones(config, key);
  // Only now: building the workloads parses the quantities checked above.
  for (const plan of planCapacity(config, workloads ?? clusterWorkloads(config)).groups) checkFit(plan, config, key);
}
