import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../config/schema";
import { CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME, LANGFUSE_SECRET_KEYS } from "../contract/secret-keys";
import {
  buildLangfuseValues,
  clickhouseServerOverrides,
  WEB_MIGRATION_GRACE_SECONDS,
} from "../constructs/langfuse/values";
import { CHART_KEYS_FILE, CHART_VERSION, DEFAULT_REFERENCE, renderChartKeyIndex } from "../scripts/chart-keys";
import { chartKeys, keyPaths } from "./support/chart-keys";
import { EXTERNAL_CLICKHOUSE, LANGFUSE_ENDPOINTS } from "./support/fixtures";
import { deepMerge } from "../config/load";
import { environment } from "./support/synth";

/** An environment on the v3 line (chart 1.5.41), which this builder serves; the profiles default to v4. */
const environmentV3 = (name: string, overrides: object = {}): EnvironmentConfig => environment(name, deepMerge({ langfuse: { line: "v3" } }, overrides) as object);

/*
 * Every key path the builder writes must exist in the chart's reference values (chart langfuse 1.5.41), or,
 * under clickhouse./redis./postgresql., in the values of the subchart that alias deploys (support/chart-keys.ts).
 */

type Tree = Record<string, unknown>;
const { existsInChart, freeFormMaps: FREE_FORM_MAPS, unknownKeyPaths } = chartKeys(CHART_VERSION);

const endpoints = LANGFUSE_ENDPOINTS;

const externalClickHouse = { clickhouse: EXTERNAL_CLICKHOUSE };

const VARIANTS: ReadonlyArray<readonly [string, EnvironmentConfig]> = [
  ["dev (bundled Valkey and ClickHouse)", environmentV3("dev")],
  ["dev with headless initialization", environmentV3("dev", { langfuse: { init: { organizationName: "Acme Labs", projectName: "Chat Bot", adminEmail: "a@acme.dev", adminName: "A" } } })],
  ["prod (ElastiCache, dedicated ClickHouse nodes)", environmentV3("prod")],
  ["prod with an external ClickHouse", environmentV3("prod", externalClickHouse)],
  ["dev pulling through the image cache", environmentV3("dev", { imageCache: { enabled: true, dockerHubCredentialArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub" } })],
];

const valuesOf = (config: EnvironmentConfig) => buildLangfuseValues(config, endpoints);

describe("the chart key index", () => {
  // The reference values live beside the repository (shared/reference), where CI has them.
  it.runIf(existsSync(DEFAULT_REFERENCE))("is exactly what the chart's reference values give", () => {
    expect(readFileSync(CHART_KEYS_FILE, "utf8")).toBe(renderChartKeyIndex(DEFAULT_REFERENCE));
  });

  it("knows keys of the chart and of each aliased subchart, and not made-up ones", () => {
    for (const path of [["langfuse", "web", "hpa", "enabled"], ["clickhouse", "extraOverrides"], ["redis", "primary", "extraFlags"], ["postgresql", "auth", "existingSecret"]]) {
      expect(existsInChart(path), path.join(".")).toBe(true);
    }
    expect(existsInChart(["langfuse", "web", "hpa", "enable"])).toBe(false);
  });
});

describe("every key the values builder writes exists in chart langfuse 1.5.41", () => {
  it.each(VARIANTS)("%s", (_name, config) => {
    expect(unknownKeyPaths(valuesOf(config))).toEqual([]);
  });

  it("reports a misspelled key, in the chart and in a subchart", () => {
    const values = structuredClone(valuesOf(environmentV3("prod"))) as unknown as Tree;
    (values.langfuse as Tree).web = { ...((values.langfuse as Tree).web as Tree), hpa: { enable: false } };
    values.clickhouse = { ...(values.clickhouse as Tree), persistance: { size: "200Gi" } };
    values.redis = { ...(values.redis as Tree), tls: { enabled: true, verify: true } };
    expect(unknownKeyPaths(values)).toEqual(["langfuse.web.hpa.enable", "redis.tls.verify", "clickhouse.persistance"]);
  });

  it("reports a key placed under a free-form map's parent that is not itself free-form", () => {
    const values = { langfuse: { serviceAccount: { annotation: { "eks.amazonaws.com/role-arn": "x" } } } };
    expect(unknownKeyPaths(values)).toEqual(["langfuse.serviceAccount.annotation"]);
  });

  it("allow-lists only free-form maps the chart really has, and the builder uses each of them", () => {
    const used = new Set(VARIANTS.flatMap(([, config]) => keyPaths(valuesOf(config))));
    for (const path of FREE_FORM_MAPS) {
      expect(existsInChart(path.split(".")), path).toBe(true);
      expect(used.has(path), path).toBe(true);
    }
  });
});

describe("no secret value inside the values", () => {
  const SECRET_LEAVES = /^(value|password|rootPassword|accessKeyId|secretAccessKey|licenseKey)$/;
  const SECRET_ENV = /PASSWORD|SECRET|PUBLIC_KEY/;
  const knownKeys = new Set<string>([...Object.values(LANGFUSE_SECRET_KEYS), CLICKHOUSE_PASSWORD_KEY]);

  it.each(VARIANTS)("%s: credentials are references into langfuse-secrets only", (_name, config) => {
    const values = valuesOf(config);
    const leaves = keyPaths(values).filter((path) => SECRET_LEAVES.test(path.split(".").pop()!));
    expect(leaves).toEqual([]);

    const refs = [values.langfuse.salt, values.langfuse.encryptionKey, values.langfuse.nextauth.secret];
    for (const { secretKeyRef } of refs) {
      expect(secretKeyRef.name).toBe(KUBERNETES_SECRET_NAME);
      expect(knownKeys.has(secretKeyRef.key)).toBe(true);
    }
    for (const section of [values.postgresql.auth, values.redis.auth, values.clickhouse.auth]) {
      expect(section.existingSecret).toBe(KUBERNETES_SECRET_NAME);
    }
    for (const env of values.langfuse.additionalEnv.filter((e) => SECRET_ENV.test(e.name))) {
      expect("valueFrom" in env && env.valueFrom.secretKeyRef.name).toBe(KUBERNETES_SECRET_NAME);
    }
  });

  it("points each credential at the key the Secret holds for it", () => {
    const values = valuesOf(environmentV3("prod"));
    expect(values.langfuse.salt.secretKeyRef.key).toBe(LANGFUSE_SECRET_KEYS.salt);
    expect(values.langfuse.encryptionKey.secretKeyRef.key).toBe(LANGFUSE_SECRET_KEYS.encryptionKey);
    expect(values.langfuse.nextauth.secret.secretKeyRef.key).toBe(LANGFUSE_SECRET_KEYS.nextauthSecret);
    expect(values.postgresql.auth.secretKeys.userPasswordKey).toBe(LANGFUSE_SECRET_KEYS.databasePassword);
    expect(values.redis.auth.existingSecretPasswordKey).toBe(LANGFUSE_SECRET_KEYS.redisPassword);
    expect(values.clickhouse.auth.existingSecretKey).toBe(CLICKHOUSE_PASSWORD_KEY);
  });
});

describe("external services", () => {
  it("uses the external PostgreSQL over TLS, server verified, with the deps endpoints", () => {
    const { postgresql } = valuesOf(environmentV3("dev"));
    expect(postgresql).toMatchObject({ deploy: false, host: endpoints.databaseHost, port: "5432", args: "sslmode=require&sslaccept=strict&sslcert=/etc/langfuse/database-ca/rds-ca.pem" });
    expect(postgresql.auth).toMatchObject({ username: "langfuse", database: "langfuse" });
  });

  it("uses S3 through the service account's IRSA role, with the events/ media/ exports/ prefixes", () => {
    const { s3, langfuse } = valuesOf(environmentV3("prod"));
    expect(s3).toEqual({
      deploy: false,
      bucket: endpoints.bucketName,
      region: endpoints.bucketRegion,
      forcePathStyle: false,
      eventUpload: { prefix: "events/" },
      batchExport: { enabled: true, prefix: "exports/" },
      mediaUpload: { enabled: true, prefix: "media/" },
    });
    expect(langfuse.serviceAccount).toEqual({ create: true, name: "langfuse", annotations: { "eks.amazonaws.com/role-arn": endpoints.langfuseRoleArn } });
  });

  it("runs the chart's Valkey with noeviction in dev", () => {
    const { redis } = valuesOf(environmentV3("dev"));
    expect(redis.deploy).toBe(true);
    expect(redis.deploy && redis.primary.extraFlags).toEqual(["--maxmemory-policy noeviction"]);
  });

  it("connects to ElastiCache over TLS without a user name in prod", () => {
    const { redis } = valuesOf(environmentV3("prod"));
    expect(redis).toMatchObject({ deploy: false, host: endpoints.redisHost, port: "6379", tls: { enabled: true }, auth: { username: null } });
  });

  it("points at an external ClickHouse by URL, migration URL and user, without deploying one", () => {
    const { clickhouse } = valuesOf(environmentV3("prod", externalClickHouse));
    expect(clickhouse).toEqual({
      deploy: false,
      clusterEnabled: false,
      host: "https://abc123.us-east-1.aws.clickhouse.cloud",
      httpPort: 8443,
      migration: { url: "clickhouse://abc123.us-east-1.aws.clickhouse.cloud:9440", ssl: true },
      auth: { username: "langfuse", existingSecret: KUBERNETES_SECRET_NAME, existingSecretKey: CLICKHOUSE_PASSWORD_KEY },
    });
  });
});

describe("bundled ClickHouse", () => {
  it("is a single replica without ZooKeeper on the ClickHouse storage class", () => {
    for (const [name, storageGiB] of [["dev", 20], ["prod", 200]] as const) {
      const { clickhouse } = valuesOf(environment(name));
      expect(clickhouse).toMatchObject({ deploy: true, clusterEnabled: false, shards: 1, replicaCount: 1, zookeeper: { enabled: false } });
      expect(clickhouse.deploy && clickhouse.persistence).toEqual({ enabled: true, size: `${storageGiB}Gi`, storageClass: "clickhouse" });
    }
  });

  it("runs on the dedicated node group in prod and anywhere in dev", () => {
    const prod = valuesOf(environmentV3("prod")).clickhouse;
    expect(prod.deploy && prod.nodeSelector).toEqual({ workload: "clickhouse" });
    expect(prod.deploy && prod.tolerations).toEqual([{ key: "dedicated", operator: "Equal", value: "clickhouse", effect: "NoSchedule" }]);
    // requests = limits (Guaranteed QoS), below the 3490m the dedicated r7g.xlarge leaves next to its DaemonSets
    expect(prod.deploy && prod.resources).toEqual({ requests: { cpu: "3350m", memory: "26Gi" }, limits: { cpu: "3350m", memory: "26Gi" } });
    const dev = valuesOf(environmentV3("dev")).clickhouse;
    expect(dev).not.toHaveProperty("nodeSelector");
    expect(dev).not.toHaveProperty("tolerations");
  });

  it("removes the system log tables that fill disks and keeps query_log for systemLogRetentionDays", () => {
    const clickhouse = valuesOf(environmentV3("prod", { clickhouse: { systemLogRetentionDays: 7 } })).clickhouse;
    const xml = clickhouse.deploy ? clickhouse.extraOverrides : "";
    expect(xml).toBe(clickhouseServerOverrides(7));
    for (const table of ["trace_log", "text_log", "metric_log", "asynchronous_metric_log", "opentelemetry_span_log", "latency_log", "processors_profile_log"]) {
      expect(xml).toContain(`<${table} remove="1"/>`);
    }
    expect(xml).not.toContain('<query_log remove="1"/>');
    // event_date is a Date column: a plain TTL expression that ClickHouse 25.2 accepts.
    expect(xml).toMatch(/<query_log>\s*<ttl>event_date \+ INTERVAL 7 DAY DELETE<\/ttl>\s*<\/query_log>/);
    expect(xml).toMatch(/<part_log>\s*<ttl>event_date \+ INTERVAL 7 DAY DELETE<\/ttl>\s*<\/part_log>/);
    expect(xml.startsWith("<clickhouse>") && xml.endsWith("</clickhouse>")).toBe(true);
  });
});

describe("Langfuse itself", () => {
  it("derives NEXTAUTH_URL from the domain, or localhost for port-forwarding", () => {
    expect(valuesOf(environmentV3("prod")).langfuse.nextauth.url).toBe("https://langfuse.example.com");
    expect(valuesOf(environmentV3("dev")).langfuse.nextauth.url).toBe("http://localhost:3000");
  });

  it("takes sign-up and telemetry from the configuration", () => {
    expect(valuesOf(environmentV3("dev")).langfuse.features).toEqual({ telemetryEnabled: false, signUpDisabled: true });
    expect(valuesOf(environmentV3("dev", { langfuse: { signUpDisabled: false, telemetryEnabled: true } })).langfuse.features).toEqual({
      telemetryEnabled: true,
      signUpDisabled: false,
    });
  });

  it("initializes the organization, project, admin and API keys headlessly, credentials from the Secret", () => {
    const env = valuesOf(environmentV3("prod")).langfuse.additionalEnv;
    const byName = Object.fromEntries(env.map((e) => [e.name, "value" in e ? e.value : e.valueFrom.secretKeyRef.key]));
    expect(byName).toEqual({
      LANGFUSE_INIT_ORG_ID: "example",
      LANGFUSE_INIT_ORG_NAME: "Example",
      LANGFUSE_INIT_PROJECT_ID: "default",
      LANGFUSE_INIT_PROJECT_NAME: "default",
      LANGFUSE_INIT_PROJECT_PUBLIC_KEY: LANGFUSE_SECRET_KEYS.initProjectPublicKey,
      LANGFUSE_INIT_PROJECT_SECRET_KEY: LANGFUSE_SECRET_KEYS.initProjectSecretKey,
      LANGFUSE_INIT_USER_EMAIL: "admin@example.com",
      LANGFUSE_INIT_USER_NAME: "Admin",
      LANGFUSE_INIT_USER_PASSWORD: LANGFUSE_SECRET_KEYS.initUserPassword,
    });
    expect(valuesOf(environmentV3("dev", { langfuse: { init: null } })).langfuse.additionalEnv).toEqual([]);
  });

  it("gives the web container time to finish migrations before liveness can kill it", () => {
    const { web } = valuesOf(environmentV3("prod")).langfuse;
    expect(web.livenessProbe.initialDelaySeconds).toBe(WEB_MIGRATION_GRACE_SECONDS);
    expect(web.livenessProbe.initialDelaySeconds + web.livenessProbe.periodSeconds * web.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(180);
    expect(web.readinessProbe.initialDelaySeconds).toBeLessThan(web.livenessProbe.initialDelaySeconds);
  });

  it("sizes web and worker per environment and spreads them across zones", () => {
    const { web, worker } = valuesOf(environmentV3("prod")).langfuse;
    expect(web.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } });
    expect(worker.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1536Mi" } });
    expect(web.hpa.minReplicas).toBe(2);
    const zoneSpread = web.pod.topologySpreadConstraints.find((c) => c.topologyKey === "topology.kubernetes.io/zone");
    expect(zoneSpread).toMatchObject({ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" });
    // The spread selects on labels every web pod carries.
    expect(web.pod.labels).toMatchObject(zoneSpread!.labelSelector.matchLabels);
    expect(zoneSpread!.labelSelector.matchLabels).toMatchObject({ "app.kubernetes.io/component": "web" });
  });

  it("leaves zones that only hold tainted ClickHouse nodes out of the spread, so web can scale past one replica per zone", () => {
    const { web, worker } = valuesOf(environmentV3("prod")).langfuse;
    for (const constraint of [...web.pod.topologySpreadConstraints, ...worker.pod.topologySpreadConstraints]) expect(constraint.nodeTaintsPolicy).toBe("Honor");
  });

  it("renders the chart's web HPA for KEDA to adopt (no replicas in the Deployment) and scales the worker with the chart's CPU HPA", () => {
    const { web, worker } = valuesOf(environmentV3("prod")).langfuse;
    expect(web.hpa).toEqual({ enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 });
    expect(web).not.toHaveProperty("replicas");
    expect(web.keda.enabled).toBe(false);
    expect(worker.keda.enabled).toBe(false);
    expect(worker.hpa).toEqual({ enabled: true, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 });
  });

  it("keeps a PodDisruptionBudget on web and worker that selects their pods", () => {
    const { web, worker } = valuesOf(environmentV3("prod")).langfuse;
    for (const deployment of [web, worker]) expect(deployment.pdb).toEqual({ create: true, maxUnavailable: 1 });
    expect(web.pod.labels["app.kubernetes.io/component"]).toBe("web");
    expect(worker.pod.labels["app.kubernetes.io/component"]).toBe("worker");
  });
});
