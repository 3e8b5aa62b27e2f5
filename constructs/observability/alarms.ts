import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { DEFAULT_PERIOD_SECONDS, type MetricRef } from "./dashboard-widgets";
import type { ObservabilityProps, ObservedClickHouse } from "./types";
import { databaseMetric, deploymentMetric, FIVE_XX_INPUTS, fiveXxRateExpression, loadBalancerMetric, volumeMetric } from "./metrics";

/*
 * The few signals that need a person, each sent to the environment's SNS topic when it fires and when it clears.
 * Everything else (latency, CPU, evictions) is on the dashboard for whoever the alarm brought there.
 */

const GIB = 1024 ** 3;

/** The 5xx rate must be high in 2 of the last 3 five-minute periods: one bad deploy minute is not an incident. */
export const FIVE_XX_EVALUATION = { periods: 3, datapoints: 2 } as const;

/** Where to read what each alarm means and what to do. */
export const RUNBOOK = "docs/observability.md";

type AlarmShape = Omit<CloudwatchMetricAlarmConfig, "alarmName" | "alarmActions" | "okActions">;

function singleMetric(metric: MetricRef, statistic: string): Pick<CloudwatchMetricAlarmConfig, "namespace" | "metricName" | "dimensions" | "statistic" | "period"> {
  return { namespace: metric.namespace, metricName: metric.metricName, dimensions: { ...metric.dimensions }, statistic, period: DEFAULT_PERIOD_SECONDS };
}

/** The alarms of an environment; `alarms` lists them in a stable order for the dashboard's status widget. */
export class OperationsAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ObservabilityProps,
  ) {
    super(scope, id);
    const { thresholds } = props;
    if (props.loadBalancerArnSuffix !== undefined) this.fiveXxRate(props.loadBalancerArnSuffix);
    if (props.database.engine === "rds-postgres") {
      this.add("db-free-storage", {
        alarmDescription: `PostgreSQL has less than ${thresholds.rdsFreeStorageGiB} GiB free: storage autoscaling is at database.maxAllocatedStorageGiB or cannot keep up. See ${RUNBOOK}#postgresql-free-storage.`,
        ...singleMetric(databaseMetric("rds-postgres", props.database.identifier, "FreeStorageSpace"), "Minimum"),
        comparisonOperator: "LessThanThreshold",
        threshold: thresholds.rdsFreeStorageGiB * GIB,
        evaluationPeriods: 2,
        treatMissingData: "notBreaching",
      });
    }
    if (props.clickhouse) this.clickhouseDisk(props.clickhouse);
    for (const workload of props.workloads) {
      const periods = thresholds.replicasAtMaxMinutes / (DEFAULT_PERIOD_SECONDS / 60);
      this.add(`${workload.name}-replicas-at-max`, {
        alarmDescription: `Langfuse ${workload.name} has asked for its maximum of ${workload.maxReplicas} replicas for ${thresholds.replicasAtMaxMinutes} minutes: it may need more than it is allowed. See ${RUNBOOK}#replicas-at-maximum.`,
        // Minimum over each period: the autoscaler stayed at the ceiling the whole time, not just touched it.
        ...singleMetric(deploymentMetric({ clusterName: props.clusterName, namespace: props.namespace, deploymentName: workload.deploymentName }, "replicas_desired"), "Minimum"),
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: workload.maxReplicas,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        treatMissingData: "notBreaching",
      });
    }
  }

  private fiveXxRate(arnSuffix: string): void {
    const { alb5xxPercent, alb5xxMinRequests } = this.props.thresholds;
    const input = (metricId: string, metric: MetricRef) => ({
      id: metricId,
      returnData: false,
      metric: { namespace: metric.namespace, metricName: metric.metricName, dimensions: { ...metric.dimensions }, stat: "Sum", period: DEFAULT_PERIOD_SECONDS },
    });
    this.add("alb-5xx-rate", {
      alarmDescription: `More than ${alb5xxPercent}% of requests to the internet-facing ALB failed with a 5xx (judged only above ${alb5xxMinRequests} requests per 5 minutes). See ${RUNBOOK}#alb-5xx-rate.`,
      metricQuery: [
        input(FIVE_XX_INPUTS.requests, loadBalancerMetric(arnSuffix, "RequestCount")),
        input(FIVE_XX_INPUTS.target5xx, loadBalancerMetric(arnSuffix, "HTTPCode_Target_5XX_Count")),
        input(FIVE_XX_INPUTS.elb5xx, loadBalancerMetric(arnSuffix, "HTTPCode_ELB_5XX_Count")),
        { id: "rate", expression: fiveXxRateExpression(alb5xxMinRequests), label: "5xx % of requests", returnData: true },
      ],
      comparisonOperator: "GreaterThanThreshold",
      threshold: alb5xxPercent,
      evaluationPeriods: FIVE_XX_EVALUATION.periods,
      datapointsToAlarm: FIVE_XX_EVALUATION.datapoints,
      treatMissingData: "notBreaching",
    });
  }

  private clickhouseDisk({ volume, cleanupPercent }: ObservedClickHouse): void {
    const { clickhouseDiskWarnPercent } = this.props.thresholds;
    this.add(
      "clickhouse-disk-warning",
      {
        alarmDescription: `The ClickHouse volume is ${clickhouseDiskWarnPercent}% full; ${cleanupPercent !== undefined ? `at ${cleanupPercent}% the emergency cleanup deletes expired data` : "no emergency cleanup is deployed: act now"}. Also fires (INSUFFICIENT_DATA) when the disk metrics stop arriving. See ${RUNBOOK}#clickhouse-disk.`,
        ...singleMetric(volumeMetric({ clusterName: this.props.clusterName, ...volume }, "UsagePercent"), "Maximum"),
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: clickhouseDiskWarnPercent,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        // No data for 15 minutes means the metrics job is broken, and then the cleanup alarm is blind too.
        treatMissingData: "missing",
      },
      true,
    );
  }

  private add(id: string, shape: AlarmShape, notifyWhenBlind = false): void {
    const topic = [this.props.alertsTopicArn];
    this.alarms.push(
      new CloudwatchMetricAlarm(this, id, {
        alarmName: this.props.naming.resource(id),
        ...shape,
        alarmActions: topic,
        okActions: topic,
        ...(notifyWhenBlind ? { insufficientDataActions: topic } : {}),
      }),
    );
  }
}
