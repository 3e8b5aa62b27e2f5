import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATION_PHASES, type MigrationPhase } from "../config/clickhouse-migration";
import { ConfigError } from "../config/errors";
import { clusterManifests, type ClickHouseMigrationProps } from "../constructs/clickhouse/migration";
import { BITNAMI_V3_CLICKHOUSE, MIGRATED_V4_CLICKHOUSE, MIGRATION_CLICKHOUSE_CLUSTER } from "../contract/clickhouse-flavours";
import { referenceFolder } from "../scripts/chart-keys";
import { crdDocument } from "./support/chart-v4";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

/*
 * The v3→v4 ClickHouse move through the app stack, phase by phase: what each configuration renders, that the
 * release moves only behind verified row counts, that the old server and its volume stay until the last phase,
 * and that the app's secrets are the same objects throughout.
 */

afterAll(cleanupSynth);

// shared/reference beside the checkout (/work/main) or beside the folder of its worktrees (/work/wt/<name>).
const REFERENCE = join(referenceFolder("2.0.0"), "..", "clickhouse-operator");
// The move is a v3 environment's: v4 is the default line, and a line of v4 is refused before `retired`.
const V3 = { line: "v3" } as const;
const configOf = (phase: MigrationPhase, overrides: object = {}) => environment("dev", { langfuse: V3, clickhouse: { migration: { phase }, ...overrides } });
const stacks = Object.fromEntries(MIGRATION_PHASES.map((phase) => [phase, synthesize(configOf(phase))])) as Record<MigrationPhase, ReturnType<typeof synthesize>>;
const app = (phase: MigrationPhase) => stacks[phase].app;

const byName = (stack: TfJson, type: string, name: string): [string, TfJson] | undefined =>
  Object.entries(resources(stack, type)).find(([, body]) => body.metadata?.name === name || body.name === name);
const job = (phase: MigrationPhase, name: string) => byName(app(phase), "kubernetes_job_v1", `clickhouse-v4-${name}`);
const langfuseRelease = (phase: MigrationPhase): [string, TfJson] => byName(app(phase), "helm_release", "langfuse")!;
/** A helm_release values document, each ${…} interpolation kept as a string (its quotes swapped for '). */
const parseValues = (text: string): TfJson => JSON.parse(text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
const releaseValues = (phase: MigrationPhase) => parseValues(langfuseRelease(phase)[1].values[0]);
const clusterRelease = (phase: MigrationPhase) => byName(app(phase), "helm_release", `clickhouse-${MIGRATION_CLICKHOUSE_CLUSTER}`);

describe("configuration of the migration", () => {
  it("defaults to no migration in both profiles", () => {
    expect(environment("dev").clickhouse.migration.phase).toBe("none");
    expect(environment("prod").clickhouse.migration).toMatchObject({ phase: "none", storageGiB: null });
  });

  it("refuses a migration of an external ClickHouse", () => {
    const external = {
      mode: "external",
      externalUrl: "https://ch.example.com:8443",
      externalMigrationUrl: "clickhouse://ch.example.com:9440",
      externalUser: "langfuse",
      externalPasswordSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ch-AbCdEf",
    };
    expect(() => configOf("copy", external)).toThrow(ConfigError);
    expect(() => configOf("copy", external)).toThrow(`clickhouse.migration.phase = "copy": only the bundled ClickHouse moves this way`);
  });

  it("refuses a new volume smaller than the old one, and sizes it 3× by default for v4's backfill", () => {
    expect(() => configOf("side-by-side", { storageGiB: 100, migration: { phase: "side-by-side", storageGiB: 50 } })).toThrow(
      "clickhouse.migration.storageGiB = 50: the new ClickHouse must hold at least the old volume (100 GiB), and about 3× it for v4's historic backfill; use null for 300",
    );
    const manifests = JSON.parse(clusterRelease("side-by-side")![1].values[0]).manifests;
    const old = configOf("none").clickhouse.storageGiB;
    expect(manifests[1].spec.dataVolumeClaimSpec.resources.requests.storage).toBe(`${old * 3}Gi`);
  });

  it("refuses side-by-side servers on a dedicated node group that cannot grow to two nodes", () => {
    const prod = (phase: MigrationPhase, maxSize: number) => environment("prod", { langfuse: V3, clickhouse: { migration: { phase } }, nodeGroups: { clickhouse: { maxSize } } });
    expect(() => prod("copy", 1)).toThrow("nodeGroups.clickhouse.maxSize = 1: phase copy runs the old and the new ClickHouse side by side, one per dedicated node; raise maxSize to 2");
    expect(prod("retired", 1).clickhouse.migration.phase).toBe("retired");
    expect(prod("copy", 2).clickhouse.migration.phase).toBe("copy");
  });

  it("refuses an unknown phase", () => {
    expect(() => configOf("copied" as MigrationPhase)).toThrow(/clickhouse\.migration\.phase/);
  });
});

describe("what each phase renders", () => {
  it("none: no second ClickHouse, no migration Job", () => {
    expect(clusterRelease("none")).toBeUndefined();
    expect(Object.values(resources(app("none"), "kubernetes_job_v1")).filter((body) => body.metadata.name.startsWith("clickhouse-v4-"))).toEqual([]);
  });

  it("side-by-side: a Keeper and a ClickHouse cluster beside the old server, the release untouched", () => {
    const manifests = JSON.parse(clusterRelease("side-by-side")![1].values[0]).manifests;
    expect(manifests.map((manifest: TfJson) => manifest.kind)).toEqual(["KeeperCluster", "ClickHouseCluster"]);
    expect(manifests[1].spec.keeperClusterRef.name).toBe(MIGRATION_CLICKHOUSE_CLUSTER);
    expect(manifests[1].spec.settings.defaultUserPassword.secret).toEqual({ name: "langfuse-secrets", key: "clickhouse-password" });
    expect(releaseValues("side-by-side")).toEqual(releaseValues("none"));
    expect(job("side-by-side", "copy")).toBeUndefined();
  });

  it("copy: a copy Job the apply does not wait for (hours of data outlive one apply's cluster token), release untouched", () => {
    const [, copy] = job("copy", "copy")!;
    expect(copy.wait_for_completion).toBe(false);
    const env = Object.fromEntries(copy.spec.template.spec.container[0].env.map((entry: TfJson) => [entry.name, entry.value ?? entry.value_from]));
    expect(env).toMatchObject({ SOURCE_HOST: BITNAMI_V3_CLICKHOUSE.serviceName, TARGET_HOST: MIGRATED_V4_CLICKHOUSE.serviceName, SOURCE_PORT: "9000", TARGET_PORT: "9000" });
    expect(env.CLICKHOUSE_PASSWORD).toEqual({ secret_key_ref: { name: "langfuse-secrets", key: "clickhouse-password" } });
    expect(releaseValues("copy")).toEqual(releaseValues("none"));
  });

  it("switched: the release moves to the new server only behind the verified counts; the old server stays deployed", () => {
    const [gateName, gate] = job("switched", "verify-switch")!;
    expect(gate.wait_for_completion).toBe(true);
    expect(langfuseRelease("switched")[1].depends_on).toContain(`kubernetes_job_v1.${gateName}`);
    const clickhouse = releaseValues("switched").clickhouse;
    expect(clickhouse).toMatchObject({ deploy: true, host: MIGRATED_V4_CLICKHOUSE.serviceName });
    const [, catchUp] = job("switched", "catchup")!;
    expect(catchUp.depends_on).toContain(`helm_release.${langfuseRelease("switched")[0]}`);
    // The gate (12 min) and the rollout (5) already fill most of the apply's ~15-minute cluster token: the
    // catch-up runs on after the apply, and the retire gate counts its rows again.
    expect(catchUp.wait_for_completion).toBe(false);
  });

  it("switched: retention, the disk metrics' alarm volume and the cleanup endpoint follow the new server", () => {
    const retention = Object.values(resources(app("switched"), "kubernetes_cron_job_v1")).find((body) => body.metadata.name === "clickhouse-retention")!;
    const env = retention.spec.job_template.spec.template.spec.container[0].env;
    expect(env.find((entry: TfJson) => entry.name === "CLICKHOUSE_HOST").value).toBe(MIGRATED_V4_CLICKHOUSE.serviceName);
    const alarms = JSON.stringify(resources(app("switched"), "aws_cloudwatch_metric_alarm"));
    expect(alarms).toContain(MIGRATED_V4_CLICKHOUSE.persistentVolumeClaimName);
    expect(alarms).not.toContain(BITNAMI_V3_CLICKHOUSE.persistentVolumeClaimName);
  });

  it("retired: the old server goes only behind a second verification, as an external ClickHouse of the chart", () => {
    const [gateName] = job("retired", "verify-retire")!;
    expect(langfuseRelease("retired")[1].depends_on).toContain(`kubernetes_job_v1.${gateName}`);
    expect(releaseValues("retired").clickhouse).toEqual({
      deploy: false,
      clusterEnabled: false,
      host: `http://${MIGRATED_V4_CLICKHOUSE.serviceName}`,
      httpPort: 8123,
      migration: { url: `clickhouse://${MIGRATED_V4_CLICKHOUSE.serviceName}:9000`, ssl: false },
      auth: { username: "default", existingSecret: "langfuse-secrets", existingSecretKey: "clickhouse-password" },
    });
  });
});

describe("safety across the phases", () => {
  it("keeps the old ClickHouse deployed in every phase before retired (its volume is never released earlier)", () => {
    for (const phase of MIGRATION_PHASES.filter((p) => p !== "retired")) expect(releaseValues(phase).clickhouse.deploy, phase).toBe(true);
    // No phase manages the old volume claim: Terraform can never delete it.
    for (const phase of MIGRATION_PHASES) expect(JSON.stringify(resources(app(phase), "kubernetes_persistent_volume_claim_v1"))).not.toContain(BITNAMI_V3_CLICKHOUSE.persistentVolumeClaimName);
  });

  it("gates every release change that moves off the old server on a Job whose script fails on differing row counts", () => {
    for (const [phase, gate] of [["switched", "verify-switch"], ["retired", "verify-retire"]] as const) {
      const scripts = Object.values(resources(app(phase), "kubernetes_config_map_v1")).find((body) => body.metadata.name === "clickhouse-v4-migration")!.data;
      const script: string = scripts[`${gate}.sh`];
      expect(script).toContain("throwIf(target_rows < source_rows");
      expect(script).toContain("set -euo pipefail");
    }
  });

  it("never changes a Job once created, so none runs twice (the copy would truncate the serving tables)", () => {
    const same = (name: string, phases: MigrationPhase[]) => {
      const bodies = phases.map((phase) => JSON.stringify({ ...job(phase, name)![1], depends_on: undefined }));
      expect(new Set(bodies).size, name).toBe(1);
    };
    same("copy", ["copy", "switched", "retired"]);
    same("verify-switch", ["switched", "retired"]);
    same("catchup", ["switched", "retired"]);
    const scripts = (phase: MigrationPhase) => Object.values(resources(app(phase), "kubernetes_config_map_v1")).find((body) => body.metadata.name === "clickhouse-v4-migration");
    expect(new Set(["side-by-side", "copy", "switched", "retired"].map((phase) => JSON.stringify(scripts(phase as MigrationPhase)))).size).toBe(1);
  });

  it("keeps salt, encryption key and NextAuth secret the same Terraform objects in every phase", () => {
    const deps = MIGRATION_PHASES.map((phase) => JSON.stringify(stacks[phase].deps));
    expect(new Set(deps).size).toBe(1);
    const appSecrets = (phase: MigrationPhase) => {
      const { salt, encryptionKey, nextauth } = releaseValues(phase).langfuse;
      const kubernetesSecret = Object.entries(resources(app(phase), "kubernetes_secret_v1")).find(([, body]) => body.metadata.name === "langfuse-secrets");
      return JSON.stringify({ salt, encryptionKey, nextauth: nextauth.secret, kubernetesSecret });
    };
    expect(new Set(MIGRATION_PHASES.map(appSecrets)).size).toBe(1);
    expect(appSecrets("none")).toContain("secretKeyRef");
  });
});

/** A small OpenAPI v3 check: known properties, required ones, basic types (what the API server's schema rejects). */
function schemaErrors(value: unknown, schema: TfJson, path: string): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"] || schema["x-kubernetes-int-or-string"]) return [];
  const type = schema.type;
  if (type === "object" && (typeof value !== "object" || value === null || Array.isArray(value))) return [`${path}: not an object`];
  if (type === "array") return Array.isArray(value) ? value.flatMap((item, i) => schemaErrors(item, schema.items ?? {}, `${path}[${i}]`)) : [`${path}: not an array`];
  if (type === "string" && typeof value !== "string") return [`${path}: not a string`];
  if (type === "integer" && !Number.isInteger(value)) return [`${path}: not an integer`];
  if (type !== "object") return [];
  const object = value as Record<string, unknown>;
  const errors = (schema.required ?? []).filter((key: string) => !(key in object)).map((key: string) => `${path}.${key}: required`);
  for (const [key, child] of Object.entries(object)) {
    const property = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
    if (!property) {
      if (schema.properties) errors.push(`${path}.${key}: unknown field`);
      continue;
    }
    errors.push(...schemaErrors(child, property, `${path}.${key}`));
  }
  return errors;
}

describe("the custom resources against the operator's CRDs", () => {
  const props: ClickHouseMigrationProps = {
    namespace: "langfuse",
    phase: "side-by-side",
    source: BITNAMI_V3_CLICKHOUSE,
    clusterName: MIGRATION_CLICKHOUSE_CLUSTER,
    storageGiB: 600,
    keeperStorageGiB: 5,
    storageClassName: "clickhouse",
    resources: { requests: { cpu: "3", memory: "26Gi" }, limits: { cpu: "3", memory: "26Gi" } },
    placement: { nodeSelector: { workload: "clickhouse" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "clickhouse", effect: "NoSchedule" }] },
    passwordSecret: { name: "langfuse-secrets", key: "clickhouse-password" },
    retentionDays: 30,
    systemLogRetentionDays: 10,
    images: { server: "docker.io/clickhouse/clickhouse-server", keeper: "docker.io/clickhouse/clickhouse-keeper", tag: "26.4", client: "docker.io/clickhouse/clickhouse-server:26.4.4.38" },
    dependsOn: [],
  };
  const crd = (file: string) => crdDocument(join(REFERENCE, file)) as TfJson;
  const schemaOf = (document: TfJson, kind: string) => {
    expect(document.spec.names.kind).toBe(kind);
    const version = document.spec.versions.find((entry: TfJson) => entry.served);
    return { apiVersion: `${document.spec.group}/${version.name}`, schema: version.schema.openAPIV3Schema.properties.spec };
  };

  it.each([
    ["KeeperCluster", "keeperclusters.clickhouse.com-main-581494e.yaml", 0],
    ["ClickHouseCluster", "clickhouseclusters.clickhouse.com-main-581494e.yaml", 1],
  ])("%s uses only fields its CRD defines, with the right types", (kind, file, index) => {
    const manifest = clusterManifests(props)[index] as TfJson;
    const { apiVersion, schema } = schemaOf(crd(file), kind);
    expect(manifest.kind).toBe(kind);
    expect(manifest.apiVersion).toBe(apiVersion);
    expect(schemaErrors(manifest.spec, schema, "spec")).toEqual([]);
  });

  it("puts the server on the dedicated ClickHouse nodes and Keeper on the general ones (no room beside the server)", () => {
    const [keeper, server] = clusterManifests(props) as TfJson[];
    expect(server.spec.podTemplate).toEqual({ nodeSelector: props.placement!.nodeSelector, tolerations: props.placement!.tolerations });
    expect(keeper.spec.podTemplate).toBeUndefined();
  });

  it("catches a misspelled field (the check can fail)", () => {
    const manifest = clusterManifests(props)[1] as TfJson;
    const { schema } = schemaOf(crd("clickhouseclusters.clickhouse.com-main-581494e.yaml"), "ClickHouseCluster");
    expect(schemaErrors({ ...manifest.spec, keeperClusterRefs: { name: "x" } }, schema, "spec")).toContain("spec.keeperClusterRefs: unknown field");
  });
});
