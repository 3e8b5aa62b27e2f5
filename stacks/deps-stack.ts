import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { DEPS_OUTPUTS, NETWORK_OUTPUTS, type NetworkOutputs } from "../contract/outputs";
import { publishOutputs } from "../contract/publish";
import { readUpstream } from "../contract/upstream";
import { AlertsTopic } from "../constructs/observability/alerts-topic";
import { LangfuseBucket } from "../constructs/data/bucket";
import { POSTGRES_PORT, PostgresDatabase } from "../constructs/data/database";
import { REDIS_PORT, ValkeyCache } from "../constructs/data/elasticache";
import { GeneratedSecrets } from "../constructs/identity/generated-secrets";
import { deployingPrincipalArn, ExplicitKeyPolicy } from "../constructs/identity/key-policy";
import { CLEANUP_FUNCTION_NAME } from "../contract/role-names";
import { ImageCache } from "../constructs/platform/image-cache";
import { WorkloadRoles } from "../constructs/identity/workload-roles";
import { EnvironmentStack } from "./environment-stack";

/** PostgreSQL, S3, IRSA roles, generated secrets and (optionally) ElastiCache. */
export class DepsStack extends EnvironmentStack {
  readonly network: NetworkOutputs;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, "deps", config);
    this.network = readUpstream(this, config, "network", NETWORK_OUTPUTS);
    new RandomProvider(this, "random");
    const naming = this.naming;
    const network = this.network;
    // prod keeps data through mistakes: prevent_destroy, deletion protection, final snapshots, recovery windows.
    const protect = config.profile === "prod";
    const accountId = new DataAwsCallerIdentity(this, "caller").accountId;
    const partition = new DataAwsPartition(this, "partition").partition;

    const secrets = new GeneratedSecrets(this, "secrets", {
      langfuseSecretName: naming.resource("langfuse-secrets"),
      clickhouseSecretName: naming.resource("clickhouse-password"),
      clickhouseCleanupSecretName: naming.resource("clickhouse-cleanup-password"),
      keyAlias: naming.resource("secrets"),
      protect,
    });

    const database = new PostgresDatabase(this, "database", {
      identifier: naming.resource("db"),
      settings: config.database,
      vpcId: network.vpc_id,
      subnetIds: network.workload_subnet_ids,
      availabilityZones: network.availability_zones,
      clientSecurityGroupId: network.cluster_security_group_id,
      password: secrets.databasePassword,
      kmsKeyArn: secrets.kmsKey.arn,
      protect,
    });

    const bucket = new LangfuseBucket(this, "bucket", {
      // Bucket names are global: the account id keeps two accounts' environments of the same name apart.
      bucketName: naming.resource("data", accountId),
      exportsExpireDays: config.bucket.exportsExpireDays,
      versioning: config.bucket.versioning,
      noncurrentVersionExpireDays: config.bucket.noncurrentVersionExpireDays,
      kmsKeyAlias: config.bucket.kmsKey ? naming.resource("bucket") : undefined,
      forceDestroy: config.profile === "dev",
      protect,
    });

    const roles = new WorkloadRoles(this, "roles", {
      roleNames: {
        langfuse: naming.resource("langfuse"),
        loadBalancerController: naming.resource("lb-controller"),
        kedaOperator: naming.resource("keda-operator"),
        clickhouseMaintenance: naming.resource("clickhouse-maintenance"),
        clusterAutoscaler: naming.resource("cluster-autoscaler"),
      },
      oidcProviderArn: network.oidc_provider_arn,
      oidcProviderUrl: network.oidc_provider_url,
      bucketArn: bucket.bucket.arn,
      bucketKmsKeyArn: bucket.kmsKey?.arn,
      partition,
      clusterName: network.cluster_name,
    });

    const cache =
      config.redis.mode === "elasticache"
        ? new ValkeyCache(this, "cache", {
            replicationGroupId: naming.resource("valkey"),
            engineVersion: config.redis.engineVersion,
            nodeType: config.redis.nodeType,
            nodeCount: config.redis.nodeCount,
            snapshotRetentionDays: config.redis.snapshotRetentionDays,
            vpcId: network.vpc_id,
            subnetIds: network.workload_subnet_ids,
            clientSecurityGroupId: network.cluster_security_group_id,
            authToken: secrets.redisPassword,
            kmsKeyArn: secrets.kmsKey.arn,
          }).replicationGroup
        : undefined;

    const keyUsers = this.keyUsers(accountId, partition);
    new ExplicitKeyPolicy(this, "secrets-key-policy", {
      keyId: secrets.kmsKey.keyId,
      accountId,
      partition,
      userArns: keyUsers.operators,
      // The cleanup function decrypts its own password and nothing else: not the admin password, not Langfuse's keys.
      secretReaders: [{ principalArn: keyUsers.cleanupFunction, secretArn: secrets.clickhouseCleanupSecret.arn, region: config.region }],
    });
    if (bucket.kmsKey) {
      new ExplicitKeyPolicy(this, "bucket-key-policy", { keyId: bucket.kmsKey.keyId, accountId, partition, userArns: [...keyUsers.operators, roles.roles.langfuse.arn] });
    }

    const alerts = new AlertsTopic(this, "alerts", {
      topicName: naming.resource("alerts"),
      keyAlias: naming.resource("alerts"),
      accountId,
      partition,
      email: config.alerts.email ?? undefined,
      keyUserArns: [...keyUsers.operators, keyUsers.cleanupFunction],
    });

    const dockerHubCredentialArn = config.imageCache.enabled ? config.imageCache.dockerHubCredentialArn : null;
    const imageCache = dockerHubCredentialArn
      ? new ImageCache(this, "image-cache", { repositoryPrefix: naming.imageCachePrefix, dockerHubCredentialArn })
      : undefined;

    publishOutputs(this, DEPS_OUTPUTS, {
      database_host: database.endpoint.host,
      database_port: String(POSTGRES_PORT),
      database_name: config.database.name,
      database_username: config.database.username,
      database_identifier: database.endpoint.identifier,
      bucket_name: bucket.bucket.bucket,
      bucket_region: config.region,
      bucket_kms_key_arn: bucket.kmsKeyArn,
      langfuse_role_arn: roles.roles.langfuse.arn,
      load_balancer_controller_role_arn: roles.roles.loadBalancerController.arn,
      keda_operator_role_arn: roles.roles.kedaOperator.arn,
      clickhouse_maintenance_role_arn: roles.roles.clickhouseMaintenance.arn,
      cluster_autoscaler_role_arn: roles.roles.clusterAutoscaler.arn,
      secrets_kms_key_arn: secrets.kmsKey.arn,
      langfuse_secrets_arn: secrets.langfuseSecret.arn,
      clickhouse_secret_arn: secrets.clickhouseSecret.arn,
      clickhouse_cleanup_secret_arn: secrets.clickhouseCleanupSecret.arn,
      redis_host: cache?.primaryEndpointAddress ?? "",
      redis_port: cache ? String(REDIS_PORT) : "",
      redis_replication_group_id: cache?.replicationGroupId ?? "",
      alerts_topic_arn: alerts.topic.arn,
      alerts_kms_key_arn: alerts.kmsKey.arn,
      image_registry_prefix: imageCache ? `${accountId}.dkr.ecr.${config.region}.amazonaws.com/${naming.imageCachePrefix}` : "",
    });
  }

  /**
   * Who uses the environment's KMS keys besides the workloads: whoever applies this stack (it writes the secrets
   * and creates encrypted resources), the cluster admins, with Terraform Cloud the app workspace's run role (it
   * reads the secrets), and the app stack's cleanup function (it reads its ClickHouse password and publishes).
   */
  private keyUsers(accountId: string, partition: string): { operators: string[]; cleanupFunction: string } {
    const roleArn = (name: string) => `arn:${partition}:iam::${accountId}:role/${name}`;
    const operators = [deployingPrincipalArn(this, "deployer"), ...this.config.cluster.adminPrincipalArns];
    if (this.config.backend.type === "cloud") operators.push(roleArn(this.naming.runRole("app")));
    return { operators, cleanupFunction: roleArn(this.naming.resource(CLEANUP_FUNCTION_NAME)) };
  }
}
