import type { LangfuseEndpoints } from "../../constructs/langfuse/values";
/** Configuration overrides shared by several test files. */

/** An external ClickHouse (ClickHouse Cloud-like) instead of the bundled one; the password stays in Secrets Manager. */
export const EXTERNAL_CLICKHOUSE = {
  mode: "external",
  externalUrl: "https://abc123.us-east-1.aws.clickhouse.cloud:8443",
  externalMigrationUrl: "clickhouse://abc123.us-east-1.aws.clickhouse.cloud:9440",
  externalUser: "langfuse",
  externalPasswordSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:clickhouse-cloud-AbCdEf",
} as const;

/** Every environment names an administrator who can reach its cluster (`defaults` of inline documents). */
export const CLUSTER_ADMINS = { cluster: { adminPrincipalArns: ["arn:aws:iam::123456789012:role/Admin"] } } as const;

/** What the deps and network stacks hand the Langfuse values builders, as literal prod-like values. */
export const LANGFUSE_ENDPOINTS: LangfuseEndpoints = {
  databaseHost: "langfuse-prod.cluster-abc.us-east-1.rds.amazonaws.com",
  databasePort: "5432",
  databaseName: "langfuse",
  databaseUsername: "langfuse",
  bucketName: "langfuse-prod-data",
  bucketRegion: "us-east-1",
  langfuseRoleArn: "arn:aws:iam::123456789012:role/langfuse-prod-langfuse",
  redisHost: "master.langfuse-prod.abc.use1.cache.amazonaws.com",
  redisPort: "6379",
  imageRegistryPrefix: "123456789012.dkr.ecr.us-east-1.amazonaws.com/langfuse-prod-cache",
};
