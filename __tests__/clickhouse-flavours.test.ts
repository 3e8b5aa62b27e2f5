import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { Naming } from "../config/naming";
import { ClickHouseLifecycle, type ClickHouseLifecycleProps } from "../constructs/clickhouse/lifecycle";
import { createApp } from "../stacks/app-factory";
import { appTablesOf } from "../lambda/clickhouse-cleanup/retention-sql";
import { servingClickHouse } from "../stacks/clickhouse-serving";
import {
  BITNAMI_V3_CLICKHOUSE,
  MIGRATED_V4_CLICKHOUSE,
  MIGRATION_CLICKHOUSE_CLUSTER,
  OPERATOR_V4_CLICKHOUSE,
  operatorClickHouse,
  type ClickHouseFlavour,
} from "../contract/clickhouse-flavours";
import { pinnedImage } from "../contract/image-digests";
import { referenceFolder } from "../scripts/chart-keys";
import { environment, resources, type TfJson } from "./support/synth";

/*
 * The lifecycle (retention jobs, NLB of the emergency cleanup, disk alarm, cleanup function) follows the ClickHouse
 * flavour and schema it is given: the bitnami v3 subchart by default, or an operator-managed ClickHouseCluster.
 */

// shared/reference beside the checkout (/work/main) or beside the folder of its worktrees (/work/wt/<name>).
const REFERENCE = join(referenceFolder("2.0.0"), "..");
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const devConfig = environment("dev", { clickhouse: { emergencyCleanup: true, retentionDays: 14 } });

function lifecycleJson(overrides: Partial<ClickHouseLifecycleProps>): TfJson {
  const outdir = mkdtempSync(join(tmpdir(), "clickhouse-flavours-"));
  scratch.push(outdir);
  const stack = new TerraformStack(createApp(outdir), "scratch");
  new ClickHouseLifecycle(stack, "lifecycle", {
    naming: new Naming("langfuse", "dev"),
    region: "us-east-1",
    clickhouse: devConfig.clickhouse,
    chartVersion: "1.5.41",
    namespace: "langfuse",
    network: { vpc_id: "v", vpc_cidr: "10.0.0.0/16", workload_subnet_ids: ["s"], cluster_name: "c" },
    deps: { clickhouse_cleanup_secret_arn: "s", clickhouse_maintenance_role_arn: "r", alerts_topic_arn: "t", alerts_kms_key_arn: "k", secrets_kms_key_arn: "k" },
    subnetsWithoutNat: false,
    ...overrides,
  });
  return JSON.parse(Testing.synth(stack));
}

const only = (json: TfJson, type: string): TfJson => {
  const all = Object.values(resources(json, type));
  expect(all).toHaveLength(1);
  return all[0];
};
const retentionContainer = (json: TfJson) => only(json, "kubernetes_job_v1").spec.template.spec.container[0];
const env = (container: TfJson, name: string) => container.env.find((entry: TfJson) => entry.name === name)?.value;

describe("ClickHouse flavours", () => {
  it("keeps the bitnami names the v3 release has always used (no drift from the release's own list)", () => {
    // The bitnami subchart's names for release `langfuse`: a running v3 environment's objects, so they must not move.
    expect(BITNAMI_V3_CLICKHOUSE).toMatchObject({
      serviceName: "langfuse-clickhouse",
      headlessServiceName: "langfuse-clickhouse-headless",
      statefulSetName: "langfuse-clickhouse-shard0",
      podName: "langfuse-clickhouse-shard0-0",
      persistentVolumeClaimName: "data-langfuse-clickhouse-shard0-0",
      containerName: "clickhouse",
      podLabels: { "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/name": "clickhouse" },
      httpPort: 8123,
      nativePort: 9000,
    });
  });

  it("derives the operator's names from the ClickHouseCluster name as the operator does (pod <name>-clickhouse-0-0-0)", () => {
    expect(OPERATOR_V4_CLICKHOUSE).toMatchObject({
      serviceName: "langfuse-clickhouse-headless",
      statefulSetName: "langfuse-clickhouse-0-0",
      podName: "langfuse-clickhouse-0-0-0",
      persistentVolumeClaimName: "clickhouse-storage-volume-langfuse-clickhouse-0-0-0",
      containerName: "clickhouse-server",
      podLabels: { app: "langfuse-clickhouse", "clickhouse.com/role": "clickhouse-server" },
    });
    // The chart's own upgrade example names the sibling release's pod this way.
    const example = readFileSync(join(REFERENCE, "langfuse-chart-2.0.0", "examples", "upgrade-v1-to-v2", "README.md"), "utf8");
    expect(example).toContain(`pod \`${operatorClickHouse("langfuse-v2").podName}\``);
  });

  it("points chart 2.0.0's app at the same Service the operator flavour names", () => {
    const helpers = readFileSync(join(REFERENCE, "langfuse-chart-2.0.0", "templates", "_helpers.tpl"), "utf8");
    expect(helpers).toContain(`printf "%s-clickhouse-headless" (include "langfuse.fullname" .)`);
    const cluster = readFileSync(join(REFERENCE, "langfuse-chart-2.0.0", "templates", "clickhouse", "cluster.yaml"), "utf8");
    expect(cluster).toMatch(/kind: ClickHouseCluster\nmetadata:\n  name: \{\{ include "langfuse\.fullname" \. \}\}/);
  });

  it("never lets the migration's cluster collide with the bitnami subchart's Services", () => {
    const bitnami = [BITNAMI_V3_CLICKHOUSE.serviceName, BITNAMI_V3_CLICKHOUSE.headlessServiceName];
    expect(bitnami).not.toContain(MIGRATED_V4_CLICKHOUSE.serviceName);
    expect(bitnami).toContain(OPERATOR_V4_CLICKHOUSE.serviceName);
    expect(MIGRATED_V4_CLICKHOUSE.podName).toBe(`${MIGRATION_CLICKHOUSE_CLUSTER}-clickhouse-0-0-0`);
  });

  it("refuses a cluster name the operator cannot turn into Service names", () => {
    expect(() => operatorClickHouse("Langfuse_v4")).toThrow("'clusterName' (Langfuse_v4) must be a DNS label");
  });

});

describe.each<[string, ClickHouseFlavour, "v3" | "v4"]>([
  ["bitnami v3 (default)", BITNAMI_V3_CLICKHOUSE, "v3"],
  ["operator, v4 tables", OPERATOR_V4_CLICKHOUSE, "v4"],
  ["migrated operator, still v3 tables", MIGRATED_V4_CLICKHOUSE, "v3"],
])("the lifecycle on %s", (_, flavour, schema) => {
  const json = lifecycleJson(flavour === BITNAMI_V3_CLICKHOUSE ? {} : { flavour, schema });

  it("runs the retention jobs against the flavour's Service with its own client image", () => {
    const container = retentionContainer(json);
    expect(env(container, "CLICKHOUSE_HOST")).toBe(flavour.serviceName);
    expect(env(container, "CLICKHOUSE_PORT")).toBe(String(flavour.nativePort));
    expect(container.image).toBe(pinnedImage(`docker.io/${flavour.clientImage.dockerHubRepository}:${flavour.clientImage.tag}`));
  });

  it("retains the schema's tables and waits for the last one", () => {
    const config = Object.values(resources(json, "kubernetes_config_map_v1")).find((map) => map.metadata.name === "clickhouse-retention");
    const script: string = config?.data["retention.sh"];
    const tables = appTablesOf(schema).map(({ table }) => table);
    for (const table of tables) expect(script).toContain(`\`default\`.\`${table}\` MODIFY TTL`);
    expect(script).toContain(`EXISTS TABLE \`default\`.\`${tables.at(-1)}\``);
    expect(script.includes("events_full")).toBe(schema === "v4");
  });

  it("puts the internal load balancer in front of the server pod's labels", () => {
    const service = Object.values(resources(json, "kubernetes_service_v1"))[0];
    expect(service.spec.selector).toEqual(flavour.podLabels);
  });

  it("alarms on the flavour's data volume and tells the cleanup function the schema", () => {
    const alarm = Object.values(resources(json, "aws_cloudwatch_metric_alarm"))[0];
    expect(alarm.dimensions).toMatchObject({ PVCName: flavour.persistentVolumeClaimName, PodName: flavour.podName });
    const lambda = only(json, "aws_lambda_function");
    expect(lambda.environment.variables.CLICKHOUSE_SCHEMA).toBe(schema);
  });
});

describe("which ClickHouse serves an environment", () => {
  // A v3 environment moves its ClickHouse on the v3 line (v4 is refused before `retired`), then moves to v4.
  const withPhase = (phase: string, line: "v3" | "v4" = "v3") => environment("dev", { langfuse: { line }, clickhouse: { migration: { phase } } });

  it("is the bitnami server on the v3 line until the migration's switch, then the migration's cluster", () => {
    expect(servingClickHouse(withPhase("none"))).toEqual({ flavour: BITNAMI_V3_CLICKHOUSE, schema: "v3" });
    expect(servingClickHouse(withPhase("copy"))).toEqual({ flavour: BITNAMI_V3_CLICKHOUSE, schema: "v3" });
    expect(servingClickHouse(withPhase("switched"))).toEqual({ flavour: MIGRATED_V4_CLICKHOUSE, schema: "v3" });
    expect(servingClickHouse(withPhase("retired"))).toEqual({ flavour: MIGRATED_V4_CLICKHOUSE, schema: "v3" });
    expect(servingClickHouse(withPhase("retired", "v4"))).toEqual({ flavour: MIGRATED_V4_CLICKHOUSE, schema: "v4" });
  });

  it("is the chart's own ClickHouseCluster with v4 tables for a new v4-line environment", () => {
    expect(servingClickHouse(environment("dev"))).toEqual({ flavour: OPERATOR_V4_CLICKHOUSE, schema: "v4" });
    expect(servingClickHouse(withPhase("none", "v4"))).toEqual({ flavour: OPERATOR_V4_CLICKHOUSE, schema: "v4" });
  });
});

describe("the lifecycle's schema check", () => {
  it("refuses v4 tables on the bitnami server, which is too old for them", () => {
    expect(() => lifecycleJson({ schema: "v4" })).toThrow("'schema' (v4) needs ClickHouse >= 25.12");
  });
});
