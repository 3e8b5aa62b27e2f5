import type { EnvironmentSettings } from "./schema";

/*
 * The two presets an environment starts from. `dev` follows the three-workspaces research seed (public subnets
 * only, no NAT, two small nodes, the smallest database, bundled ClickHouse and Redis, port-forward access);
 * `prod` follows the EKS production seed (private subnets with NAT, general + dedicated ClickHouse node
 * groups, an ingress, autoscaling), sized for ~8,000 chats a day.
 */

export type Profile = EnvironmentSettings["profile"];

/** The newest EKS minor in standard support when this preset was written (1.35: standard until 2027-03-27). */
export const DEFAULT_KUBERNETES_VERSION = "1.35";

const common: Omit<EnvironmentSettings, "profile" | "network" | "nodeGroups" | "database" | "bucket" | "redis" | "clickhouse" | "langfuse" | "ingress"> = {
  region: "us-east-1",
  namePrefix: "langfuse",
  tags: { Project: "langfuse", ManagedBy: "cdktf" },
  backend: { type: "cloud", organization: "my-org", project: "langfuse", hostname: "app.terraform.io" },
  cluster: {
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    serviceIpv4Cidr: "172.20.0.0/16",
    endpointPublicAccess: true,
    publicAccessCidrs: ["0.0.0.0/0"],
    adminPrincipalArns: [],
    secretsEncryption: false,
    logTypes: ["api", "audit", "authenticator"],
    logRetentionDays: 30,
  },
  alerts: { email: null },
  imageCache: { enabled: false },
  workspaces: {
    terraformVersion: "1.11.4",
    autoApply: false,
    autoApplyRunTrigger: false,
    vcsRepository: null,
    vcsBranch: "main",
    vcsOauthTokenId: null,
  },
};

const webResources = { cpuRequest: "250m", cpuLimit: "500m", memoryRequest: "512Mi", memoryLimit: "1Gi" };
const workerResources = { cpuRequest: "250m", cpuLimit: "500m", memoryRequest: "512Mi", memoryLimit: "1536Mi" };

const dev: EnvironmentSettings = {
  ...common,
  profile: "dev",
  network: { vpcCidr: "10.0.0.0/16", azCount: 2, privateSubnets: false, natGateways: "none" },
  nodeGroups: {
    general: {
      instanceTypes: ["t4g.medium"],
      architecture: "arm64",
      capacityType: "ON_DEMAND",
      minSize: 2,
      desiredSize: 2,
      maxSize: 3,
      diskSizeGiB: 30,
    },
    clickhouse: null,
  },
  database: {
    engine: "rds-postgres",
    engineVersion: "16",
    instanceClass: "db.t4g.micro",
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 50,
    auroraMinCapacityAcu: 0.5,
    auroraMaxCapacityAcu: 2,
    multiAz: false,
    backupRetentionDays: 1,
    performanceInsights: false,
    name: "langfuse",
    username: "langfuse",
  },
  bucket: { exportsExpireDays: 7, noncurrentVersionExpireDays: 7, versioning: false, kmsKey: false },
  redis: { mode: "bundled", nodeType: "cache.t4g.micro", nodeCount: 1, engineVersion: "8.0", snapshotRetentionDays: 0 },
  clickhouse: {
    mode: "bundled",
    externalUrl: "",
    externalMigrationUrl: "",
    externalUser: "",
    externalPasswordSecretArn: "",
    storageGiB: 20,
    resources: { cpuRequest: "500m", cpuLimit: "1500m", memoryRequest: "1536Mi", memoryLimit: "3Gi" },
    retentionDays: 30,
    systemLogRetentionDays: 10,
    diskAlarmPercent: 90,
    cleanupTimeBudgetSeconds: 240,
  },
  langfuse: {
    chartVersion: "1.5.41",
    domain: null,
    signUpDisabled: true,
    telemetryEnabled: false,
    init: null,
    web: { minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 70, requestsPerTargetPerMinute: 1000, resources: webResources },
    worker: { minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 70, resources: workerResources },
  },
  ingress: { enabled: false, certificateArn: null, hostedZoneId: null, inboundCidrs: ["0.0.0.0/0"], internal: false },
};

const prod: EnvironmentSettings = {
  ...common,
  profile: "prod",
  cluster: { ...common.cluster, secretsEncryption: true, logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"], logRetentionDays: 90 },
  network: { vpcCidr: "10.0.0.0/16", azCount: 3, privateSubnets: true, natGateways: "perAz" },
  nodeGroups: {
    general: {
      instanceTypes: ["t4g.medium"],
      architecture: "arm64",
      capacityType: "ON_DEMAND",
      minSize: 2,
      desiredSize: 2,
      maxSize: 5,
      diskSizeGiB: 30,
    },
    clickhouse: {
      instanceTypes: ["r7g.xlarge"],
      architecture: "arm64",
      capacityType: "ON_DEMAND",
      minSize: 1,
      desiredSize: 1,
      maxSize: 1,
      diskSizeGiB: 30,
    },
  },
  database: {
    ...dev.database,
    instanceClass: "db.t4g.small",
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 200,
    multiAz: true,
    backupRetentionDays: 14,
    performanceInsights: true,
  },
  bucket: { exportsExpireDays: 30, noncurrentVersionExpireDays: 30, versioning: true, kmsKey: true },
  redis: { mode: "elasticache", nodeType: "cache.t4g.micro", nodeCount: 2, engineVersion: "8.0", snapshotRetentionDays: 3 },
  clickhouse: {
    ...dev.clickhouse,
    storageGiB: 200,
    resources: { cpuRequest: "3500m", cpuLimit: "3500m", memoryRequest: "26Gi", memoryLimit: "26Gi" },
  },
  langfuse: {
    ...dev.langfuse,
    web: { minReplicas: 2, maxReplicas: 6, cpuTargetPercent: 70, requestsPerTargetPerMinute: 1000, resources: webResources },
    worker: { minReplicas: 1, maxReplicas: 3, cpuTargetPercent: 70, resources: workerResources },
  },
  ingress: { enabled: true, certificateArn: null, hostedZoneId: null, inboundCidrs: ["0.0.0.0/0"], internal: true },
  imageCache: { enabled: true },
};

/** The full default settings of each profile. */
export const PROFILES: Readonly<Record<Profile, EnvironmentSettings>> = { dev, prod };
