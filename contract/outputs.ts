/*
 * The contract between stacks: what each producing stack publishes, with its description and sensitivity.
 * Producers publish with `publishOutputs` and consumers read with `readUpstream` (contract/upstream.ts), both
 * from these declarations, so no stack spells another's output names by hand.
 */

/** "list" outputs are lists of strings (subnet ids …); everything else is a string. */
export type OutputKind = "string" | "list";

export interface OutputSpec {
  readonly kind: OutputKind;
  /** Shown in `terraform output` and in Terraform Cloud. */
  readonly description: string;
  /** Sensitive outputs are read through tfe_outputs `values` and cannot drive for_each/count. */
  readonly sensitive: boolean;
}

export type Contract = Readonly<Record<string, OutputSpec>>;

/** The values of a contract: strings (tokens) and lists of strings. */
export type ContractValues<C extends Contract> = {
  readonly [K in keyof C]: C[K]["kind"] extends "list" ? string[] : string;
};

// `as const` keeps each kind literal, so ContractValues types list outputs as string[].
const text = (description: string) => ({ kind: "string", description, sensitive: false }) as const satisfies OutputSpec;
const list = (description: string) => ({ kind: "list", description, sensitive: false }) as const satisfies OutputSpec;

/** What the network stack gives deps and app. */
export const NETWORK_OUTPUTS = {
  vpc_id: text("ID of the VPC."),
  vpc_cidr: text("CIDR block of the VPC."),
  availability_zones: list("Availability zones the subnets span, in subnet order."),
  public_subnet_ids: list("Public subnets (internet-facing load balancers; nodes too in environments without private subnets)."),
  workload_subnet_ids: list("Subnets for nodes, databases and functions: the private subnets where the environment has them, else the public ones."),
  cluster_name: text("Name of the EKS cluster."),
  cluster_endpoint: text("HTTPS endpoint of the Kubernetes API."),
  cluster_certificate_authority: text("Base64 PEM of the cluster's certificate authority."),
  cluster_version: text("Kubernetes minor version of the control plane."),
  cluster_security_group_id: text("Security group EKS attaches to the control plane and every managed node (nodes and pods use it)."),
  oidc_provider_arn: text("ARN of the cluster's IAM OIDC provider (IRSA)."),
  oidc_provider_url: text("Issuer of the cluster's OIDC provider without https:// (the condition key prefix of IRSA trust policies)."),
} as const satisfies Contract;

/** What the deps stack gives app. */
export const DEPS_OUTPUTS = {
  database_host: text("Host name of the PostgreSQL writer endpoint."),
  database_port: text("Port of PostgreSQL."),
  database_name: text("Name of the Langfuse database."),
  database_username: text("User Langfuse connects as."),
  bucket_name: text("S3 bucket for events/, media/ and exports/."),
  bucket_region: text("Region of the bucket."),
  bucket_kms_key_arn: text("KMS key of the bucket, or an empty string with SSE-S3."),
  langfuse_role_arn: text("IRSA role of the langfuse service account (web and worker)."),
  load_balancer_controller_role_arn: text("IRSA role of the AWS Load Balancer Controller."),
  keda_operator_role_arn: text("IRSA role of the KEDA operator (read-only CloudWatch metrics for request-based scaling)."),
  clickhouse_maintenance_role_arn: text("IRSA role of the ClickHouse disk-metrics job (cloudwatch:PutMetricData in its namespace only)."),
  cluster_autoscaler_role_arn: text("IRSA role of the Cluster Autoscaler (describes Auto Scaling groups; resizes only those tagged as this cluster's)."),
  secrets_kms_key_arn: text("KMS key encrypting the Secrets Manager secrets (and the database and ElastiCache storage); readers of the secrets need kms:Decrypt on it."),
  langfuse_secrets_arn: text("Secrets Manager secret (JSON, keys in contract/secret-keys.ts) with Langfuse's keys and the database and Redis passwords."),
  clickhouse_secret_arn: text("Secrets Manager secret whose string is the password of ClickHouse's admin user `default` (web, worker, the retention job)."),
  clickhouse_cleanup_secret_arn: text("Secrets Manager secret whose string is the password of the cleanup function's own ClickHouse user (alone, so the function reads nothing else)."),
  database_identifier: text("RDS instance identifier (rds-postgres) or Aurora cluster identifier, for metrics and alarms."),
  redis_host: text("ElastiCache primary endpoint, or an empty string when Redis is bundled."),
  redis_port: text("ElastiCache port, or an empty string when Redis is bundled."),
  redis_replication_group_id: text("ElastiCache replication group id, or an empty string when Redis is bundled."),
  alerts_topic_arn: text("SNS topic of the environment's alarms (e-mail subscription from alerts.email)."),
  image_registry_prefix: text("<account>.dkr.ecr.<region>.amazonaws.com/<cache prefix> of the Docker Hub pull-through cache, or an empty string when imageCache is off."),
  alerts_kms_key_arn: text("KMS key of the alerts topic; a function publishing to the topic needs kms:GenerateDataKey and kms:Decrypt on it."),
} as const satisfies Contract;

export type NetworkOutputs = ContractValues<typeof NETWORK_OUTPUTS>;
export type DepsOutputs = ContractValues<typeof DEPS_OUTPUTS>;
