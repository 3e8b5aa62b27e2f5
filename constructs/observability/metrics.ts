import { DISK_METRIC_DIMENSIONS, DISK_METRICS_NAMESPACE } from "../../contract/metrics";
import type { MetricRef } from "./dashboard-widgets";

/*
 * The CloudWatch metrics of one Langfuse environment, named once for the dashboard and the alarms. Each function
 * returns the exact dimension set the publisher uses: CloudWatch matches a metric only on all of its dimensions.
 */

/** Namespace Container Insights (the amazon-cloudwatch-observability add-on) publishes to. */
export const CONTAINER_INSIGHTS_NAMESPACE = "ContainerInsights";

/** A Deployment as Container Insights names it: its workload-level metrics carry PodName = the Deployment's name. */
export interface DeploymentRef {
  readonly clusterName: string;
  readonly namespace: string;
  readonly deploymentName: string;
}

/** The ClickHouse data volume as the disk-metrics job publishes it. */
export interface VolumeRef {
  readonly clusterName: string;
  readonly namespace: string;
  readonly persistentVolumeClaimName: string;
  readonly podName: string;
}

export type DatabaseEngine = "rds-postgres" | "aurora-serverless-v2";

/**
 * Replica counts of a Deployment (enhanced Container Insights, from the API server): `replicas_desired` is what the
 * autoscaler asks for (spec.replicas), `replicas_ready` what is serving.
 */
export function deploymentMetric(ref: DeploymentRef, metricName: "replicas_desired" | "replicas_ready" | "pod_cpu_utilization_over_pod_limit"): MetricRef {
  return {
    namespace: CONTAINER_INSIGHTS_NAMESPACE,
    metricName,
    dimensions: { ClusterName: ref.clusterName, Namespace: ref.namespace, PodName: ref.deploymentName },
  };
}

/** ALB metrics for the whole load balancer (every target group behind it). */
export function loadBalancerMetric(
  arnSuffix: string,
  metricName: "RequestCount" | "TargetResponseTime" | "HTTPCode_Target_4XX_Count" | "HTTPCode_Target_5XX_Count" | "HTTPCode_ELB_5XX_Count",
): MetricRef {
  return { namespace: "AWS/ApplicationELB", metricName, dimensions: { LoadBalancer: arnSuffix } };
}

/** PostgreSQL metrics: per instance for RDS, per cluster for Aurora (its writer and readers together). */
export function databaseMetric(
  engine: DatabaseEngine,
  identifier: string,
  metricName: "CPUUtilization" | "DatabaseConnections" | "FreeStorageSpace" | "ACUUtilization",
): MetricRef {
  const dimension = engine === "rds-postgres" ? "DBInstanceIdentifier" : "DBClusterIdentifier";
  return { namespace: "AWS/RDS", metricName, dimensions: { [dimension]: identifier } };
}

/**
 * The member clusters of a replication group without cluster mode: ElastiCache names them <group id>-001, -002 …
 * and publishes node metrics per member (CacheClusterId), not per group.
 */
export function cacheNodeIds(replicationGroupId: string, nodeCount: number): string[] {
  return Array.from({ length: nodeCount }, (_, i) => `${replicationGroupId}-${String(i + 1).padStart(3, "0")}`);
}

export function cacheNodeMetric(cacheClusterId: string, metricName: "DatabaseMemoryUsagePercentage" | "Evictions"): MetricRef {
  return { namespace: "AWS/ElastiCache", metricName, dimensions: { CacheClusterId: cacheClusterId } };
}

/** Usage of a persistent volume, from the disk-metrics job (contract/metrics.ts). */
export function volumeMetric(ref: VolumeRef, metricName: "UsagePercent" | "UsedGB" | "TotalGB"): MetricRef {
  return {
    namespace: DISK_METRICS_NAMESPACE,
    metricName,
    dimensions: {
      [DISK_METRIC_DIMENSIONS.clusterName]: ref.clusterName,
      [DISK_METRIC_DIMENSIONS.namespace]: ref.namespace,
      [DISK_METRIC_DIMENSIONS.pvcName]: ref.persistentVolumeClaimName,
      [DISK_METRIC_DIMENSIONS.podName]: ref.podName,
    },
  };
}

export function functionMetric(functionName: string, metricName: "Invocations" | "Errors"): MetricRef {
  return { namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: functionName } };
}

/** Ids of the ALB metrics the 5xx rate expression reads. */
export const FIVE_XX_INPUTS = { requests: "requests", target5xx: "target5xx", elb5xx: "elb5xx" } as const;

/**
 * 5xx responses (from the targets and from the ALB itself, e.g. no healthy target) as % of requests, or 0 while
 * there are fewer than `minRequests`: two failures out of three requests of a quiet night are not an incident.
 * The 5xx counts are only published when non-zero, hence FILL.
 */
export function fiveXxRateExpression(minRequests: number): string {
  const { requests, target5xx, elb5xx } = FIVE_XX_INPUTS;
  return `IF(${requests} >= ${minRequests}, 100 * (FILL(${target5xx}, 0) + FILL(${elb5xx}, 0)) / ${requests}, 0)`;
}
