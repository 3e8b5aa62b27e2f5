import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../config/schema";
import { OPERATOR_CLICKHOUSE } from "../contract/clickhouse-v4";
import { REMOVED_SYSTEM_LOGS } from "../contract/clickhouse-system-logs";
import { LANGFUSE_LINES } from "../contract/langfuse-lines";
import { READINESS_GATE_POD_LABEL } from "../contract/readiness-gates";
import { CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME, LANGFUSE_SECRET_KEYS } from "../contract/secret-keys";
import { LANGFUSE_RUN_AS_USER, WEB_MIGRATION_GRACE_SECONDS } from "../constructs/langfuse/values";
import { buildLangfuseV4Values, clickhouseExtraConfig, VALKEY_CONFIG } from "../constructs/langfuse/values-v4";
import { chartKeysFile, referenceFolder, renderChartKeyIndex } from "../scripts/chart-keys";
import { chartKeys, keyPaths } from "./support/chart-keys";
import { chartValues, coalesceValues, crdSchema, renderClickHouseCluster, renderDeploymentReplicas, renderKeeperCluster, schemaErrors } from "./support/chart-v4";
import { EXTERNAL_CLICKHOUSE, LANGFUSE_ENDPOINTS } from "./support/fixtures";
import { environment } from "./support/synth";

/*
 * Chart 2.0.0 (Langfuse v4) has no values schema either: every key path the v4 builder writes must exist in the
 * chart's reference values (data/chart-keys/langfuse-2.0.0.json). The ClickHouseCluster and KeeperCluster the
 * chart renders from those values are checked against the ClickHouse operator's CRD schemas.
 */

type Tree = Record<string, unknown>;
const CHART = LANGFUSE_LINES.v4.chartVersion;
const REFERENCE = referenceFolder(CHART);
const OPERATOR_REFERENCE = join(REFERENCE, "..", "clickhouse-operator");
const { existsInChart, freeFormMaps: FREE_FORM_MAPS, unknownKeyPaths } = chartKeys(CHART);

const endpoints = LANGFUSE_ENDPOINTS;

const imageCache = { imageCache: { enabled: true, dockerHubCredentialArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub" } };

const VARIANTS: ReadonlyArray<readonly [string, EnvironmentConfig]> = [
  ["dev (bundled Valkey, operator ClickHouse on the general nodes)", environment("dev")],
  ["dev without headless initialization", environment("dev", { langfuse: { init: null } })],
  ["prod (ElastiCache, ClickHouse and Keeper on the dedicated node, image cache)", environment("prod")],
  ["prod with an external ClickHouse", environment("prod", { clickhouse: EXTERNAL_CLICKHOUSE })],
  ["dev pulling through the image cache", environment("dev", imageCache)],
  ["prod migrating from v3 (dual write, backfill)", environment("prod", { langfuse: { v4Migration: { writeMode: "dual", historicBackfill: true } } })],
];

const valuesOf = (config: EnvironmentConfig) => buildLangfuseV4Values(config, endpoints);
const rendered = (config: EnvironmentConfig) => chartValues(REFERENCE, valuesOf(config));
const hasReference = existsSync(REFERENCE);

describe("the chart 2.0.0 key index", () => {
  it.runIf(hasReference)("is exactly what the chart's reference values give", () => {
    expect(readFileSync(chartKeysFile(CHART), "utf8")).toBe(renderChartKeyIndex(REFERENCE, CHART));
  });

  it("knows the v4 chart's keys and not the 1.5.x ones it dropped", () => {
    for (const path of [["clickhouse", "cluster", "settings"], ["clickhouse", "keeper", "replicas"], ["clickhouse", "crdCheck"], ["redis", "valkeyConfig"], ["langfuse", "podSecurityContext"]]) {
      expect(existsInChart(path), path.join(".")).toBe(true);
    }
    for (const path of [["clickhouse", "extraOverrides"], ["clickhouse", "persistence"], ["redis", "primary"], ["clickhouse", "zookeeper"]]) {
      expect(existsInChart(path), path.join(".")).toBe(false);
    }
  });
});

describe("every key the v4 values builder writes exists in chart langfuse 2.0.0", () => {
  it.each(VARIANTS)("%s", (_name, config) => {
    expect(unknownKeyPaths(valuesOf(config))).toEqual([]);
  });

  it("reports a misspelled key, at the top, deep down and next to a free-form map", () => {
    const values = structuredClone(valuesOf(environment("prod"))) as unknown as Tree;
    const clickhouse = values.clickhouse as Tree;
    clickhouse.keeper = { ...(clickhouse.keeper as Tree), replica: 3 };
    clickhouse.cluster = { ...(clickhouse.cluster as Tree), storage: { size: "200Gi", class: "clickhouse" } };
    values.redis = { ...(values.redis as Tree), tls: { enabled: true, verify: true } };
    (values.langfuse as Tree).podSecurityContexts = {};
    expect(unknownKeyPaths(values).sort()).toEqual(["clickhouse.cluster.storage.class", "clickhouse.keeper.replica", "langfuse.podSecurityContexts", "redis.tls.verify"]);
  });

  it("allow-lists only free-form maps the chart really has, and the builder uses each of them", () => {
    const used = new Set(VARIANTS.flatMap(([, config]) => keyPaths(valuesOf(config))));
    for (const path of FREE_FORM_MAPS) {
      expect(existsInChart(path.split(".")), path).toBe(true);
      expect(used.has(path), path).toBe(true);
    }
  });

  it("refuses a v3 environment", () => {
    expect(() => buildLangfuseV4Values(environment("dev", { langfuse: { line: "v3" } }), endpoints)).toThrow(/'langfuse.line' \(v3\) must be "v4"/);
  });
});

describe("no secret value inside the v4 values", () => {
  const SECRET_LEAVES = /^(value|password|rootPassword|accessKeyId|secretAccessKey|licenseKey)$/;
  const knownKeys = new Set<string>([...Object.values(LANGFUSE_SECRET_KEYS), CLICKHOUSE_PASSWORD_KEY]);

  it.each(VARIANTS)("%s: credentials are references only", (_name, config) => {
    const values = valuesOf(config);
    expect(keyPaths(values).filter((path) => SECRET_LEAVES.test(path.split(".").pop()!))).toEqual([]);
    for (const { secretKeyRef } of [values.langfuse.salt, values.langfuse.encryptionKey, values.langfuse.nextauth.secret]) {
      expect(secretKeyRef.name).toBe(KUBERNETES_SECRET_NAME);
      expect(knownKeys.has(secretKeyRef.key)).toBe(true);
    }
    expect(values.postgresql.auth.existingSecret).toBe(KUBERNETES_SECRET_NAME);
    expect(values.clickhouse.auth).toMatchObject({ existingSecret: KUBERNETES_SECRET_NAME, existingSecretKey: CLICKHOUSE_PASSWORD_KEY });
    for (const env of values.langfuse.additionalEnv.filter((e) => /PASSWORD|SECRET|PUBLIC_KEY/.test(e.name))) {
      expect("valueFrom" in env && env.valueFrom.secretKeyRef.name).toBe(KUBERNETES_SECRET_NAME);
    }
  });

  it("leaves no chart-generated app secret: salt, encryption key and NextAuth secret all come from langfuse-secrets", () => {
    const values = rendered(environment("prod"));
    for (const key of ["salt", "encryptionKey"]) expect((values.langfuse as Tree)[key]).toMatchObject({ value: "", secretKeyRef: { name: KUBERNETES_SECRET_NAME } });
  });
});

describe("external services on v4", () => {
  it("puts the PostgreSQL port into the host (the app ignores postgresql.port) and requires TLS, server verified", () => {
    const { postgresql } = valuesOf(environment("dev"));
    expect(postgresql).toMatchObject({ deploy: false, host: `${endpoints.databaseHost}:5432`, args: "sslmode=require&sslaccept=strict&sslcert=/etc/langfuse/database-ca/rds-ca.pem" });
    expect(postgresql).not.toHaveProperty("port");
    expect(rendered(environment("dev")).postgresql).toMatchObject({ port: null });
  });

  it("uses S3 through IRSA with the events/ media/ exports/ prefixes and no keys", () => {
    const { s3, langfuse } = valuesOf(environment("prod"));
    expect(s3).toEqual({
      deploy: false,
      bucket: endpoints.bucketName,
      region: endpoints.bucketRegion,
      forcePathStyle: false,
      eventUpload: { prefix: "events/" },
      batchExport: { enabled: true, prefix: "exports/" },
      mediaUpload: { enabled: true, prefix: "media/" },
    });
    expect(langfuse.serviceAccount.annotations).toEqual({ "eks.amazonaws.com/role-arn": endpoints.langfuseRoleArn });
    const merged = rendered(environment("prod")).s3 as Tree;
    for (const key of ["accessKeyId", "secretAccessKey"]) expect(merged[key]).toEqual({ value: "", secretKeyRef: { name: "", key: "" } });
  });

  it("runs the chart's Valkey with noeviction in dev (the chart refuses to render without it)", () => {
    const { redis } = valuesOf(environment("dev"));
    expect(redis).toMatchObject({ deploy: true, valkeyConfig: VALKEY_CONFIG });
    expect(VALKEY_CONFIG).toContain("maxmemory-policy noeviction");
    // The chart then keeps its own generated password (the users Secret it validates against).
    expect(redis).not.toHaveProperty("auth");
  });

  it("connects to ElastiCache over TLS without a user name in prod", () => {
    const { redis } = valuesOf(environment("prod"));
    expect(redis).toEqual({
      deploy: false,
      host: endpoints.redisHost,
      port: "6379",
      tls: { enabled: true },
      auth: { username: null, existingSecret: KUBERNETES_SECRET_NAME, existingSecretPasswordKey: LANGFUSE_SECRET_KEYS.redisPassword },
    });
    expect(at(rendered(environment("prod")), "redis.auth")).not.toHaveProperty("username");
  });

  it("points at an external ClickHouse without the operator's custom resources or ON CLUSTER DDL", () => {
    const config = environment("prod", { clickhouse: EXTERNAL_CLICKHOUSE });
    expect(valuesOf(config).clickhouse).toEqual({
      deploy: false,
      host: "https://abc123.us-east-1.aws.clickhouse.cloud",
      httpPort: 8443,
      migration: { url: "clickhouse://abc123.us-east-1.aws.clickhouse.cloud:9440", ssl: true },
      auth: { username: "langfuse", existingSecret: KUBERNETES_SECRET_NAME, existingSecretKey: CLICKHOUSE_PASSWORD_KEY },
      cluster: { enabled: false },
    });
    expect(renderClickHouseCluster(rendered(config))).toBeUndefined();
    expect(renderKeeperCluster(rendered(config))).toBeUndefined();
  });
});

function at(values: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Tree)[key] : undefined), values);
}

describe("the operator-managed ClickHouse", () => {
  const clickhouseOf = (config: EnvironmentConfig) => {
    const { clickhouse } = valuesOf(config);
    if (!clickhouse.deploy) throw new Error("expected the bundled ClickHouse");
    return clickhouse;
  };

  it("keeps the chart's CRD check on", () => {
    for (const [, config] of VARIANTS) expect(at(rendered(config), "clickhouse.crdCheck")).toBe(true);
  });

  it("keeps the chart's guard against upgrading a v3 release that still runs the bitnami ClickHouse", () => {
    // An environment deployed on v3 that forgets `line: v3` fails its helm upgrade instead of getting an empty ClickHouse.
    for (const [, config] of VARIANTS) expect(at(rendered(config), "langfuse.allowV1Upgrade")).toBe(false);
  });

  it("is one replica with its data on the retained clickhouse class: 200 GiB in prod, 20 GiB in dev", () => {
    for (const [name, size] of [["prod", "200Gi"], ["dev", "20Gi"]] as const) {
      const clickhouse = clickhouseOf(environment(name));
      expect(clickhouse.cluster).toMatchObject({ enabled: true, replicas: 1, storage: { size, className: "clickhouse" } });
      expect(clickhouse.auth.username).toBe("default");
    }
  });

  it("runs one small Keeper for the one ClickHouse replica, on the same node and storage class", () => {
    const { keeper, cluster } = clickhouseOf(environment("prod"));
    expect(keeper).toMatchObject({ enabled: true, replicas: 1, storage: { size: "1Gi", className: "clickhouse" } });
    expect(keeper.resources.requests).toEqual({ cpu: "50m", memory: "256Mi" });
    expect(keeper.nodeSelector).toEqual(cluster.nodeSelector);
    expect(keeper.tolerations).toEqual(cluster.tolerations);
  });

  it("places ClickHouse and Keeper on the dedicated tainted node in prod, anywhere in dev", () => {
    const prod = clickhouseOf(environment("prod"));
    for (const workload of [prod.cluster, prod.keeper]) {
      expect(workload.nodeSelector).toEqual({ workload: "clickhouse" });
      expect(workload.tolerations).toEqual([{ key: "dedicated", operator: "Equal", value: "clickhouse", effect: "NoSchedule" }]);
    }
    // requests = limits (Guaranteed QoS), below the 3440m the dedicated r7g.xlarge leaves next to its DaemonSets and Keeper
    expect(prod.cluster.resources).toEqual({ requests: { cpu: "3350m", memory: "26Gi" }, limits: { cpu: "3350m", memory: "26Gi" } });
    const dev = clickhouseOf(environment("dev"));
    for (const workload of [dev.cluster, dev.keeper]) {
      expect(workload).not.toHaveProperty("nodeSelector");
      expect(workload).not.toHaveProperty("tolerations");
    }
  });

  it("removes the system log tables that fill disks, keeps query_log and part_log for systemLogRetentionDays, quiets the server log", () => {
    const settings = clickhouseOf(environment("prod", { clickhouse: { systemLogRetentionDays: 7 } })).cluster.settings;
    expect(settings).toEqual(clickhouseExtraConfig(7));
    for (const table of REMOVED_SYSTEM_LOGS) expect(settings[table]).toEqual({ "@remove": 1 });
    expect(settings.query_log).toEqual({ ttl: "event_date + INTERVAL 7 DAY DELETE" });
    expect(settings.part_log).toEqual({ ttl: "event_date + INTERVAL 7 DAY DELETE" });
    expect(settings.logger).toEqual({ level: "warning", size: "100M", count: 10 });
  });

  it("pulls the ClickHouse and Keeper images through the cache at the chart's tags when the cache is on", () => {
    const cached = clickhouseOf(environment("dev", imageCache));
    expect(cached.cluster.image).toEqual({ repository: `${endpoints.imageRegistryPrefix}/clickhouse/clickhouse-server`, tag: OPERATOR_CLICKHOUSE.serverImage.tag });
    expect(cached.keeper.image).toEqual({ repository: `${endpoints.imageRegistryPrefix}/clickhouse/clickhouse-keeper`, tag: OPERATOR_CLICKHOUSE.keeperImage.tag });
    const direct = rendered(environment("dev"));
    expect(at(direct, "clickhouse.cluster.image")).toEqual(OPERATOR_CLICKHOUSE.serverImage);
    expect(at(direct, "clickhouse.keeper.image")).toEqual(OPERATOR_CLICKHOUSE.keeperImage);
  });
});

describe.runIf(existsSync(OPERATOR_REFERENCE))("the custom resources the chart renders pass the operator's CRD schemas", () => {
  const clusterSchema = crdSchema(join(OPERATOR_REFERENCE, "clickhouseclusters.clickhouse.com-main-581494e.yaml"));
  const keeperSchema = crdSchema(join(OPERATOR_REFERENCE, "keeperclusters.clickhouse.com-main-581494e.yaml"));
  const specOf = (schema: typeof clusterSchema) => schema.properties!.spec;
  const bundled = VARIANTS.filter(([, config]) => config.clickhouse.mode === "bundled");

  it.each(bundled)("%s", (_name, config) => {
    const values = rendered(config);
    const cluster = renderClickHouseCluster(values)!;
    const keeper = renderKeeperCluster(values)!;
    expect(schemaErrors(cluster.spec, specOf(clusterSchema), "spec")).toEqual([]);
    expect(schemaErrors(keeper.spec, specOf(keeperSchema), "spec")).toEqual([]);
    // The cluster finds its Keeper, its password and its volume class.
    expect(at(cluster, "spec.keeperClusterRef.name")).toBe(at(keeper, "metadata.name"));
    expect(at(cluster, "spec.settings.defaultUserPassword.secret")).toEqual({ name: KUBERNETES_SECRET_NAME, key: CLICKHOUSE_PASSWORD_KEY });
    expect(at(cluster, "spec.dataVolumeClaimSpec.storageClassName")).toBe("clickhouse");
    expect(at(cluster, "metadata.name")).toBe(OPERATOR_CLICKHOUSE.clusterResourceName);
  });

  it("catches what the API server would refuse or prune", () => {
    const values = coalesceValues(rendered(environment("prod")), { clickhouse: { keeper: { replicas: 2 }, cluster: { replicas: -1, tolerations: "dedicated" } } }) as Tree;
    const keeper = renderKeeperCluster(values)!;
    const cluster = renderClickHouseCluster(values)!;
    expect(schemaErrors(keeper.spec, specOf(keeperSchema), "spec")).toEqual([expect.stringMatching(/^spec\.replicas: must be one of \[0,1,3,5/)]);
    expect(schemaErrors(cluster.spec, specOf(clusterSchema), "spec")).toEqual(["spec.replicas: must be >= 0", 'spec.podTemplate.tolerations: must be an array (got "dedicated")']);
    const valid = renderClickHouseCluster(rendered(environment("prod")))!;
    const pruned = { ...(valid.spec as Tree), podTemplate: { nodeSelectors: { workload: "clickhouse" } } };
    expect(schemaErrors(pruned, specOf(clusterSchema), "spec")).toEqual(["spec.podTemplate.nodeSelectors: unknown field (pruned by the API server)"]);
    expect(schemaErrors({ replicas: 1 }, specOf(clusterSchema), "spec")).toEqual(["spec: missing required field keeperClusterRef"]);
  });
});

describe.runIf(hasReference)("the names contract/clickhouse-v4.ts promises match the chart's templates", () => {
  const template = (file: string) => readFileSync(join(REFERENCE, "templates", file), "utf8");

  it("Langfuse reaches ClickHouse at <fullname>-clickhouse-headless on the HTTP and native ports", () => {
    expect(template("_helpers.tpl")).toContain('printf "%s-clickhouse-headless" (include "langfuse.fullname" .)');
    expect(OPERATOR_CLICKHOUSE.headlessServiceName).toBe(`${OPERATOR_CLICKHOUSE.clusterResourceName}-clickhouse-headless`);
    const values = rendered(environment("prod"));
    expect([at(values, "clickhouse.httpPort"), at(values, "clickhouse.nativePort")]).toEqual([OPERATOR_CLICKHOUSE.httpPort, OPERATOR_CLICKHOUSE.nativePort]);
  });

  it("names the ClickHouseCluster and KeeperCluster after the fullname, and the cluster references that Keeper", () => {
    for (const file of ["clickhouse/cluster.yaml", "clickhouse/keeper.yaml"]) expect(template(file)).toMatch(/metadata:\n  name: \{\{ include "langfuse.fullname" \. \}\}/);
    expect(template("clickhouse/cluster.yaml")).toMatch(/keeperClusterRef:\n    name: \{\{ include "langfuse.fullname" \. \}\}/);
    expect(OPERATOR_CLICKHOUSE.keeperResourceName).toBe(OPERATOR_CLICKHOUSE.clusterResourceName);
  });
});

describe("Langfuse itself on v4", () => {
  it("pins the app image explicitly, one tag for web and worker", () => {
    const values = rendered(environment("prod"));
    expect(at(values, "langfuse.image.tag")).toBe(LANGFUSE_LINES.v4.appVersion);
    // The per-component tags stay the chart's null, so the templates fall back to langfuse.image.tag.
    expect(at(values, "langfuse.web.image.tag")).toBeNull();
    expect(at(values, "langfuse.worker.image.tag")).toBeNull();
    const chosen = valuesOf(environment("dev", { langfuse: { chartVersion: "2.0.1", imageTag: "4.16.0" } }));
    expect(chosen.langfuse.image.tag).toBe("4.16.0");
  });

  it("pulls web and worker from the chart's registry, or through the ECR cache when it is on", () => {
    expect(valuesOf(environment("dev")).langfuse.web).not.toHaveProperty("image");
    const cached = valuesOf(environment("dev", imageCache)).langfuse;
    expect(cached.web.image).toEqual({ repository: `${endpoints.imageRegistryPrefix}/langfuse/langfuse` });
    expect(cached.worker.image).toEqual({ repository: `${endpoints.imageRegistryPrefix}/langfuse/langfuse-worker` });
  });

  it("derives NEXTAUTH_URL from the domain, takes sign-up and telemetry from the configuration", () => {
    expect(valuesOf(environment("prod")).langfuse.nextauth.url).toBe("https://langfuse.example.com");
    expect(valuesOf(environment("dev")).langfuse.nextauth.url).toBe("http://localhost:3000");
    expect(valuesOf(environment("dev", { langfuse: { signUpDisabled: false, telemetryEnabled: true } })).langfuse.features).toEqual({ telemetryEnabled: true, signUpDisabled: false });
  });

  it("initializes headlessly and sets every v4 migration variable explicitly, events_only for a new install", () => {
    const env = valuesOf(environment("prod")).langfuse.additionalEnv;
    const byName = Object.fromEntries(env.map((e) => [e.name, "value" in e ? e.value : `secret:${e.valueFrom.secretKeyRef.key}`]));
    expect(byName).toMatchObject({
      LANGFUSE_INIT_ORG_NAME: "Example",
      LANGFUSE_INIT_USER_PASSWORD: `secret:${LANGFUSE_SECRET_KEYS.initUserPassword}`,
      LANGFUSE_MIGRATION_V4_WRITE_MODE: "events_only",
      LANGFUSE_MIGRATION_V4_NATIVE_OTEL_BEHAVIOUR: "direct",
      LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN: "true",
      LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL: "false",
    });
    const migrating = valuesOf(environment("prod", { langfuse: { v4Migration: { writeMode: "dual", historicBackfill: true } } })).langfuse.additionalEnv;
    expect(migrating).toContainEqual({ name: "LANGFUSE_MIGRATION_V4_WRITE_MODE", value: "dual" });
    expect(migrating).toContainEqual({ name: "LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL", value: "true" });
  });

  it("runs web and worker as a non-root user without privilege escalation, capabilities or an unconfined seccomp profile", () => {
    const { langfuse } = valuesOf(environment("prod"));
    expect(langfuse.podSecurityContext).toEqual({ runAsNonRoot: true, runAsUser: LANGFUSE_RUN_AS_USER, runAsGroup: LANGFUSE_RUN_AS_USER, seccompProfile: { type: "RuntimeDefault" } });
    expect(langfuse.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  it("gives the web container time to finish migrations before liveness can kill it", () => {
    const { web } = valuesOf(environment("prod")).langfuse;
    expect(web.livenessProbe.initialDelaySeconds).toBe(WEB_MIGRATION_GRACE_SECONDS);
    expect(web.readinessProbe.initialDelaySeconds).toBeLessThan(web.livenessProbe.initialDelaySeconds);
  });

  it("renders no replica count on web or worker: the chart's HPAs are on, KEDA adopts web's, the worker's scales on CPU", () => {
    const config = environment("prod");
    const values = rendered(config);
    expect(renderDeploymentReplicas(values, "web")).toEqual({ rendered: false });
    expect(renderDeploymentReplicas(values, "worker")).toEqual({ rendered: false });
    const { web } = config.langfuse;
    // The bounds and CPU target the ScaledObject also gets (constructs/langfuse/autoscaling.ts), which takes this HPA over.
    expect(at(values, "langfuse.web.hpa")).toMatchObject({ enabled: true, minReplicas: web.minReplicas, maxReplicas: web.maxReplicas, targetCPUUtilizationPercentage: web.cpuTargetPercent });
    expect(at(values, "langfuse.web.keda.enabled")).toBe(false);
    expect(at(values, "langfuse.worker.hpa")).toMatchObject({ enabled: true, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 });
    // With the HPA off, the chart's global default of 1 would be rendered and reset KEDA's count on every upgrade.
    const withDefaults = chartValues(REFERENCE, { langfuse: { web: { hpa: { enabled: false } } } });
    expect(renderDeploymentReplicas(withDefaults, "web")).toEqual({ rendered: true, value: 1 });
  });

  it("opts web pods, and only them, into the ALB readiness gate", () => {
    const { langfuse, clickhouse } = valuesOf(environment("prod"));
    expect(langfuse.web.pod.labels).toMatchObject({ [READINESS_GATE_POD_LABEL.key]: READINESS_GATE_POD_LABEL.value });
    expect(langfuse.worker.pod.labels).not.toHaveProperty(READINESS_GATE_POD_LABEL.key);
    expect(JSON.stringify(clickhouse)).not.toContain(READINESS_GATE_POD_LABEL.key);
  });

  it("keeps a one-at-a-time PodDisruptionBudget on web and worker, and spreads both across zones", () => {
    const { web, worker } = valuesOf(environment("prod")).langfuse;
    for (const deployment of [web, worker]) {
      expect(deployment.pdb).toEqual({ create: true, maxUnavailable: 1 });
      expect(deployment.pod.topologySpreadConstraints.find((c) => c.topologyKey === "topology.kubernetes.io/zone")).toMatchObject({ whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy: "Honor" });
    }
  });
});
