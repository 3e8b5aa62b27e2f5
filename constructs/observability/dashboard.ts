import type { GraphLine, GraphSpec, WidgetSpec } from "./dashboard-widgets";
import type { ObservabilityProps } from "./types";
import { RUNBOOK } from "./alarms";
import {
  cacheNodeIds,
  cacheNodeMetric,
  databaseMetric,
  deploymentMetric,
  FIVE_XX_INPUTS,
  fiveXxRateExpression,
  functionMetric,
  loadBalancerMetric,
  volumeMetric,
} from "./metrics";

/*
 * What the operations dashboard shows, top to bottom: the alarms, then one section per part of the environment,
 * each only where that part exists (no ALB graphs without an ingress, no ElastiCache graphs with bundled Redis).
 * Pure: the same props give the same widgets.
 */

const GIB = 1024 ** 3;

const heading = (markdown: string): WidgetSpec => ({ kind: "heading", markdown });

function trafficSection(arnSuffix: string, props: ObservabilityProps): WidgetSpec[] {
  const alb = (name: Parameters<typeof loadBalancerMetric>[1]) => loadBalancerMetric(arnSuffix, name);
  const { alb5xxPercent, alb5xxMinRequests } = props.thresholds;
  return [
    heading("## Traffic (internet-facing ALB)"),
    { kind: "graph", title: "Requests", width: 6, lines: [{ metric: alb("RequestCount"), stat: "Sum", label: "Requests" }] },
    {
      kind: "graph",
      title: "Target response time",
      width: 6,
      axis: { label: "Seconds", min: 0 },
      lines: [
        { metric: alb("TargetResponseTime"), stat: "p50", label: "p50" },
        { metric: alb("TargetResponseTime"), stat: "p95", label: "p95" },
      ],
    },
    {
      kind: "graph",
      title: "Error responses",
      width: 6,
      lines: [
        { metric: alb("HTTPCode_Target_4XX_Count"), stat: "Sum", label: "4xx (Langfuse)" },
        { metric: alb("HTTPCode_Target_5XX_Count"), stat: "Sum", label: "5xx (Langfuse)" },
        { metric: alb("HTTPCode_ELB_5XX_Count"), stat: "Sum", label: "5xx (ALB)" },
      ],
    },
    {
      kind: "graph",
      title: "5xx rate (what the alarm judges)",
      width: 6,
      axis: { label: "%", min: 0 },
      thresholds: [{ label: `alarm above ${alb5xxPercent}%`, value: alb5xxPercent }],
      lines: [
        { id: FIVE_XX_INPUTS.requests, metric: alb("RequestCount"), stat: "Sum", label: "Requests", visible: false },
        { id: FIVE_XX_INPUTS.target5xx, metric: alb("HTTPCode_Target_5XX_Count"), stat: "Sum", label: "Target 5xx", visible: false },
        { id: FIVE_XX_INPUTS.elb5xx, metric: alb("HTTPCode_ELB_5XX_Count"), stat: "Sum", label: "ALB 5xx", visible: false },
        { id: "rate", expression: fiveXxRateExpression(alb5xxMinRequests), label: `5xx % (0 below ${alb5xxMinRequests} requests)` },
      ],
    },
  ];
}

function workloadSection(props: ObservabilityProps): WidgetSpec[] {
  const ref = (deploymentName: string) => ({ clusterName: props.clusterName, namespace: props.namespace, deploymentName });
  const replicas: GraphLine[] = props.workloads.flatMap((w) => [
    { metric: deploymentMetric(ref(w.deploymentName), "replicas_desired"), stat: "Maximum", label: `${w.name} wanted` },
    { metric: deploymentMetric(ref(w.deploymentName), "replicas_ready"), stat: "Minimum", label: `${w.name} ready` },
  ]);
  return [
    heading("## Web and worker (Container Insights)"),
    {
      kind: "graph",
      title: "Replicas",
      width: 12,
      axis: { label: "Pods", min: 0 },
      thresholds: props.workloads.map((w) => ({ label: `${w.name} maximum`, value: w.maxReplicas })),
      lines: replicas,
    },
    {
      kind: "graph",
      title: "CPU, % of the pod limit",
      width: 12,
      axis: { label: "%", min: 0 },
      lines: props.workloads.map((w) => ({ metric: deploymentMetric(ref(w.deploymentName), "pod_cpu_utilization_over_pod_limit"), stat: "Average", label: w.name })),
    },
  ];
}

function databaseSection(props: ObservabilityProps): WidgetSpec[] {
  const { engine, identifier } = props.database;
  const db = (name: Parameters<typeof databaseMetric>[2]) => databaseMetric(engine, identifier, name);
  const capacity: GraphSpec =
    engine === "rds-postgres"
      ? {
          kind: "graph",
          title: "Free storage",
          axis: { label: "GiB", min: 0 },
          thresholds: [{ label: "alarm below", value: props.thresholds.rdsFreeStorageGiB }],
          lines: [
            { id: "free", metric: db("FreeStorageSpace"), stat: "Minimum", label: "Free bytes", visible: false },
            { id: "freeGiB", expression: `free / ${GIB}`, label: "Free GiB" },
          ],
        }
      : { kind: "graph", title: "Serverless capacity used", axis: { label: "% of max ACUs", min: 0 }, lines: [{ metric: db("ACUUtilization"), stat: "Maximum", label: "ACU utilization" }] };
  return [
    heading(`## PostgreSQL (${engine === "rds-postgres" ? "RDS" : "Aurora Serverless v2"})`),
    { kind: "graph", title: "CPU", axis: { label: "%", min: 0 }, lines: [{ metric: db("CPUUtilization"), stat: "Average", label: "CPU" }] },
    { kind: "graph", title: "Connections", lines: [{ metric: db("DatabaseConnections"), stat: "Maximum", label: "Connections" }] },
    capacity,
  ];
}

function cacheSection(cache: NonNullable<ObservabilityProps["cache"]>): WidgetSpec[] {
  const nodes = cacheNodeIds(cache.replicationGroupId, cache.nodeCount);
  return [
    heading("## Redis (ElastiCache)"),
    {
      kind: "graph",
      title: "Memory used, % of maxmemory",
      width: 12,
      axis: { label: "%", min: 0 },
      lines: nodes.map((node, i) => ({ metric: cacheNodeMetric(node, "DatabaseMemoryUsagePercentage"), stat: "Maximum", label: `node ${i + 1}` })),
    },
    {
      kind: "graph",
      title: "Evictions (should stay 0: noeviction)",
      width: 12,
      lines: nodes.map((node, i) => ({ metric: cacheNodeMetric(node, "Evictions"), stat: "Sum", label: `node ${i + 1}` })),
    },
  ];
}

function clickhouseSection(clickhouse: NonNullable<ObservabilityProps["clickhouse"]>, props: ObservabilityProps): WidgetSpec[] {
  const volume = { clusterName: props.clusterName, ...clickhouse.volume };
  const widgets: WidgetSpec[] = [
    heading("## ClickHouse"),
    {
      kind: "graph",
      title: "Data volume used",
      width: 12,
      axis: { label: "%", min: 0, max: 100 },
      thresholds: [
        { label: "warning", value: props.thresholds.clickhouseDiskWarnPercent },
        ...(clickhouse.cleanupPercent !== undefined ? [{ label: "emergency cleanup", value: clickhouse.cleanupPercent }] : []),
      ],
      lines: [{ metric: volumeMetric(volume, "UsagePercent"), stat: "Maximum", label: "Used %" }],
    },
  ];
  if (clickhouse.cleanupFunctionName !== undefined) {
    const fn = clickhouse.cleanupFunctionName;
    widgets.push({
      kind: "graph",
      title: "Emergency cleanup runs",
      width: 12,
      lines: [
        { metric: functionMetric(fn, "Invocations"), stat: "Sum", label: "Runs" },
        { metric: functionMetric(fn, "Errors"), stat: "Sum", label: "Failed runs" },
      ],
    });
  }
  return widgets;
}

/** The widgets of the operations dashboard; `alarmArns` feed the status strip at the top. */
export function operationsDashboardWidgets(props: ObservabilityProps, alarmArns: readonly string[]): WidgetSpec[] {
  return [
    heading(`# Langfuse ${props.naming.environment}\nWhat each alarm means and what to do: \`${RUNBOOK}\` in the infrastructure repository.`),
    ...(alarmArns.length ? [{ kind: "alarms", title: "Alarms", alarmArns } as const] : []),
    ...(props.loadBalancerArnSuffix !== undefined ? trafficSection(props.loadBalancerArnSuffix, props) : []),
    ...workloadSection(props),
    ...databaseSection(props),
    ...(props.cache ? cacheSection(props.cache) : []),
    ...(props.clickhouse ? clickhouseSection(props.clickhouse, props) : []),
  ];
}
