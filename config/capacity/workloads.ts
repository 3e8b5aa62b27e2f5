import { CLOUDWATCH_OBSERVABILITY_CONFIGURATION } from "../../constructs/cluster/cloudwatch-observability";
import { DISK_METRICS_RESOURCES, RETENTION_JOB_RESOURCES } from "../../constructs/clickhouse/job-resources";
import { buildLangfuseValues, type LangfuseChartValues, type LangfuseEndpoints } from "../../constructs/langfuse/values";
import { buildLangfuseV4Values, type LangfuseV4ChartValues } from "../../constructs/langfuse/values-v4";
import { CLICKHOUSE_ADDON_CHARTS, CLICKHOUSE_ADDON_NAMESPACES, CLICKHOUSE_ADDON_RESOURCES } from "../../constructs/platform/clickhouse-addons";
import { clusterAutoscalerValues } from "../../constructs/platform/cluster-autoscaler";
import { LOAD_BALANCER_CONTROLLER_REPLICAS, LOAD_BALANCER_CONTROLLER_RESOURCES, WEBHOOK_PROBE_RESOURCES } from "../../constructs/platform/load-balancer-controller";
import { BITNAMI_V3_CLICKHOUSE } from "../../contract/clickhouse-flavours";
import { OPERATOR_CLICKHOUSE } from "../../contract/clickhouse-v4";
import { resolveRelease } from "../../contract/langfuse-lines";
import type { EnvironmentConfig } from "../schema";
import { requestsOf, type PodRequests } from "./quantities";

/*
 * Every pod the environment runs on its nodes, with its CPU/memory requests and where they come from. Requests the
 * project sets are read from the same values builders and constants the stacks use, so this list cannot drift from
 * what is deployed; requests left to a chart or an EKS add-on are its defaults, recorded with their version.
 * A new workload (an operator, a Job) is one more entry in the lists below.
 */

/** Where a workload's pods may run. */
export type Placement =
  /** A DaemonSet that tolerates every taint: one pod on every node of every group, dedicated ones included. */
  | { readonly everyNode: true }
  /** Pods of one node group (by the group's name in the configuration: general, clickhouse). */
  | { readonly nodeGroup: string };

/** The pods of one Deployment, StatefulSet, Job or DaemonSet. */
export interface Workload {
  /** Kubernetes name (namespace/name), as `kubectl get pods` shows it. */
  readonly name: string;
  /** Where its requests come from: a configuration key, a project constant, or a chart/add-on default and version. */
  readonly source: string;
  /** Requests of one pod (the sum of its containers). */
  readonly requests: PodRequests;
  readonly placement: Placement;
  /** Pods with the minimum replicas (a DaemonSet: 1, per node). */
  readonly baselineReplicas: number;
  /** Pods with every autoscaler at its maximum. */
  readonly maxReplicas: number;
  /** Required anti-affinity: no two pods on one node. */
  readonly oneReplicaPerNode?: boolean;
  /** The configuration key holding its requests, when the user sets them (error messages point there). */
  readonly configKey?: string;
}

/** The ClickHouse node group's name in the configuration. */
export const CLICKHOUSE_GROUP = "clickhouse";
/** The node group everything without a dedicated group runs on. */
export const GENERAL_GROUP = "general";

const request = (cpu: string, memory: string): PodRequests => requestsOf({ cpu, memory });
const general: Placement = { nodeGroup: GENERAL_GROUP };
const everyNode: Placement = { everyNode: true };
const fixed = (replicas: number) => ({ baselineReplicas: replicas, maxReplicas: replicas });

/**
 * DaemonSets of the EKS managed add-ons; their requests come from the add-on manifests EKS installs (the default
 * version for the cluster's minor), read from the upstream charts they are rendered from: aws-ebs-csi-driver chart
 * 2.64.0, amazon-cloudwatch-observability chart 6.4.0 (aws-observability/helm-charts).
 */
export function eksDaemonSets(cloudwatch: { readonly containerLogs: { readonly enabled: boolean } } = CLOUDWATCH_OBSERVABILITY_CONFIGURATION): Workload[] {
  const workloads: Workload[] = [
    { name: "kube-system/kube-proxy", source: "EKS add-on kube-proxy (100m CPU, no memory request)", requests: request("100m", "0"), placement: everyNode, ...fixed(1) },
    { name: "kube-system/aws-node", source: "EKS add-on vpc-cni: aws-node 25m + aws-eks-nodeagent 25m (no memory request)", requests: request("50m", "0"), placement: everyNode, ...fixed(1) },
    { name: "kube-system/ebs-csi-node", source: "EKS add-on aws-ebs-csi-driver: 3 containers × 10m/40Mi", requests: request("30m", "120Mi"), placement: everyNode, ...fixed(1) },
    { name: "amazon-cloudwatch/cloudwatch-agent", source: "EKS add-on amazon-cloudwatch-observability (chart agent.resources)", requests: request("250m", "128Mi"), placement: everyNode, ...fixed(1) },
  ];
  // Container logs off (constructs/cluster/cloudwatch-observability.ts) means no fluent-bit DaemonSet; on, it runs on every node.
  if (cloudwatch.containerLogs.enabled) {
    workloads.push({ name: "amazon-cloudwatch/fluent-bit", source: "EKS add-on amazon-cloudwatch-observability (containerLogs.fluentBit.resources)", requests: request("50m", "25Mi"), placement: everyNode, ...fixed(1) });
  }
  return workloads;
}

/** Controllers of the EKS managed add-ons (Deployments on the general group). */
function eksControllers(): Workload[] {
  return [
    { name: "kube-system/coredns", source: "EKS add-on coredns (2 replicas × 100m/70Mi)", requests: request("100m", "70Mi"), placement: general, ...fixed(2) },
    { name: "kube-system/ebs-csi-controller", source: "EKS add-on aws-ebs-csi-driver (2 replicas × 5 containers × 10m/40Mi)", requests: request("50m", "200Mi"), placement: general, ...fixed(2) },
    { name: "amazon-cloudwatch/cloudwatch-agent-operator", source: "EKS add-on amazon-cloudwatch-observability (chart manager.resources)", requests: request("100m", "64Mi"), placement: general, ...fixed(1) },
  ];
}

/**
 * The chart versions whose defaults (or pod layout) the add-on entries below were read from. When ADDON_CHARTS
 * (constructs/platform/platform-addons.ts) pins another version, a test fails until the entries are checked against
 * the new chart's values and the version here follows.
 */
export const ADDON_CHART_VERSIONS_READ = {
  loadBalancerController: { chart: "aws-load-balancer-controller", version: "3.4.2" },
  metricsServer: { chart: "metrics-server", version: "3.13.0" },
  keda: { chart: "keda", version: "2.18.0" },
  clusterAutoscaler: { chart: "cluster-autoscaler", version: "9.59.0" },
} as const;

/** The Helm add-ons of the app stack (constructs/platform). */
function platformAddons(config: EnvironmentConfig): Workload[] {
  const { loadBalancerController: lbc, metricsServer, keda, clusterAutoscaler } = ADDON_CHART_VERSIONS_READ;
  const autoscaler = clusterAutoscalerValues({ clusterName: "capacity-model", region: config.region, kubernetesVersion: config.cluster.kubernetesVersion, roleArn: "" }) as {
    resources: { requests: { cpu: string; memory: string } };
  };
  return [
    {
      name: "kube-system/aws-load-balancer-controller",
      source: `project constant (constructs/platform/load-balancer-controller.ts), chart ${lbc.chart} ${lbc.version}`,
      requests: requestsOf(LOAD_BALANCER_CONTROLLER_RESOURCES.requests),
      placement: general,
      ...fixed(LOAD_BALANCER_CONTROLLER_REPLICAS),
      oneReplicaPerNode: true,
    },
    { name: "kube-system/aws-load-balancer-webhook-ready", source: "project constant (webhook readiness Job)", requests: requestsOf(WEBHOOK_PROBE_RESOURCES.requests), placement: general, ...fixed(1) },
    { name: "kube-system/metrics-server", source: `chart ${metricsServer.chart} ${metricsServer.version} default (resources.requests)`, requests: request("100m", "200Mi"), placement: general, ...fixed(1) },
    { name: "keda/keda-operator", source: `chart ${keda.chart} ${keda.version} default (resources.operator)`, requests: request("100m", "100Mi"), placement: general, ...fixed(1) },
    { name: "keda/keda-operator-metrics-apiserver", source: `chart ${keda.chart} ${keda.version} default (resources.metricServer)`, requests: request("100m", "100Mi"), placement: general, ...fixed(1) },
    { name: "keda/keda-admission-webhooks", source: `chart ${keda.chart} ${keda.version} default (resources.webhooks)`, requests: request("100m", "100Mi"), placement: general, ...fixed(1) },
    { name: "kube-system/cluster-autoscaler", source: `project values (constructs/platform/cluster-autoscaler.ts), chart ${clusterAutoscaler.chart} ${clusterAutoscaler.version}`, requests: requestsOf(autoscaler.resources.requests), placement: general, ...fixed(1) },
  ];
}

/** Placeholders for the deps stack's outputs: only the shape of the values matters here, not the endpoints. */
const NO_ENDPOINTS: LangfuseEndpoints = {
  databaseHost: "", databasePort: "", databaseName: "", databaseUsername: "", bucketName: "", bucketRegion: "",
  langfuseRoleArn: "", redisHost: "", redisPort: "", imageRegistryPrefix: "registry/prefix",
};

/** The node group the bundled ClickHouse runs on: its dedicated group when there is one. */
export function clickhouseGroup(config: EnvironmentConfig): string {
  return config.nodeGroups.clickhouse ? CLICKHOUSE_GROUP : GENERAL_GROUP;
}

/** The Langfuse web and worker Deployments (the same keys on both lines). */
function langfuseApp(config: EnvironmentConfig, values: LangfuseChartValues | LangfuseV4ChartValues): Workload[] {
  const { web, worker } = config.langfuse;
  return [
    { name: "langfuse/langfuse-web", source: "langfuse.web.resources", configKey: "langfuse.web.resources", requests: requestsOf(values.langfuse.web.resources.requests), placement: general, baselineReplicas: web.minReplicas, maxReplicas: web.maxReplicas },
    { name: "langfuse/langfuse-worker", source: "langfuse.worker.resources", configKey: "langfuse.worker.resources", requests: requestsOf(values.langfuse.worker.resources.requests), placement: general, baselineReplicas: worker.minReplicas, maxReplicas: worker.maxReplicas },
  ];
}

/** The ClickHouse lifecycle's jobs; a CronJob's pod needs room whenever it fires, so Jobs count as if always running. */
function clickhouseJobs(): Workload[] {
  return [
    { name: "langfuse/clickhouse-retention", source: "project constant (constructs/clickhouse/job-resources.ts): deploy Job + daily CronJob", requests: requestsOf(RETENTION_JOB_RESOURCES.requests), placement: general, ...fixed(1) },
    { name: "langfuse/disk-metrics", source: "project constant (constructs/clickhouse/job-resources.ts): CronJob every 5 minutes", requests: requestsOf(DISK_METRICS_RESOURCES.requests), placement: general, ...fixed(1) },
  ];
}

/** The v3 line's release (chart 1.5.x): web, worker, the bitnami ClickHouse and Valkey subcharts. */
function langfuseV3(config: EnvironmentConfig): Workload[] {
  const values = buildLangfuseValues(config, NO_ENDPOINTS);
  const workloads = langfuseApp(config, values);
  if (values.redis.deploy) {
    workloads.push({ name: "langfuse/langfuse-redis-primary", source: "project values (constructs/langfuse/values.ts, redis.primary.resources)", requests: requestsOf(values.redis.primary.resources.requests), placement: general, ...fixed(1) });
  }
  if (values.clickhouse.deploy) {
    workloads.push(
      { name: `langfuse/${BITNAMI_V3_CLICKHOUSE.podName}`, source: "clickhouse.resources", configKey: "clickhouse.resources", requests: requestsOf(values.clickhouse.resources.requests), placement: { nodeGroup: clickhouseGroup(config) }, ...fixed(1) },
      ...clickhouseJobs(),
    );
  }
  return workloads;
}

/**
 * The v4 line's release (chart 2.0.x): web, worker, the valkey-io Valkey, and the ClickHouseCluster and KeeperCluster
 * the operator runs; Keeper is placed with ClickHouse (constructs/langfuse/values-v4.ts), on the dedicated node in prod.
 */
function langfuseV4(config: EnvironmentConfig): Workload[] {
  const values = buildLangfuseV4Values(config, NO_ENDPOINTS);
  const workloads = langfuseApp(config, values);
  if (values.redis.deploy) {
    workloads.push({ name: "langfuse/langfuse-redis", source: "project values (constructs/langfuse/values-v4.ts, redis.resources)", requests: requestsOf(values.redis.resources.requests), placement: general, ...fixed(1) });
  }
  if (values.clickhouse.deploy) {
    const placement = { nodeGroup: clickhouseGroup(config) };
    const { cluster, keeper } = values.clickhouse;
    workloads.push(
      { name: `langfuse/${OPERATOR_CLICKHOUSE.podName}`, source: "clickhouse.resources", configKey: "clickhouse.resources", requests: requestsOf(cluster.resources.requests), placement, ...fixed(cluster.replicas) },
      { name: `langfuse/${OPERATOR_CLICKHOUSE.keeperResourceName}-keeper`, source: "project constant (constructs/langfuse/values-v4.ts, KEEPER_RESOURCES)", requests: requestsOf(keeper.resources.requests), placement, ...fixed(keeper.replicas) },
      ...clickhouseJobs(),
    );
  }
  return workloads;
}

/** cert-manager and the ClickHouse operator, which run the operator-managed ClickHouse (on the general group). */
function clickhouseOperatorAddons(): Workload[] {
  const { certManager, clickhouseOperator } = CLICKHOUSE_ADDON_CHARTS;
  const { certManager: certManagerNamespace, clickhouseOperator: operatorNamespace } = CLICKHOUSE_ADDON_NAMESPACES;
  const certManagerSource = `project values (constructs/platform/clickhouse-operator.ts), chart ${certManager.chart} ${certManager.version}`;
  const certManagerPod = (name: string): Workload => ({ name: `${certManagerNamespace}/${name}`, source: certManagerSource, requests: requestsOf(CLICKHOUSE_ADDON_RESOURCES.certManager.requests), placement: general, ...fixed(1) });
  return [
    certManagerPod("cert-manager"),
    certManagerPod("cert-manager-webhook"),
    certManagerPod("cert-manager-cainjector"),
    {
      name: `${operatorNamespace}/clickhouse-operator`,
      source: `project values (constructs/platform/clickhouse-operator.ts), chart ${clickhouseOperator.chart} ${clickhouseOperator.version}`,
      requests: requestsOf(CLICKHOUSE_ADDON_RESOURCES.clickhouseOperator.requests),
      placement: general,
      ...fixed(1),
    },
  ];
}

/** The Langfuse release of the environment's line, and what its bundled ClickHouse needs. */
function langfuse(config: EnvironmentConfig): Workload[] {
  const v4 = resolveRelease(config.langfuse).line === "v4";
  // The same condition as the app stack's: the v4 chart's ClickHouse and a v3→v4 move's new one need the operator.
  const operator = config.clickhouse.mode === "bundled" && (v4 || config.clickhouse.migration.phase !== "none");
  return [...(v4 ? langfuseV4(config) : langfuseV3(config)), ...(operator ? clickhouseOperatorAddons() : [])];
}

/** Every workload of the environment, on the Langfuse line it runs. */
export function clusterWorkloads(config: EnvironmentConfig): Workload[] {
  return [...eksDaemonSets(), ...eksControllers(), ...platformAddons(config), ...langfuse(config)];
}
