import type { EnvironmentConfig, ResourceSettings } from "../../config/schema";
import { KEPT_SYSTEM_LOGS, REMOVED_SYSTEM_LOGS } from "../../contract/clickhouse-system-logs";
import { CLICKHOUSE_NODE_LABEL, CLICKHOUSE_TAINT } from "../../contract/scheduling";
import { CLICKHOUSE_CLEANUP_PASSWORD_KEY, CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME, LANGFUSE_SECRET_KEYS } from "../../contract/secret-keys";
import { CLEANUP_CLICKHOUSE_USER } from "../../contract/clickhouse-cleanup-user";
import { cleanupUserXml } from "../clickhouse/cleanup-user";
import { READINESS_GATE_POD_LABEL } from "../../contract/readiness-gates";
import { LANGFUSE_SERVICE_ACCOUNT } from "../../contract/service-accounts";
import { databaseCaVolumes, databaseConnectionArgs, type DatabaseCaVolumes } from "./database-tls";

/*
 * The values of the langfuse chart (1.5.x, Langfuse v3), built as typed data. The chart has no values schema and
 * silently ignores a misspelled key, so every key written here is checked against the chart's reference values in
 * __tests__/langfuse-values.test.ts. A pure function: no cdktf, no I/O; deps outputs come in as strings (tokens
 * when synthesized). No secret value is ever written: every credential is a reference into the Kubernetes Secret
 * `langfuse-secrets` (secretKeyRef / existingSecret).
 */

/** Name of the StorageClass the ClickHouse volume uses (constructs/platform/storage-classes.ts creates it). */
export const CLICKHOUSE_STORAGE_CLASS = "clickhouse";

/**
 * Seconds the web container may take before its liveness probe can kill it. The web container runs the
 * PostgreSQL and ClickHouse migrations before it serves /api/public/health; killing it mid-migration leaves
 * "Dirty database version" behind, and the chart has no startupProbe key, so the liveness delay covers it.
 */
export const WEB_MIGRATION_GRACE_SECONDS = 180;

/** Key prefixes Langfuse writes each kind of object under (the chart's LANGFUSE_S3_*_PREFIX values). */
export const BUCKET_PREFIXES = { events: "events/", media: "media/", exports: "exports/" } as const;

/** Endpoints and identities from the deps stack, as strings (Terraform tokens when synthesized). */
export interface LangfuseEndpoints {
  /** PostgreSQL writer host name. */
  readonly databaseHost: string;
  /** PostgreSQL port. */
  readonly databasePort: string;
  /** Name of the Langfuse database. */
  readonly databaseName: string;
  /** User Langfuse connects as (its password comes from the Kubernetes Secret). */
  readonly databaseUsername: string;
  /** The Langfuse bucket (events/, media/, exports/). */
  readonly bucketName: string;
  /** Region of the bucket. */
  readonly bucketRegion: string;
  /** IRSA role of the `langfuse` service account (web and worker). */
  readonly langfuseRoleArn: string;
  /** ElastiCache primary endpoint; only read when redis.mode is elasticache. */
  readonly redisHost: string;
  /** ElastiCache port; only read when redis.mode is elasticache. */
  readonly redisPort: string;
  /** <registry host>/<prefix> of the ECR pull-through cache of Docker Hub; only read when imageCache is enabled. */
  readonly imageRegistryPrefix: string;
}

export interface SecretKeyRef {
  readonly secretKeyRef: { readonly name: string; readonly key: string };
}

export type EnvVar = { readonly name: string; readonly value: string } | { readonly name: string; readonly valueFrom: SecretKeyRef };

export interface KubernetesResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface Toleration {
  readonly key: string;
  readonly operator: "Equal";
  readonly value: string;
  readonly effect: "NoSchedule";
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  readonly nodeTaintsPolicy: "Honor" | "Ignore";
  readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
}

export interface HttpProbe {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

export interface PodDisruptionBudget {
  readonly create: boolean;
  readonly maxUnavailable: number;
}

/** A Langfuse image: the chart takes the repository (registry included) and the tag from appVersion. */
export interface LangfuseImage {
  readonly repository: string;
}

/** A Bitnami subchart image: registry and repository apart. */
interface BitnamiImage {
  readonly registry: string;
  readonly repository: string;
}

/** What web and worker share in the chart's values (1.5.x and 2.x alike). */
export interface DeploymentValues {
  readonly resources: KubernetesResources;
  readonly pod: { readonly labels: Readonly<Record<string, string>>; readonly topologySpreadConstraints: readonly TopologySpreadConstraint[] };
  readonly livenessProbe: HttpProbe;
  readonly keda: { readonly enabled: false };
  readonly pdb: PodDisruptionBudget;
  readonly image?: LangfuseImage;
}

/** The chart's own HPA (langfuse.<component>.hpa). Enabled, the chart leaves `replicas` out of the Deployment. */
export interface ChartHpa {
  readonly enabled: true;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCPUUtilizationPercentage: number;
}

export interface WebValues extends DeploymentValues {
  readonly readinessProbe: HttpProbe;
  /** Rendered so the Deployment has no `replicas`; the KEDA ScaledObject adopts it (constructs/langfuse/autoscaling.ts). */
  readonly hpa: ChartHpa;
}

export interface WorkerValues extends DeploymentValues {
  readonly hpa: ChartHpa;
}

/** The Kubernetes pod security context of web and worker (the chart's `langfuse.podSecurityContext`). */
export interface PodSecurityContext {
  readonly runAsNonRoot: true;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly seccompProfile: { readonly type: "RuntimeDefault" };
}

/** The container security context of web and worker (the chart's `langfuse.securityContext`). */
interface ContainerSecurityContext {
  readonly allowPrivilegeEscalation: false;
  readonly privileged: false;
  readonly capabilities: { readonly drop: readonly ["ALL"] };
}

interface LangfuseSection extends DatabaseCaVolumes {
  readonly salt: SecretKeyRef;
  readonly encryptionKey: SecretKeyRef;
  readonly nextauth: { readonly url: string; readonly secret: SecretKeyRef };
  readonly features: { readonly telemetryEnabled: boolean; readonly signUpDisabled: boolean };
  readonly serviceAccount: { readonly create: true; readonly name: string; readonly annotations: Readonly<Record<string, string>> };
  readonly additionalEnv: readonly EnvVar[];
  readonly podSecurityContext: PodSecurityContext;
  readonly securityContext: ContainerSecurityContext;
  readonly web: WebValues;
  readonly worker: WorkerValues;
}

/** `postgresql.auth` of both chart lines: the user and database, the password from the Langfuse Secret. */
export interface PostgresqlAuth {
  readonly username: string;
  readonly database: string;
  readonly existingSecret: string;
  readonly secretKeys: { readonly userPasswordKey: string };
}

interface PostgresqlSection {
  readonly deploy: false;
  readonly host: string;
  readonly port: string;
  readonly args: string;
  readonly auth: PostgresqlAuth;
}

interface RedisAuth {
  /** null leaves the user out of the connection string (ElastiCache AUTH tokens have no user). */
  readonly username?: null;
  readonly existingSecret: string;
  readonly existingSecretPasswordKey: string;
}

type RedisSection =
  | {
      readonly deploy: true;
      readonly architecture: "standalone";
      readonly auth: RedisAuth;
      readonly image?: BitnamiImage;
      readonly primary: {
        readonly extraFlags: readonly string[];
        readonly resources: KubernetesResources;
        readonly persistence: { readonly size: string };
      };
    }
  | {
      readonly deploy: false;
      readonly host: string;
      readonly port: string;
      readonly tls: { readonly enabled: true };
      readonly auth: RedisAuth;
    };

interface ClickHouseAuth {
  readonly username: string;
  readonly existingSecret: string;
  readonly existingSecretKey: string;
}

type ClickHouseSection =
  | {
      readonly deploy: true;
      readonly clusterEnabled: false;
      readonly shards: 1;
      readonly replicaCount: 1;
      readonly zookeeper: { readonly enabled: false };
      readonly auth: ClickHouseAuth;
      readonly resources: KubernetesResources;
      readonly persistence: { readonly enabled: true; readonly size: string; readonly storageClass: string };
      readonly nodeSelector?: Readonly<Record<string, string>>;
      readonly tolerations?: readonly Toleration[];
      readonly extraOverrides: string;
      /** The cleanup function's user (users.d), with emergencyCleanup. */
      readonly usersExtraOverrides?: string;
      /** Its password, from the Kubernetes Secret: the user's `<password from_env>` reads it. */
      readonly extraEnvVars?: readonly EnvVar[];
      readonly image?: BitnamiImage;
    }
  | {
      readonly deploy: false;
      readonly clusterEnabled: false;
      readonly host: string;
      readonly httpPort: number;
      readonly migration: { readonly url: string; readonly ssl: boolean };
      readonly auth: ClickHouseAuth;
    };

interface S3Upload {
  readonly prefix: string;
}

/** `s3` of both chart lines: the deps stack's bucket through IRSA. */
export interface S3Section {
  readonly deploy: false;
  readonly bucket: string;
  readonly region: string;
  readonly forcePathStyle: false;
  readonly eventUpload: S3Upload;
  readonly batchExport: S3Upload & { readonly enabled: true };
  readonly mediaUpload: S3Upload & { readonly enabled: true };
}

/** The part of the langfuse chart's values this project sets. */
export interface LangfuseChartValues {
  /** Web, worker, their secrets, service account and headless initialization. */
  readonly langfuse: LangfuseSection;
  /** The external PostgreSQL (the bundled one is never deployed). */
  readonly postgresql: PostgresqlSection;
  /** The bundled Valkey, or ElastiCache over TLS. */
  readonly redis: RedisSection;
  /** The bundled single-replica ClickHouse, or an external one. */
  readonly clickhouse: ClickHouseSection;
  /** The deps stack's bucket, reached through IRSA. */
  readonly s3: S3Section;
}

export const secretRef = (key: string): SecretKeyRef => ({ secretKeyRef: { name: KUBERNETES_SECRET_NAME, key } });

export function kubernetesResources(resources: ResourceSettings): KubernetesResources {
  return {
    requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
    limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
  };
}

/**
 * Labels every Langfuse pod of a component carries. The chart's PodDisruptionBudgets select on
 * app.kubernetes.io/component, which not every 1.5.x Deployment template puts on its pods: setting it here makes
 * the PDBs match whatever the template does; the spread constraints select on the same labels.
 */
export function componentLabels(component: "web" | "worker"): Record<string, string> {
  return { "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/component": component };
}

/**
 * The Docker Hub repositories the release pulls from. With the image cache on, each is pulled through ECR as
 * <account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<Docker Hub repository>.
 */
export const DOCKER_HUB_IMAGES = {
  web: "langfuse/langfuse",
  worker: "langfuse/langfuse-worker",
  clickhouse: "bitnamilegacy/clickhouse",
  valkey: "bitnamilegacy/valkey",
} as const;

function langfuseImage(config: EnvironmentConfig, endpoints: LangfuseEndpoints, repository: string): { image?: LangfuseImage } {
  return config.imageCache.enabled ? { image: { repository: `${endpoints.imageRegistryPrefix}/${repository}` } } : {};
}

function bitnamiImage(config: EnvironmentConfig, endpoints: LangfuseEndpoints, repository: string): { image?: BitnamiImage } {
  if (!config.imageCache.enabled) return {};
  // The subcharts join registry and repository; the cache prefix travels with the repository.
  const [registry, ...prefix] = endpoints.imageRegistryPrefix.split("/");
  return { image: { registry, repository: [...prefix, repository].join("/") } };
}

/** Lowercase id from a display name ("My Org" → "my-org"), stable across deploys. */
function slugId(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** The public URL Langfuse builds links and OAuth callbacks from. */
export function nextAuthUrl(config: EnvironmentConfig): string {
  return config.langfuse.domain ? `https://${config.langfuse.domain}` : "http://localhost:3000";
}

export function headlessInitEnv(config: EnvironmentConfig): EnvVar[] {
  const init = config.langfuse.init;
  if (!init) return [];
  const fromSecret = (name: string, key: string): EnvVar => ({ name, valueFrom: secretRef(key) });
  return [
    { name: "LANGFUSE_INIT_ORG_ID", value: slugId(init.organizationName) },
    { name: "LANGFUSE_INIT_ORG_NAME", value: init.organizationName },
    { name: "LANGFUSE_INIT_PROJECT_ID", value: slugId(init.projectName) },
    { name: "LANGFUSE_INIT_PROJECT_NAME", value: init.projectName },
    fromSecret("LANGFUSE_INIT_PROJECT_PUBLIC_KEY", LANGFUSE_SECRET_KEYS.initProjectPublicKey),
    fromSecret("LANGFUSE_INIT_PROJECT_SECRET_KEY", LANGFUSE_SECRET_KEYS.initProjectSecretKey),
    { name: "LANGFUSE_INIT_USER_EMAIL", value: init.adminEmail },
    { name: "LANGFUSE_INIT_USER_NAME", value: init.adminName },
    fromSecret("LANGFUSE_INIT_USER_PASSWORD", LANGFUSE_SECRET_KEYS.initUserPassword),
  ];
}

export function spreadAcrossZones(component: "web" | "worker"): TopologySpreadConstraint[] {
  const labelSelector = { matchLabels: componentLabels(component) };
  // Honor: a zone whose only node is the tainted ClickHouse node is no domain. Counted (the default), it holds zero
  // replicas forever, and the zone skew then caps web at one replica per other zone: scale-out stays Pending.
  const nodeTaintsPolicy = "Honor";
  return [
    // Hard across zones: losing one AZ must leave a replica; soft across nodes so scaling never blocks on it.
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", nodeTaintsPolicy, labelSelector },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", nodeTaintsPolicy, labelSelector },
  ];
}

/**
 * The Langfuse web and worker images run as uid/gid 1001 (nextjs, expressjs; their Dockerfiles' `USER`), a name
 * the kubelet cannot check against runAsNonRoot without the numeric id. With the rest this meets the Pod Security
 * Standard `restricted`. The root filesystem stays writable: Next.js writes its cache under the app folder.
 */
/**
 * User and group the Langfuse images run as: web/Dockerfile and worker/Dockerfile of langfuse/langfuse create
 * `nextjs` / `expressjs` with uid 1001 and own the app files with gid 1001. Kubernetes cannot check runAsNonRoot
 * against a named image user, so the pods say the number.
 */
export const LANGFUSE_RUN_AS_USER = 1001;

export const LANGFUSE_POD_SECURITY_CONTEXT: PodSecurityContext = { runAsNonRoot: true, runAsUser: LANGFUSE_RUN_AS_USER, runAsGroup: LANGFUSE_RUN_AS_USER, seccompProfile: { type: "RuntimeDefault" } };
export const LANGFUSE_CONTAINER_SECURITY_CONTEXT: ContainerSecurityContext = { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } };

// A PDB that always lets one pod go: it slows drains down to one pod at a time and never blocks them.
export const oneAtATime: PodDisruptionBudget = { create: true, maxUnavailable: 1 };

function langfuseSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): LangfuseSection {
  const { web, worker } = config.langfuse;
  return {
    ...langfuseIdentityValues(config, endpoints),
    additionalEnv: headlessInitEnv(config),
    podSecurityContext: LANGFUSE_POD_SECURITY_CONTEXT,
    securityContext: LANGFUSE_CONTAINER_SECURITY_CONTEXT,
    // The RDS root certificate web and worker verify PostgreSQL against (with database.tlsVerification).
    ...databaseCaVolumes(config.database.tlsVerification),
    web: { ...webValues(web), ...langfuseImage(config, endpoints, DOCKER_HUB_IMAGES.web) },
    worker: { ...workerValues(worker), ...langfuseImage(config, endpoints, DOCKER_HUB_IMAGES.worker) },
  };
}

/**
 * The app's secrets, URL, features and service account: the same on both chart lines (values-v4.ts), so an
 * environment that moves from v3 to v4 keeps its salt, encryption key and sessions.
 */
export function langfuseIdentityValues(config: EnvironmentConfig, endpoints: LangfuseEndpoints): Pick<LangfuseSection, "salt" | "encryptionKey" | "nextauth" | "features" | "serviceAccount"> {
  return {
    salt: secretRef(LANGFUSE_SECRET_KEYS.salt),
    encryptionKey: secretRef(LANGFUSE_SECRET_KEYS.encryptionKey),
    nextauth: { url: nextAuthUrl(config), secret: secretRef(LANGFUSE_SECRET_KEYS.nextauthSecret) },
    features: { telemetryEnabled: config.langfuse.telemetryEnabled, signUpDisabled: config.langfuse.signUpDisabled },
    serviceAccount: {
      create: true,
      name: LANGFUSE_SERVICE_ACCOUNT.name,
      annotations: { "eks.amazonaws.com/role-arn": endpoints.langfuseRoleArn },
    },
  };
}

/** Web's values but its image: the same on both chart lines (values-v4.ts), which pin the image each their own way. */
export function webValues(web: EnvironmentConfig["langfuse"]["web"]): WebValues {
  return {
    resources: kubernetesResources(web.resources),
    // The opt-in label of the ALB readiness gate: web is the only component behind an ALB target group.
    pod: { labels: { ...componentLabels("web"), [READINESS_GATE_POD_LABEL.key]: READINESS_GATE_POD_LABEL.value }, topologySpreadConstraints: spreadAcrossZones("web") },
    livenessProbe: { initialDelaySeconds: WEB_MIGRATION_GRACE_SECONDS, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    // Readiness only takes the pod out of the Service; a short delay gets it serving as soon as it can.
    readinessProbe: { initialDelaySeconds: 20, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    // Both chart lines render `replicas` into the Deployment whenever its HPA is off, and every Helm upgrade would
    // then reset web to that count under load. Its HPA on (same bounds and CPU target) keeps the field out; the KEDA
    // ScaledObject (CPU OR requests) takes that HPA over by name, so one autoscaler drives web. The chart's KEDA
    // switch stays off: its ScaledObject has one trigger only.
    hpa: { enabled: true, minReplicas: web.minReplicas, maxReplicas: web.maxReplicas, targetCPUUtilizationPercentage: web.cpuTargetPercent },
    keda: { enabled: false },
    pdb: oneAtATime,
  };
}

/** The worker's values but its image, the same on both chart lines. */
export function workerValues(worker: EnvironmentConfig["langfuse"]["worker"]): WorkerValues {
  return {
    resources: kubernetesResources(worker.resources),
    pod: { labels: componentLabels("worker"), topologySpreadConstraints: spreadAcrossZones("worker") },
    livenessProbe: { initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    // The chart's HPA scales the worker on CPU and keeps `replicas` out of the Deployment, so upgrades don't reset it.
    hpa: { enabled: true, minReplicas: worker.minReplicas, maxReplicas: worker.maxReplicas, targetCPUUtilizationPercentage: worker.cpuTargetPercent },
    keda: { enabled: false },
    pdb: oneAtATime,
  };
}

export function postgresqlAuth(endpoints: LangfuseEndpoints): PostgresqlAuth {
  return {
    username: endpoints.databaseUsername,
    database: endpoints.databaseName,
    existingSecret: KUBERNETES_SECRET_NAME,
    secretKeys: { userPasswordKey: LANGFUSE_SECRET_KEYS.databasePassword },
  };
}

function postgresqlSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): PostgresqlSection {
  return {
    deploy: false,
    host: endpoints.databaseHost,
    port: endpoints.databasePort,
    args: databaseConnectionArgs(config.database.tlsVerification),
    auth: postgresqlAuth(endpoints),
  };
}

function redisSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): RedisSection {
  const auth = { existingSecret: KUBERNETES_SECRET_NAME, existingSecretPasswordKey: LANGFUSE_SECRET_KEYS.redisPassword };
  if (config.redis.mode === "elasticache") {
    return { deploy: false, host: endpoints.redisHost, port: endpoints.redisPort, tls: { enabled: true }, auth: { ...auth, username: null } };
  }
  return {
    deploy: true,
    architecture: "standalone",
    auth,
    ...bitnamiImage(config, endpoints, DOCKER_HUB_IMAGES.valkey),
    primary: {
      // BullMQ queues must never lose keys: Valkey refuses writes when full instead of evicting jobs.
      extraFlags: ["--maxmemory-policy noeviction"],
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
      persistence: { size: "2Gi" },
    },
  };
}

/**
 * ClickHouse server configuration merged over the defaults (config.d): the system log tables that grow without
 * bound are removed, and the kept ones (query_log, which Langfuse reads, and part_log) keep `retentionDays` days.
 * event_date is a Date column, so the TTL is one ClickHouse 25.2 accepts.
 */
export function clickhouseServerOverrides(systemLogRetentionDays: number): string {
  return [
    "<clickhouse>",
    ...REMOVED_SYSTEM_LOGS.map((table) => `  <${table} remove="1"/>`),
    ...KEPT_SYSTEM_LOGS.flatMap((table) => [`  <${table}>`, `    <ttl>event_date + INTERVAL ${systemLogRetentionDays} DAY DELETE</ttl>`, `  </${table}>`]),
    "</clickhouse>",
  ].join("\n");
}

function clickhouseSection(config: EnvironmentConfig, endpoints: LangfuseEndpoints): ClickHouseSection {
  const clickhouse = config.clickhouse;
  if (clickhouse.mode === "external") {
    const url = new URL(clickhouse.externalUrl);
    const secure = url.protocol === "https:";
    return {
      deploy: false,
      clusterEnabled: false,
      // The chart takes the protocol from the host's prefix and the port from httpPort.
      host: `${url.protocol}//${url.hostname}`,
      httpPort: url.port ? Number(url.port) : secure ? 8443 : 8123,
      migration: { url: clickhouse.externalMigrationUrl, ssl: secure },
      auth: { username: clickhouse.externalUser, existingSecret: KUBERNETES_SECRET_NAME, existingSecretKey: CLICKHOUSE_PASSWORD_KEY },
    };
  }
  const dedicatedNodes = config.nodeGroups.clickhouse !== null;
  return {
    deploy: true,
    clusterEnabled: false,
    shards: 1,
    replicaCount: 1,
    zookeeper: { enabled: false },
    auth: { username: "default", existingSecret: KUBERNETES_SECRET_NAME, existingSecretKey: CLICKHOUSE_PASSWORD_KEY },
    resources: kubernetesResources(clickhouse.resources),
    persistence: { enabled: true, size: `${clickhouse.storageGiB}Gi`, storageClass: CLICKHOUSE_STORAGE_CLASS },
    ...(dedicatedNodes && {
      nodeSelector: { [CLICKHOUSE_NODE_LABEL.key]: CLICKHOUSE_NODE_LABEL.value },
      tolerations: [{ key: CLICKHOUSE_TAINT.key, operator: "Equal", value: CLICKHOUSE_TAINT.value, effect: "NoSchedule" }],
    }),
    extraOverrides: clickhouseServerOverrides(clickhouse.systemLogRetentionDays),
    ...(clickhouse.emergencyCleanup && cleanupUser(config.network.vpcCidr)),
    ...bitnamiImage(config, endpoints, DOCKER_HUB_IMAGES.clickhouse),
  };
}

/**
 * The emergency cleanup function's own ClickHouse user (constructs/clickhouse/cleanup-user.ts): it reaches the
 * server through the internal load balancer, from addresses of the VPC.
 */
function cleanupUser(vpcCidr: string): { usersExtraOverrides: string; extraEnvVars: EnvVar[] } {
  return {
    usersExtraOverrides: cleanupUserXml({ scope: { schema: "v3" }, networks: [vpcCidr] }),
    extraEnvVars: [{ name: CLEANUP_CLICKHOUSE_USER.passwordEnv, valueFrom: secretRef(CLICKHOUSE_CLEANUP_PASSWORD_KEY) }],
  };
}

export function s3Section(endpoints: LangfuseEndpoints): S3Section {
  return {
    deploy: false,
    // No access keys anywhere: the SDK picks up the service account's IRSA role.
    bucket: endpoints.bucketName,
    region: endpoints.bucketRegion,
    forcePathStyle: false,
    eventUpload: { prefix: BUCKET_PREFIXES.events },
    batchExport: { enabled: true, prefix: BUCKET_PREFIXES.exports },
    mediaUpload: { enabled: true, prefix: BUCKET_PREFIXES.media },
  };
}

/** The chart values of one environment. */
export function buildLangfuseValues(config: EnvironmentConfig, endpoints: LangfuseEndpoints): LangfuseChartValues {
  return {
    langfuse: langfuseSection(config, endpoints),
    postgresql: postgresqlSection(config, endpoints),
    redis: redisSection(config, endpoints),
    clickhouse: clickhouseSection(config, endpoints),
    s3: s3Section(endpoints),
  };
}
