import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import type { Naming } from "../config/naming";
import type { EnvironmentSettings } from "../config/schema";
import { renderDashboardBody } from "./dashboard-widgets";
import { OperationsAlarms } from "./operations-alarms";
import { operationsDashboardWidgets } from "./operations-dashboard";
import type { DatabaseEngine, VolumeRef } from "./operations-metrics";

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

/**
 * The operations view of one environment: a CloudWatch dashboard (traffic, web and worker, PostgreSQL, Redis,
 * ClickHouse) and the alarms that need a person, all notifying the environment's SNS topic. Web and worker graphs
 * read Container Insights, which the network stack installs (amazon-cloudwatch-observability add-on).
 */
export class Observability extends Construct {
  readonly dashboard: CloudwatchDashboard;
  readonly alarms: OperationsAlarms;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    validate(id, props);
    this.alarms = new OperationsAlarms(this, "alarms", props);
    const alarmArns = [...this.alarms.alarms.map((alarm) => alarm.arn), ...(clickhouseAlarm(props) ?? [])];
    const widgets = operationsDashboardWidgets(props, alarmArns);
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.naming.resource("operations"),
      dashboardBody: renderDashboardBody(widgets, props.region),
    });
  }
}

const clickhouseAlarm = (props: ObservabilityProps) => (props.clickhouse?.cleanupAlarmArn !== undefined ? [props.clickhouse.cleanupAlarmArn] : undefined);

function validate(id: string, { thresholds, clickhouse, workloads }: ObservabilityProps): void {
  if (clickhouse?.cleanupPercent !== undefined && thresholds.clickhouseDiskWarnPercent >= clickhouse.cleanupPercent) {
    throw new Error(
      `Observability '${id}': 'clickhouseDiskWarnPercent' (${thresholds.clickhouseDiskWarnPercent}) must be below the cleanup threshold (${clickhouse.cleanupPercent}): the warning has to come first`,
    );
  }
  if (thresholds.replicasAtMaxMinutes % 5 !== 0) {
    throw new Error(`Observability '${id}': 'replicasAtMaxMinutes' (${thresholds.replicasAtMaxMinutes}) must be a multiple of 5, the alarm's period`);
  }
  const names = workloads.map((w) => w.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`Observability '${id}': workload names (${names.join(", ")}) must be unique; they name the alarms`);
  }
}
