import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import { renderDashboardBody } from "./dashboard-widgets";
import { OperationsAlarms } from "./alarms";
import { operationsDashboardWidgets } from "./dashboard";
import type { ObservabilityProps } from "./types";

export type { ObservabilityProps } from "./types";

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
