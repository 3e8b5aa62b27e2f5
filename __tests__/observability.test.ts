import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack, Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { configErrorOf } from "./support/errors";
import { Naming } from "../config/naming";
import type { EnvironmentConfig } from "../config/schema";
import { DISK_METRICS_NAMESPACE } from "../contract/metrics";
import { layoutDashboard, type WidgetSpec } from "../constructs/observability/dashboard-widgets";
import { Observability, type ObservabilityProps } from "../constructs/observability/observability";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";
import { OPERATOR_CLICKHOUSE } from "../contract/clickhouse-v4";

/*
 * The operations dashboard and alarms: on dev and prod as the app stack builds them from the configuration, and on
 * the construct alone for variants the two environments do not cover (Aurora, external ClickHouse).
 */

const outdir = mkdtempSync(join(tmpdir(), "langfuse-observability-"));
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  cleanupSynth();
});

/** Makes Terraform references JSON-safe (`x["k"]` → `x.k`) so a dashboard body with tokens parses. */
function parseBody(body: string): { widgets: TfJson[] } {
  return JSON.parse(body.replace(/\$\{([^}]*)\}/g, (_, expression: string) => `\${${expression.replace(/\["([^"]+)"\]/g, ".$1")}}`));
}

const TOPIC = "${data.tfe_outputs.upstream-deps.nonsensitive_values.alerts_topic_arn}";
const CLUSTER = "${data.tfe_outputs.upstream-network.nonsensitive_values.cluster_name}";
const DATABASE = "${data.tfe_outputs.upstream-deps.nonsensitive_values.database_identifier}";
const REDIS_GROUP = "${data.tfe_outputs.upstream-deps.nonsensitive_values.redis_replication_group_id}";
const normalize = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/\[\\"([^\\]+)\\"\]/g, ".$1"));

interface Environment {
  readonly config: EnvironmentConfig;
  readonly app: TfJson;
  readonly widgets: TfJson[];
  readonly alarms: Record<string, TfJson>;
}

function build(name: string): Environment {
  const config = environment(name);
  const { app } = synthesize(config);
  const [dashboard] = Object.values(resources(app, "aws_cloudwatch_dashboard"));
  const alarms = Object.fromEntries(Object.values(resources(app, "aws_cloudwatch_metric_alarm")).map((alarm) => [alarm.alarm_name, normalize(alarm)]));
  return { config, app, widgets: parseBody(dashboard.dashboard_body).widgets, alarms };
}

const dev = build("dev");
const prod = build("prod");

const graph = (env: { widgets: TfJson[] }, title: string) => env.widgets.find((w) => w.type === "metric" && w.properties.title === title);
const titles = (env: { widgets: TfJson[] }) => env.widgets.filter((w) => w.type === "metric").map((w) => w.properties.title);
/** The metric arrays of a graph: [namespace, name, dim, value, …, options]. */
const metricsOf = (widget: TfJson): unknown[][] => widget.properties.metrics;
const metricNames = (widget: TfJson) => metricsOf(widget).map((m) => (typeof m[0] === "string" ? `${m[0]}/${m[1]}` : "expression"));

describe("operations dashboard", () => {
  it("exists once per environment, named by the environment", () => {
    expect(Object.values(resources(dev.app, "aws_cloudwatch_dashboard")).map((d) => d.dashboard_name)).toEqual(["langfuse-dev-operations"]);
    expect(Object.values(resources(prod.app, "aws_cloudwatch_dashboard")).map((d) => d.dashboard_name)).toEqual(["langfuse-prod-operations"]);
  });

  it("shows the ALB's requests, latency percentiles and 4xx/5xx only where there is an ingress (prod)", () => {
    expect(metricNames(graph(prod, "Requests")!)).toEqual(["AWS/ApplicationELB/RequestCount"]);
    const latency = metricsOf(graph(prod, "Target response time")!);
    expect(latency.map((m) => (m.at(-1) as TfJson).stat)).toEqual(["p50", "p95"]);
    expect(metricNames(graph(prod, "Error responses")!)).toEqual([
      "AWS/ApplicationELB/HTTPCode_Target_4XX_Count",
      "AWS/ApplicationELB/HTTPCode_Target_5XX_Count",
      "AWS/ApplicationELB/HTTPCode_ELB_5XX_Count",
    ]);
    // The LoadBalancer dimension is the arn_suffix of the ALB read by name after the Ingress reported it.
    expect(latency[0].slice(2, 4)).toEqual(["LoadBalancer", expect.stringMatching(/^\$\{data\.aws_lb\.ingress_external-alb_\w+\.arn_suffix\}$/)]);
    expect(titles(dev).filter((t) => /Requests|response time|Error responses|5xx/.test(t))).toEqual([]);
  });

  it("shows web and worker replicas and CPU from Container Insights, with each maximum drawn", () => {
    for (const env of [dev, prod]) {
      const replicas = graph(env, "Replicas")!;
      const byLabel = Object.fromEntries(metricsOf(replicas).map((m) => [(m.at(-1) as TfJson).label, m.slice(0, 8)]));
      expect(byLabel["web wanted"]).toEqual(["ContainerInsights", "replicas_desired", "ClusterName", CLUSTER, "Namespace", expect.stringContaining("kubernetes_namespace_v1"), "PodName", "langfuse-web"]);
      expect(byLabel["worker ready"]).toEqual(["ContainerInsights", "replicas_ready", "ClusterName", CLUSTER, "Namespace", expect.any(String), "PodName", "langfuse-worker"]);
      expect(replicas.properties.annotations.horizontal).toEqual([
        { label: "web maximum", value: env.config.langfuse.web.maxReplicas },
        { label: "worker maximum", value: env.config.langfuse.worker.maxReplicas },
      ]);
      expect(metricNames(graph(env, "CPU, % of the pod limit")!)).toEqual(["ContainerInsights/pod_cpu_utilization_over_pod_limit", "ContainerInsights/pod_cpu_utilization_over_pod_limit"]);
    }
  });

  it("shows PostgreSQL CPU, connections and free storage of the deps stack's instance", () => {
    for (const env of [dev, prod]) {
      for (const title of ["CPU", "Connections", "Free storage"]) {
        expect(metricsOf(graph(env, title)!)[0].slice(0, 4)).toEqual(["AWS/RDS", expect.any(String), "DBInstanceIdentifier", DATABASE]);
      }
      expect(graph(env, "Free storage")!.properties.annotations.horizontal[0].value).toBe(env.config.observability.rdsFreeStorageGiB);
    }
  });

  it("shows ElastiCache memory and evictions per node only when Redis is ElastiCache (prod)", () => {
    expect(prod.config.redis.mode).toBe("elasticache");
    const memory = metricsOf(graph(prod, "Memory used, % of maxmemory")!);
    expect(memory.map((m) => m.slice(0, 4))).toEqual(
      Array.from({ length: prod.config.redis.nodeCount }, (_, i) => ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", `${REDIS_GROUP}-00${i + 1}`]),
    );
    expect(metricNames(graph(prod, "Evictions (should stay 0: noeviction)")!)).toEqual(memory.map(() => "AWS/ElastiCache/Evictions"));
    expect(dev.config.redis.mode).toBe("bundled");
    expect(dev.widgets.some((w) => JSON.stringify(w).includes("AWS/ElastiCache"))).toBe(false);
  });

  it("shows dev's ClickHouse volume with the warning threshold only: dev deploys no emergency cleanup", () => {
    const disk = graph(dev, "Data volume used")!;
    expect(metricsOf(disk)[0].slice(0, 2)).toEqual([DISK_METRICS_NAMESPACE, "UsagePercent"]);
    expect(disk.properties.annotations.horizontal.map((a: TfJson) => a.value)).toEqual([dev.config.observability.clickhouseDiskWarnPercent]);
    expect(graph(dev, "Emergency cleanup runs")).toBeUndefined();
    expect(dev.alarms["langfuse-dev-clickhouse-disk-warning"].alarm_description).toContain("no emergency cleanup is deployed");
  });

  it("shows the ClickHouse volume's UsagePercent with the warning and cleanup thresholds, and the cleanup function's runs and errors", () => {
    for (const env of [prod]) {
      const disk = graph(env, "Data volume used")!;
      expect(metricsOf(disk)[0].slice(0, 10)).toEqual([
        DISK_METRICS_NAMESPACE, "UsagePercent",
        "ClusterName", CLUSTER,
        "Namespace", expect.stringContaining("kubernetes_namespace_v1"),
        // The operator-managed ClickHouse of the v4 line (the default); v3's bitnami names are BITNAMI_V3_CLICKHOUSE (contract/clickhouse-flavours.ts).
        "PVCName", OPERATOR_CLICKHOUSE.persistentVolumeClaimName,
        "PodName", OPERATOR_CLICKHOUSE.podName,
      ]);
      expect(disk.properties.annotations.horizontal.map((a: TfJson) => a.value)).toEqual([env.config.observability.clickhouseDiskWarnPercent, env.config.clickhouse.diskAlarmPercent]);
      const runs = metricsOf(graph(env, "Emergency cleanup runs")!);
      expect(runs.map((m) => m.slice(0, 3))).toEqual([
        ["AWS/Lambda", "Invocations", "FunctionName"],
        ["AWS/Lambda", "Errors", "FunctionName"],
      ]);
      expect(runs[0][3]).toMatch(/^\$\{aws_lambda_function\.clickhouse-lifecycle_cleanup_\w+\.function_name\}$/);
    }
  });

  it("lists every alarm of the environment, including the lifecycle's cleanup alarm, in its status strip", () => {
    for (const env of [dev, prod]) {
      const strip = env.widgets.find((w) => w.type === "alarm")!;
      const logical = Object.keys(resources(env.app, "aws_cloudwatch_metric_alarm")).map((name) => `\${aws_cloudwatch_metric_alarm.${name}.arn}`);
      expect([...strip.properties.alarms].sort()).toEqual(logical.sort());
    }
  });

  it("lays widgets on the 24-column grid without overlaps", () => {
    for (const env of [dev, prod]) {
      const cells = new Set<string>();
      for (const w of env.widgets) {
        expect(w.x + w.width).toBeLessThanOrEqual(24);
        for (let x = w.x; x < w.x + w.width; x++)
          for (let y = w.y; y < w.y + w.height; y++) {
            expect(cells.has(`${x},${y}`), `overlap at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
    }
  });
});

describe("alarms", () => {
  it("send every alarm of the app stack, and its recovery, to the environment's SNS topic from the deps outputs", () => {
    for (const env of [dev, prod]) {
      expect(Object.keys(env.alarms).length).toBeGreaterThan(3);
      for (const alarm of Object.values(env.alarms)) {
        expect(alarm.alarm_actions).toEqual([TOPIC]);
        if (alarm.alarm_name.includes("cleanup")) continue; // the lifecycle's own alarm; it also starts the function
        expect(alarm.ok_actions).toEqual([TOPIC]);
      }
    }
  });

  it("judges the ALB 5xx rate with metric math, with a floor of requests below which nothing fires (prod only)", () => {
    const alarm = prod.alarms["langfuse-prod-alb-5xx-rate"];
    const { alb5xxPercent, alb5xxMinRequests } = prod.config.observability;
    const inputs = alarm.metric_query.filter((q: TfJson) => q.metric);
    expect(inputs.map((q: TfJson) => [q.id, q.metric.metric_name, q.metric.stat, q.return_data])).toEqual([
      ["requests", "RequestCount", "Sum", false],
      ["target5xx", "HTTPCode_Target_5XX_Count", "Sum", false],
      ["elb5xx", "HTTPCode_ELB_5XX_Count", "Sum", false],
    ]);
    const [rate] = alarm.metric_query.filter((q: TfJson) => q.expression);
    expect(rate).toMatchObject({ return_data: true, expression: `IF(requests >= ${alb5xxMinRequests}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)` });
    expect(alarm).toMatchObject({ threshold: alb5xxPercent, comparison_operator: "GreaterThanThreshold", treat_missing_data: "notBreaching" });
    expect(alarm.metric_name).toBeUndefined();
    expect(dev.alarms["langfuse-dev-alb-5xx-rate"]).toBeUndefined();
  });

  it("fires when web or worker stays at its configured maximum for the configured time", () => {
    for (const env of [dev, prod]) {
      for (const workload of ["web", "worker"] as const) {
        const alarm = env.alarms[`langfuse-${env.config.name}-${workload}-replicas-at-max`];
        expect(alarm).toMatchObject({
          namespace: "ContainerInsights",
          metric_name: "replicas_desired",
          statistic: "Minimum",
          threshold: env.config.langfuse[workload].maxReplicas,
          comparison_operator: "GreaterThanOrEqualToThreshold",
        });
        expect(alarm.dimensions).toMatchObject({ ClusterName: CLUSTER, PodName: `langfuse-${workload}` });
        expect(alarm.period * alarm.evaluation_periods).toBe(env.config.observability.replicasAtMaxMinutes * 60);
        expect(alarm.datapoints_to_alarm).toBe(alarm.evaluation_periods);
      }
    }
  });

  it("warns before the ClickHouse cleanup threshold, and when the disk metrics stop arriving", () => {
    expect(dev.alarms["langfuse-dev-clickhouse-disk-warning"].insufficient_data_actions).toEqual([TOPIC]);
    for (const env of [prod]) {
      const warning = env.alarms[`langfuse-${env.config.name}-clickhouse-disk-warning`];
      const cleanup = env.alarms[`langfuse-${env.config.name}-clickhouse-cleanup-disk`];
      expect(warning).toMatchObject({ namespace: DISK_METRICS_NAMESPACE, metric_name: "UsagePercent", threshold: env.config.observability.clickhouseDiskWarnPercent, treat_missing_data: "missing" });
      expect(warning.insufficient_data_actions).toEqual([TOPIC]);
      expect(warning.threshold).toBeLessThan(cleanup.threshold);
      // Same volume as the cleanup alarm: the warning cannot watch a different disk.
      expect(warning.dimensions).toEqual(cleanup.dimensions);
    }
  });

  it("alarms when PostgreSQL free storage drops below the configured GiB", () => {
    for (const env of [dev, prod]) {
      expect(env.alarms[`langfuse-${env.config.name}-db-free-storage`]).toMatchObject({
        namespace: "AWS/RDS",
        metric_name: "FreeStorageSpace",
        dimensions: { DBInstanceIdentifier: DATABASE },
        comparison_operator: "LessThanThreshold",
        threshold: env.config.observability.rdsFreeStorageGiB * 1024 ** 3,
      });
    }
  });
});

describe("Observability construct", () => {
  const base: ObservabilityProps = {
    naming: new Naming("lf", "qa"),
    region: "eu-west-1",
    alertsTopicArn: "arn:aws:sns:eu-west-1:123456789012:lf-qa-alerts",
    clusterName: "lf-qa",
    namespace: "langfuse",
    workloads: [{ name: "web", deploymentName: "langfuse-web", maxReplicas: 4 }],
    database: { engine: "aurora-serverless-v2", identifier: "lf-qa-db" },
    thresholds: { alb5xxPercent: 2, alb5xxMinRequests: 10, rdsFreeStorageGiB: 3, clickhouseDiskWarnPercent: 70, replicasAtMaxMinutes: 60 },
  };

  function synthConstruct(props: ObservabilityProps): { widgets: TfJson[]; alarms: Record<string, TfJson> } {
    const stack = new TerraformStack(new App({ outdir }), "observability");
    new AwsProvider(stack, "aws", { region: props.region });
    new Observability(stack, "observability", props);
    const json = JSON.parse(Testing.synth(stack));
    const [dashboard] = Object.values(resources(json, "aws_cloudwatch_dashboard"));
    return { widgets: JSON.parse(dashboard.dashboard_body).widgets, alarms: Object.fromEntries(Object.values(resources(json, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name, a])) };
  }

  it("reads Aurora per cluster and has no free-storage alarm (Aurora storage grows by itself)", () => {
    const { widgets, alarms } = synthConstruct(base);
    expect(metricsOf(graph({ widgets }, "CPU")!)[0].slice(0, 4)).toEqual(["AWS/RDS", "CPUUtilization", "DBClusterIdentifier", "lf-qa-db"]);
    expect(metricNames(graph({ widgets }, "Serverless capacity used")!)).toEqual(["AWS/RDS/ACUUtilization"]);
    expect(graph({ widgets }, "Free storage")).toBeUndefined();
    expect(Object.keys(alarms)).toEqual(["lf-qa-web-replicas-at-max"]);
  });

  it("follows the thresholds it is given", () => {
    const { alarms } = synthConstruct({
      ...base,
      loadBalancerArnSuffix: "app/lf-qa-ext/0123456789abcdef",
      clickhouse: { volume: { namespace: "langfuse", persistentVolumeClaimName: "data-ch-0", podName: "ch-0" }, cleanupPercent: 85 },
    });
    expect(alarms["lf-qa-alb-5xx-rate"].threshold).toBe(2);
    expect(alarms["lf-qa-alb-5xx-rate"].metric_query[3].expression).toMatch(/^IF\(requests >= 10,/);
    expect(alarms["lf-qa-clickhouse-disk-warning"].threshold).toBe(70);
    expect(alarms["lf-qa-web-replicas-at-max"]).toMatchObject({ threshold: 4, period: 300, evaluation_periods: 12 });
    for (const alarm of Object.values(alarms)) expect(alarm.alarm_actions).toEqual([base.alertsTopicArn]);
  });

  it("renders the same dashboard body on every synth", () => {
    const props = { ...base, cache: { replicationGroupId: "lf-qa-redis", nodeCount: 3 } };
    expect(JSON.stringify(synthConstruct(props).widgets)).toBe(JSON.stringify(synthConstruct(props).widgets));
  });

  it("throws when the disk warning is not below the cleanup threshold", () => {
    expect(() =>
      synthConstruct({ ...base, clickhouse: { volume: { namespace: "langfuse", persistentVolumeClaimName: "p", podName: "p-0" }, cleanupPercent: 70 } }),
    ).toThrow("Observability 'observability': 'clickhouseDiskWarnPercent' (70) must be below the cleanup threshold (70): the warning has to come first");
  });

  it("throws when two workloads share a name", () => {
    expect(() => synthConstruct({ ...base, workloads: [...base.workloads, { name: "web", deploymentName: "other", maxReplicas: 2 }] })).toThrow(
      /workload names \(web, web\) must be unique/,
    );
  });

  it("throws when a graph is wider than the grid", () => {
    const wide: WidgetSpec = { kind: "graph", title: "Too wide", width: 30, lines: [] };
    expect(() => layoutDashboard([wide], "us-east-1")).toThrow("widget 'Too wide' is 30 columns wide; use 1 to 24");
  });
});

describe("observability configuration", () => {
  it("throws when the ClickHouse disk warning is not below the cleanup threshold", () => {
    const error = configErrorOf(() => environment("dev", { observability: { clickhouseDiskWarnPercent: 90 } }));
    expect(error.key).toBe("environments.dev.observability.clickhouseDiskWarnPercent");
    expect(error.fix).toMatch(/must be below clickhouse\.diskAlarmPercent \(90\)/);
  });

  it("throws when the free-storage alarm would fire before RDS storage autoscaling", () => {
    const error = configErrorOf(() => environment("prod", { observability: { rdsFreeStorageGiB: 5 } }));
    expect(error.key).toBe("environments.prod.observability.rdsFreeStorageGiB");
    expect(error.fix).toMatch(/at most 10% of database\.allocatedStorageGiB \(2 GiB\)/);
  });

  it("throws when the replicas-at-maximum time is not a multiple of the 5-minute period", () => {
    const error = configErrorOf(() => environment("dev", { observability: { replicasAtMaxMinutes: 32 } }));
    expect(error.key).toBe("environments.dev.observability.replicasAtMaxMinutes");
  });

  it("accepts a free-storage threshold above 10% of the allocation with Aurora, which has no allocation", () => {
    const aurora = environment("dev", { database: { engine: "aurora-serverless-v2", engineVersion: "16" }, observability: { rdsFreeStorageGiB: 50 } });
    expect(aurora.observability.rdsFreeStorageGiB).toBe(50);
  });
});
