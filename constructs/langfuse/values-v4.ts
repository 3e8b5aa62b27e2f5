import type { EnvironmentConfig } from "../../config/schema";
import { KEPT_SYSTEM_LOGS, REMOVED_SYSTEM_LOGS } from "../../contract/clickhouse-system-logs";
import { OPERATOR_CLICKHOUSE } from "../../contract/clickhouse-v4";
import { cleanupRoleConfig } from "../clickhouse/cleanup-user";
import { resolveRelease } from "../../contract/langfuse-lines";
import { CLICKHOUSE_NODE_LABEL, CLICKHOUSE_TAINT } from "../../contract/scheduling";
import { CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME, LANGFUSE_SECRET_KEYS } from "../../contract/secret-keys";
import { databaseCaVolumes, databaseConnectionArgs, type DatabaseCaVolumes } from "./database-tls";
import {
  CLICKHOUSE_STORAGE_CLASS,
  headlessInitEnv,
  LANGFUSE_POD_SECURITY_CONTEXT,
  kubernetesResources,
  postgresqlAuth,
  langfuseIdentityValues,
  s3Section,
  webValues,
  workerValues,
  type EnvVar,
  type KubernetesResources,
  type LangfuseEndpoints,
  type LangfuseImage,
  type PodSecurityContext,
  type PostgresqlAuth,
  type S3Section,
  type WebValues,
  type WorkerValues,
  type SecretKeyRef,
  type Toleration,
} from "./values";

/*
 * The values of the langfuse chart 2.0.x (Langfuse v4), built as typed data with the discipline of the 1.5.x
 * builder (values.ts): a pure function, every key checked against the chart's reference values
 * (__tests__/langfuse-values-v4.test.ts, data/chart-keys/langfuse-2.0.0.json), no secret value anywhere, only
 * references into the Kubernetes Secret `langfuse-secrets`.
 *
 * What changed from 1.5.x: ClickHouse is no longer a subchart but a ClickHouseCluster + KeeperCluster the
 * ClickHouse operator runs (keys under clickhouse.cluster / clickhouse.keeper); the bundled Valkey is valkey-io's
 * chart (noeviction through valkeyConfig); PostgreSQL's port belongs in the host (the app ignores postgresql.port);
 * the app image is pinned explicitly (contract/langfuse-lines.ts).
 */

/** Docker Hub repositories of the v4 release's images (pulled through the ECR cache when it is on). */
export const DOCKER_HUB_IMAGES_V4 = {
  web: "langfuse/langfuse",
  worker: "langfuse/langfuse-worker",
  clickhouse: OPERATOR_CLICKHOUSE.serverImage.repository,
  keeper: OPERATOR_CLICKHOUSE.keeperImage.repository,
  valkey: "valkey/valkey",
} as const;

/**
 * Keeper sizing: the coordination data of one Langfuse cluster is a few MiB and Keeper idles at a few millicores;
 * requests stay small because in prod they come out of the ClickHouse node, next to ClickHouse and the DaemonSets.
 */
export const KEEPER_RESOURCES: KubernetesResources = {
  requests: { cpu: "50m", memory: "256Mi" },
  limits: { cpu: "500m", memory: "1Gi" },
};

interface ImageWithTag extends LangfuseImage {
  readonly tag: string;
}

interface ContainerSecurityContext {
  readonly runAsNonRoot: true;
  readonly allowPrivilegeEscalation: false;
  readonly capabilities: { readonly drop: readonly ["ALL"] };
}

interface LangfuseSection extends DatabaseCaVolumes {
  readonly image: { readonly tag: string };
  readonly salt: SecretKeyRef;
  readonly encryptionKey: SecretKeyRef;
  readonly nextauth: { readonly url: string; readonly secret: SecretKeyRef };
  readonly features: { readonly telemetryEnabled: boolean; readonly signUpDisabled: boolean };
  readonly serviceAccount: { readonly create: true; readonly name: string; readonly annotations: Readonly<Record<string, string>> };
  readonly podSecurityContext: PodSecurityContext;
  readonly securityContext: ContainerSecurityContext;
  readonly additionalEnv: readonly EnvVar[];
  readonly web: WebValues;
  readonly worker: WorkerValues;
}

interface PostgresqlSection {
  readonly deploy: false;
  /** host:port — the app reads DATABASE_HOST only; postgresql.port would be ignored. */
  readonly host: string;
  readonly args: string;
  readonly auth: PostgresqlAuth;
}

type RedisSection =
  | {
      readonly deploy: true;
      /** The chart generates the bundled Valkey's password into its own Secret and keeps it across upgrades. */
      readonly image?: { readonly registry: string; readonly repository: string };
      readonly valkeyConfig: string;
      readonly resources: KubernetesResources;
      readonly dataStorage: { readonly requestedSize: string };
    }
  | {
      readonly deploy: false;
      readonly host: string;
      readonly port: string;
      readonly tls: { readonly enabled: true };
      /** username null: ElastiCache AUTH tokens have no user. */
      readonly auth: { readonly username: null; readonly existingSecret: string; readonly existingSecretPasswordKey: string };
    };

interface ClickHouseAuth {
  readonly username: string;
  readonly existingSecret: string;
  readonly existingSecretKey: string;
}

interface ScheduledWorkload {
  readonly resources: KubernetesResources;
  readonly storage: { readonly size: string; readonly className: string };
  readonly image?: ImageWithTag;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
}

/** ClickHouse server configuration merged over the operator's (`settings.extraConfig`), in ClickHouse's YAML form. */
export type ClickHouseExtraConfig = Readonly<Record<string, unknown>>;

type ClickHouseSection =
  | {
      readonly deploy: true;
      readonly crdCheck: true;
      readonly auth: ClickHouseAuth;
      readonly cluster: ScheduledWorkload & {
        readonly enabled: true;
        readonly replicas: 1;
        readonly settings: ClickHouseExtraConfig;
        /** Users configuration (the CRD's settings.extraUsersConfig): the cleanup function's role, with emergencyCleanup. */
        readonly profileSettings?: ClickHouseExtraConfig;
      };
      readonly keeper: ScheduledWorkload & { readonly enabled: true; readonly replicas: number };
    }
  | {
      readonly deploy: false;
      readonly host: string;
      readonly httpPort: number;
      readonly migration: { readonly url: string; readonly ssl: boolean };
      readonly auth: ClickHouseAuth;
      /** No ON CLUSTER DDL against an external server the chart does not know is clustered. */
      readonly cluster: { readonly enabled: false };
    };

/** The part of the langfuse chart 2.0.x's values this project sets. */
export interface LangfuseV4ChartValues {
  /** Web, worker, their secrets, security context, service account, headless init and v4 migration settings. */
  readonly langfuse: LangfuseSection;
  /** The external PostgreSQL (the bundled one is never deployed). */
  readonly postgresql: PostgresqlSection;
  /** The bundled Valkey (noeviction), or ElastiCache over TLS. */
  readonly redis: RedisSection;
  /** The operator-managed ClickHouse and Keeper, or an external ClickHouse. */
  readonly clickhouse: ClickHouseSection;
  /** The deps stack's bucket, reached through IRSA. */
  readonly s3: S3Section;
}

function throughCache(config: EnvironmentConfig, endpoints: LangfuseEndpoints, repository: string): string | undefined {
  return config.imageCache.enabled ? `${endpoints.imageRegistryPrefix}/${repository}` : undefined;
}

/** The v4 migration variables, always explicit: the chart sets none and the app's defaults may move. */
function migrationEnv(config: EnvironmentConfig): EnvVar[] {
  const migration = config.langfuse.v4Migration;
  return [
    { name: "LANGFUSE_MIGRATION_V4_WRITE_MODE", value: migration.writeMode },
    { name: "LANGFUSE_MIGRATION_V4_NATIVE_OTEL_BEHAVIOUR", value: migration.nativeOtelBehaviour },
    { name: "LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN", value: String(migration.allowPreviewOptIn) },
    { name: "LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL", value: String(migration.historicBackfill) },
  ];
}

function langfuseSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): LangfuseSection {
  const { web, worker } = config.langfuse;
  const { imageTag } = resolveRelease(config.langfuse);
  if (!imageTag) throw new Error(`'langfuse.imageTag' must resolve to a 4.x tag on the v4 line (line ${config.langfuse.line})`);
  const webRepository = throughCache(config, endpoints, DOCKER_HUB_IMAGES_V4.web);
  const workerRepository = throughCache(config, endpoints, DOCKER_HUB_IMAGES_V4.worker);
  return {
    // One tag for web and worker: they must run the same app version.
    image: { tag: imageTag },
    ...langfuseIdentityValues(config, endpoints),
    podSecurityContext: LANGFUSE_POD_SECURITY_CONTEXT,
    // No readOnlyRootFilesystem: Next.js writes its cache under .next/ at run time.
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    additionalEnv: [...headlessInitEnv(config), ...migrationEnv(config)],
    // The RDS root certificate web and worker verify PostgreSQL against (with database.tlsVerification).
    ...databaseCaVolumes(config.database.tlsVerification),
    web: { ...(webRepository && { image: { repository: webRepository } }), ...webValues(web) },
    worker: { ...(workerRepository && { image: { repository: workerRepository } }), ...workerValues(worker) },
  };
}

function postgresqlSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): PostgresqlSection {
  return {
    deploy: false,
    host: `${endpoints.databaseHost}:${endpoints.databasePort}`,
    args: databaseConnectionArgs(config.database.tlsVerification),
    auth: postgresqlAuth(endpoints),
  };
}

/** valkey.conf of the bundled Valkey: BullMQ queues must never lose keys, so it refuses writes when full. */
export const VALKEY_CONFIG = "maxmemory-policy noeviction\n";

function redisSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): RedisSection {
  if (config.redis.mode === "elasticache") {
    return {
      deploy: false,
      host: endpoints.redisHost,
      port: endpoints.redisPort,
      tls: { enabled: true },
      auth: { username: null, existingSecret: KUBERNETES_SECRET_NAME, existingSecretPasswordKey: LANGFUSE_SECRET_KEYS.redisPassword },
    };
  }
  const cached = throughCache(config, endpoints, DOCKER_HUB_IMAGES_V4.valkey);
  // The subchart joins registry and repository; the cache prefix travels with the repository.
  const [registry, ...path] = (cached ?? "").split("/");
  return {
    deploy: true,
    ...(cached && { image: { registry, repository: path.join("/") } }),
    valkeyConfig: VALKEY_CONFIG,
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
    // Valkey holds BullMQ queues within its 128Mi limit: 1 GiB keeps several dumps of it.
    dataStorage: { requestedSize: "1Gi" },
  };
}

/**
 * ClickHouse server configuration merged over the operator's: the system log tables that grow without bound are
 * removed (`"@remove": 1` is `remove="1"` in ClickHouse's YAML form), the kept ones (query_log, which Langfuse
 * reads, and part_log) keep `retentionDays` days, and the server log drops from the operator's default (trace,
 * 50 files of 1000M) to warnings in at most 10 files of 100M.
 */
export function clickhouseExtraConfig(systemLogRetentionDays: number): ClickHouseExtraConfig {
  return {
    logger: { level: "warning", size: "100M", count: 10 },
    ...Object.fromEntries(REMOVED_SYSTEM_LOGS.map((table) => [table, { "@remove": 1 }])),
    ...Object.fromEntries(KEPT_SYSTEM_LOGS.map((table) => [table, { ttl: `event_date + INTERVAL ${systemLogRetentionDays} DAY DELETE` }])),
  };
}

function image(config: EnvironmentConfig, endpoints: LangfuseEndpoints, pinned: ImageWithTag): { image?: ImageWithTag } {
  const cached = throughCache(config, endpoints, pinned.repository);
  return cached ? { image: { repository: cached, tag: pinned.tag } } : {};
}

function clickhouseSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): ClickHouseSection {
  const clickhouse = config.clickhouse;
  const auth = { existingSecret: KUBERNETES_SECRET_NAME, existingSecretKey: CLICKHOUSE_PASSWORD_KEY };
  if (clickhouse.mode === "external") {
    const url = new URL(clickhouse.externalUrl);
    const secure = url.protocol === "https:";
    return {
      deploy: false,
      // The chart takes the protocol from the host's prefix and the port from httpPort.
      host: `${url.protocol}//${url.hostname}`,
      httpPort: url.port ? Number(url.port) : secure ? 8443 : 8123,
      migration: { url: clickhouse.externalMigrationUrl, ssl: secure },
      auth: { ...auth, username: clickhouse.externalUser },
      cluster: { enabled: false },
    };
  }
  // Keeper shares ClickHouse's node: its volume is bound to that node's AZ, and a replicated table goes read-only
  // without Keeper, so two separate failure domains would only add a way to lose writes.
  const placement = config.nodeGroups.clickhouse
    ? {
        nodeSelector: { [CLICKHOUSE_NODE_LABEL.key]: CLICKHOUSE_NODE_LABEL.value },
        tolerations: [{ key: CLICKHOUSE_TAINT.key, operator: "Equal", value: CLICKHOUSE_TAINT.value, effect: "NoSchedule" } as const],
      }
    : {};
  return {
    deploy: true,
    // The release fails fast when the operator's CRDs are missing; the platform add-ons install them first.
    crdCheck: true,
    // The operator provisions a password for the built-in default user only (the chart enforces it).
    auth: { ...auth, username: "default" },
    cluster: {
      enabled: true,
      replicas: 1,
      ...image(config, endpoints, OPERATOR_CLICKHOUSE.serverImage),
      resources: kubernetesResources(clickhouse.resources),
      storage: { size: `${clickhouse.storageGiB}Gi`, className: CLICKHOUSE_STORAGE_CLASS },
      ...placement,
      settings: clickhouseExtraConfig(clickhouse.systemLogRetentionDays),
      // The cleanup function's grants, as a role (constructs/clickhouse/cleanup-user.ts); the retention job makes its user.
      ...(clickhouse.emergencyCleanup && { profileSettings: cleanupRoleConfig({ schema: "v4" }) }),
    },
    keeper: {
      enabled: true,
      replicas: clickhouse.keeperReplicas,
      ...image(config, endpoints, OPERATOR_CLICKHOUSE.keeperImage),
      resources: KEEPER_RESOURCES,
      // Keeper's state is what replicated tables need to accept writes: the retained class, like ClickHouse's data.
      storage: { size: `${clickhouse.keeperStorageGiB}Gi`, className: CLICKHOUSE_STORAGE_CLASS },
      ...placement,
    },
  };
}

/** The chart 2.0.x values of one environment on the v4 line. */
export function buildLangfuseV4Values(config: EnvironmentConfig, endpoints: LangfuseEndpoints): LangfuseV4ChartValues {
  if (config.langfuse.line !== "v4") throw new Error(`'langfuse.line' (${config.langfuse.line}) must be "v4" for the chart 2.x values; use buildLangfuseValues for v3`);
  return {
    langfuse: langfuseSection(config, endpoints),
    postgresql: postgresqlSection(config, endpoints),
    redis: redisSection(config, endpoints),
    clickhouse: clickhouseSection(config, endpoints),
    s3: s3Section(endpoints),
  };
}
