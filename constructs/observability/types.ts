/** Types shared by the observability construct, its alarms and its dashboard. */
import type { Naming } from "../../config/naming";
import type { EnvironmentSettings } from "../../config/schema";
import type { DatabaseEngine, VolumeRef } from "./metrics";

/** Alarm thresholds, as configured per environment (config key `observability`). */
export type ObservabilityThresholds = EnvironmentSettings["observability"];

/** A Langfuse Deployment scaled by an autoscaler. */
export interface ObservedWorkload {
  /** Short name on the dashboard and in alarm names: web, worker. */
  readonly name: string;
  /** Name of the Kubernetes Deployment. */
  readonly deploymentName: string;
  /** The autoscaler's ceiling; running there for long raises an alarm. */
  readonly maxReplicas: number;
}

/** The bundled ClickHouse: its data volume and the lifecycle that guards it. */
export interface ObservedClickHouse {
  /** The volume as the disk-metrics job publishes it (contract/metrics.ts dimensions, without the cluster). */
  readonly volume: Omit<VolumeRef, "clusterName">;
  /**
   * Usage (%) at which the lifecycle's own alarm runs the emergency cleanup; the warning must be below it.
   * @default - no emergency cleanup: the warning is the only disk alarm
   */
  readonly cleanupPercent?: number;
  /**
   * The emergency cleanup function, for a graph of its runs and errors.
   * @default - no graph of the cleanup
   */
  readonly cleanupFunctionName?: string;
  /**
   * The lifecycle's own disk alarm, shown beside the alarms made here.
   * @default - not shown
   */
  readonly cleanupAlarmArn?: string;
}

export interface ObservabilityProps {
  /** Names the dashboard and the alarms (<prefix>-<env>-…). */
  readonly naming: Naming;
  /** Region of every metric. */
  readonly region: string;
  /** SNS topic every alarm notifies, when it fires and when it clears. */
  readonly alertsTopicArn: string;
  /** EKS cluster name (the ClusterName dimension of Container Insights and disk metrics). */
  readonly clusterName: string;
  /** Kubernetes namespace of the Langfuse Deployments. */
  readonly namespace: string;
  /** Web and worker. */
  readonly workloads: readonly ObservedWorkload[];
  /** PostgreSQL: RDS instance identifier or Aurora cluster identifier. */
  readonly database: { readonly engine: DatabaseEngine; readonly identifier: string };
  /**
   * app/<name>/<id> of the internet-facing ALB (its LoadBalancer dimension); adds the traffic graphs and 5xx alarm.
   * @default - no load balancer: no traffic section, no 5xx alarm
   */
  readonly loadBalancerArnSuffix?: string;
  /**
   * The ElastiCache replication group (cluster mode disabled) and its node count.
   * @default - Redis is bundled in the cluster: no Redis section
   */
  readonly cache?: { readonly replicationGroupId: string; readonly nodeCount: number };
  /**
   * The bundled ClickHouse.
   * @default - ClickHouse is external: no ClickHouse section, no disk alarm
   */
  readonly clickhouse?: ObservedClickHouse;
  /** Alarm thresholds of the environment (config key `observability`). */
  readonly thresholds: ObservabilityThresholds;
}
