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
  // The Free edition is what every organization has; a paid edition only switches to a narrower outputs token.
  backend: { type: "cloud", organization: "my-org", project: "langfuse", hostname: "app.terraform.io", edition: "free" },
  account: { id: null, bootstrapRoleArn: null },
  cluster: {
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    serviceIpv4Cidr: "172.20.0.0/16",
    endpointPublicAccess: true,
    // dev: the API open to every address, as EKS creates it, so HCP Terraform's shared workers reach it.
    publicAccessCidrs: ["0.0.0.0/0"],
    publicAccessFromInternet: true,
    adminPrincipalArns: [],
    secretsEncryption: false,
    logTypes: ["api", "audit", "authenticator"],
    logRetentionDays: 30,
  },
  alerts: { email: null },
  observability: { alb5xxPercent: 5, alb5xxMinRequests: 50, rdsFreeStorageGiB: 2, clickhouseDiskWarnPercent: 75, replicasAtMaxMinutes: 30 },
  imageCache: { enabled: false, dockerHubCredentialArn: null },
  workspaces: {
    terraformVersion: "1.11.4",
    autoApply: false,
    autoApplyRunTrigger: false,
    vcsRepository: null,
    vcsBranch: "main",
    vcsOauthTokenId: null,
    agentPoolId: null,
    outputsTokenExpiresOn: null,
  },
};

const webResources = { cpuRequest: "250m", cpuLimit: "500m", memoryRequest: "512Mi", memoryLimit: "1Gi" };
const workerResources = { cpuRequest: "250m", cpuLimit: "500m", memoryRequest: "512Mi", memoryLimit: "1536Mi" };

const dev: EnvironmentSettings = {
  ...common,
  profile: "dev",
  network: { vpcCidr: "10.0.0.0/16", azCount: 2, privateSubnets: false, natGateways: "none" },
  nodeGroups: {
    // Spot, as the dev seed advises (~60% cheaper); three 2-vCPU/4-GiB Graviton types keep capacity at hand.
    // An interruption restarts dev's pods elsewhere; set capacityType: ON_DEMAND where that matters.
    // One AZ: ClickHouse and Valkey keep their data on zonal EBS volumes, and a Spot node replaced in the other zone
    // would leave them Pending. Dev has no zone redundancy to lose: its single ClickHouse lives in one zone anyway.
    general: {
      instanceTypes: ["t4g.medium", "c6g.large", "c7g.large"],
      architecture: "arm64",
      capacityType: "SPOT",
      minSize: 2,
      desiredSize: 2,
      maxSize: 3,
      diskSizeGiB: 20,
      singleAz: true,
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
    tlsVerification: true,
  },
  bucket: { exportsExpireDays: 7, noncurrentVersionExpireDays: 7, versioning: false, kmsKey: false },
  redis: { mode: "bundled", nodeType: "cache.t4g.micro", nodeCount: 1, engineVersion: "8.0", snapshotRetentionDays: 3 },
  clickhouse: {
    mode: "bundled",
    externalUrl: "",
    externalMigrationUrl: "",
    externalUser: "",
    externalPasswordSecretArn: "",
    storageGiB: 20,
    // One Keeper for one ClickHouse replica: a quorum of one is as available as the ClickHouse it serves. Keeper
    // holds replication metadata (a few MiB) and its compressed raft log (100k-200k entries, ~100 MiB): 1 GiB, the
    // smallest gp3 volume, leaves ten times that.
    keeperReplicas: 1,
    keeperStorageGiB: 1,
    resources: { cpuRequest: "500m", cpuLimit: "1500m", memoryRequest: "1536Mi", memoryLimit: "3Gi" },
    retentionDays: 30,
    systemLogRetentionDays: 10,
    diskAlarmPercent: 90,
    // dev's 20 GiB volume lives on retention TTLs; the function's load balancer and endpoints would cost ~$50/month.
    emergencyCleanup: false,
    cleanupTimeBudgetSeconds: 240,
    // The v3→v4 move is opt-in, one phase per apply; the new volume defaults to 3× the old (v4's backfill).
    migration: { phase: "none", storageGiB: null, keeperStorageGiB: 5 },
  },
  langfuse: {
    // New environments get the current major; an environment deployed on v3 sets line: v3 (docs/upgrading.md).
    line: "v4",
    chartVersion: null,
    imageTag: null,
    // A new install: v4 tables only. The other combinations are steps of a migration from v3 (docs/upgrading.md).
    v4Migration: { writeMode: "events_only", nativeOtelBehaviour: "direct", allowPreviewOptIn: true, historicBackfill: false },
    domain: null,
    signUpDisabled: true,
    telemetryEnabled: false,
    // Sign-up is off, so the first user must come from headless init; its password is generated by the deps stack.
    init: { organizationName: "Langfuse", projectName: "default", adminEmail: "admin@example.com", adminName: "Admin" },
    web: { minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 70, requestsPerTargetPerMinute: 1000, resources: webResources },
    worker: { minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 70, resources: workerResources },
  },
  ingress: { enabled: false, certificateArn: null, hostedZoneId: null, inboundCidrs: ["0.0.0.0/0"], waf: { enabled: false, rateLimitPer5Minutes: 2000 }, internal: false },
};

const prod: EnvironmentSettings = {
  ...common,
  profile: "prod",
  // No default reach for prod's API: the environment names its CIDRs, or a private endpoint with an agent pool, or
  // acknowledges 0.0.0.0/0 (config/validate.ts says which and why).
  cluster: { ...common.cluster, publicAccessCidrs: [], publicAccessFromInternet: false, secretsEncryption: true, logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"], logRetentionDays: 90 },
  // One NAT, in the first AZ, where the single ClickHouse replica and its volume live: losing that AZ stops
  // Langfuse with or without more NATs, and each extra NAT costs ~$36/month. Use perAz once ClickHouse is external.
  network: { vpcCidr: "10.0.0.0/16", azCount: 3, privateSubnets: true, natGateways: "single" },
  nodeGroups: {
    general: {
      instanceTypes: ["t4g.medium"],
      architecture: "arm64",
      capacityType: "ON_DEMAND",
      minSize: 2,
      desiredSize: 2,
      maxSize: 5,
      diskSizeGiB: 30,
      singleAz: false,
    },
    // One AZ: the single ClickHouse replica's EBS volume lives in one zone, and a replacement node launched in
    // another zone could never attach it.
    clickhouse: {
      instanceTypes: ["r7g.xlarge"],
      architecture: "arm64",
      capacityType: "ON_DEMAND",
      minSize: 1,
      desiredSize: 1,
      maxSize: 1,
      // EKS's default root size: the node runs ClickHouse (data on its own volume), Keeper and the DaemonSets only.
      diskSizeGiB: 20,
      singleAz: true,
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
    emergencyCleanup: true,
    // The dedicated r7g.xlarge offers 3920m; the DaemonSets every node runs (kube-proxy, aws-node, ebs-csi-node,
    // CloudWatch agent) take 430m, and on the v4 line Keeper 50m beside ClickHouse, leaving 3440m. 3350m leaves room
    // for one more small DaemonSet (fluent-bit, 50m) and keeps requests = limits (Guaranteed QoS: ClickHouse is the
    // last pod the kubelet would evict).
    resources: { cpuRequest: "3350m", cpuLimit: "3350m", memoryRequest: "26Gi", memoryLimit: "26Gi" },
  },
  langfuse: {
    ...dev.langfuse,
    web: { minReplicas: 2, maxReplicas: 6, cpuTargetPercent: 70, requestsPerTargetPerMinute: 1000, resources: webResources },
    worker: { minReplicas: 1, maxReplicas: 3, cpuTargetPercent: 70, resources: workerResources },
  },
  // WAF off: its ~$9/month plus requests would take prod past its cost goal ($518); one key turns it on.
  ingress: { enabled: true, certificateArn: null, hostedZoneId: null, inboundCidrs: ["0.0.0.0/0"], waf: { enabled: false, rateLimitPer5Minutes: 2000 }, internal: true },
  imageCache: { enabled: true, dockerHubCredentialArn: null },
};

/** The full default settings of each profile. */
export const PROFILES: Readonly<Record<Profile, EnvironmentSettings>> = { dev, prod };
