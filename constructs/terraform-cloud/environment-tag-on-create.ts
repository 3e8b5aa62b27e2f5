/*
 * Which AWS resources a run must tag with its Environment when it creates them. In a shared account the
 * Environment tag is what keeps one environment's runs off another's resources (see `foreignEnvironmentDeny` in
 * run-role-policies.ts); an untagged resource would be every environment's to change. So the apply role is denied
 * each create below unless the request carries the tag (the AWS provider's default tags put it on every resource
 * of the network, deps and app stacks).
 *
 * Every AWS resource type the stacks can create is classified here, and __tests__/environment-tag-on-create.test.ts
 * fails on one that is not, so a new resource type forces the decision. A rule must never deny what the provider
 * really sends: each create is scoped to the ARN of the resource it makes, where AWS puts the request's tags in the
 * authorization context (a create is also authorized against the parents it names — the VPC of a subnet — where
 * the request tags are not reported), and creates whose one action also updates (PutMetricAlarm, PutRule) or whose
 * provider tags after the create (S3 buckets) are left out with their reason.
 */

/** Builds the ARN pattern of the resources one create makes, in the environment's partition and region. */
type ArnPattern = (partition: string, region: string) => string;

export interface TagRequiredOnCreate {
  readonly kind: "tag required";
  /** The IAM action that creates the resource, with the tags in its request. */
  readonly action: string;
  readonly resource: ArnPattern;
}

export interface TagNotRequired {
  readonly kind: "tag not required";
  /** Why a create without the tag cannot be refused, or need not be. */
  readonly reason: string;
}

export type TagOnCreateRule = TagRequiredOnCreate | TagNotRequired;

const ec2 = (action: string, type: string): TagRequiredOnCreate => ({ kind: "tag required", action: `ec2:${action}`, resource: (p, r) => `arn:${p}:ec2:${r}:*:${type}/*` });
const required = (action: string, resource: ArnPattern): TagRequiredOnCreate => ({ kind: "tag required", action, resource });
const notRequired = (reason: string): TagNotRequired => ({ kind: "tag not required", reason });

const CHILD = "changes or belongs to a parent resource that carries the tag; the deny on another environment's tags guards the parent";
const UNTAGGABLE = "the resource has no tags";

/** Terraform resource type → what its create must carry. */
export const TAG_ON_CREATE: Readonly<Record<string, TagOnCreateRule>> = {
  aws_vpc: ec2("CreateVpc", "vpc"),
  aws_subnet: ec2("CreateSubnet", "subnet"),
  aws_internet_gateway: ec2("CreateInternetGateway", "internet-gateway"),
  aws_eip: ec2("AllocateAddress", "elastic-ip"),
  aws_nat_gateway: ec2("CreateNatGateway", "natgateway"),
  aws_route_table: ec2("CreateRouteTable", "route-table"),
  aws_security_group: ec2("CreateSecurityGroup", "security-group"),
  aws_vpc_endpoint: ec2("CreateVpcEndpoint", "vpc-endpoint"),
  aws_launch_template: ec2("CreateLaunchTemplate", "launch-template"),
  aws_eks_cluster: required("eks:CreateCluster", (p, r) => `arn:${p}:eks:${r}:*:cluster/*`),
  aws_db_instance: required("rds:CreateDBInstance", (p, r) => `arn:${p}:rds:${r}:*:db:*`),
  aws_db_subnet_group: required("rds:CreateDBSubnetGroup", (p, r) => `arn:${p}:rds:${r}:*:subgrp:*`),
  aws_db_parameter_group: required("rds:CreateDBParameterGroup", (p, r) => `arn:${p}:rds:${r}:*:pg:*`),
  aws_rds_cluster: required("rds:CreateDBCluster", (p, r) => `arn:${p}:rds:${r}:*:cluster:*`),
  aws_rds_cluster_instance: required("rds:CreateDBInstance", (p, r) => `arn:${p}:rds:${r}:*:db:*`),
  aws_rds_cluster_parameter_group: required("rds:CreateDBClusterParameterGroup", (p, r) => `arn:${p}:rds:${r}:*:cluster-pg:*`),
  aws_elasticache_replication_group: required("elasticache:CreateReplicationGroup", (p, r) => `arn:${p}:elasticache:${r}:*:replicationgroup:*`),
  aws_elasticache_parameter_group: required("elasticache:CreateCacheParameterGroup", (p, r) => `arn:${p}:elasticache:${r}:*:parametergroup:*`),
  aws_elasticache_subnet_group: required("elasticache:CreateCacheSubnetGroup", (p, r) => `arn:${p}:elasticache:${r}:*:subnetgroup:*`),
  // CreateKey has no resource of its own: IAM authorizes it against "*".
  aws_kms_key: required("kms:CreateKey", () => "*"),
  aws_cloudwatch_log_group: required("logs:CreateLogGroup", (p, r) => `arn:${p}:logs:${r}:*:log-group:*`),
  aws_sns_topic: required("sns:CreateTopic", (p, r) => `arn:${p}:sns:${r}:*:*`),
  aws_secretsmanager_secret: required("secretsmanager:CreateSecret", (p, r) => `arn:${p}:secretsmanager:${r}:*:secret:*`),
  aws_lambda_function: required("lambda:CreateFunction", (p, r) => `arn:${p}:lambda:${r}:*:function:*`),
  aws_acm_certificate: required("acm:RequestCertificate", () => "*"),
  aws_wafv2_web_acl: required("wafv2:CreateWebACL", (p, r) => `arn:${p}:wafv2:${r}:*:regional/webacl/*`),
  aws_iam_role: required("iam:CreateRole", (p) => `arn:${p}:iam::*:role/*`),
  aws_iam_policy: required("iam:CreatePolicy", (p) => `arn:${p}:iam::*:policy/*`),
  aws_iam_openid_connect_provider: required("iam:CreateOpenIDConnectProvider", (p) => `arn:${p}:iam::*:oidc-provider/*`),

  aws_cloudwatch_metric_alarm: notRequired("PutMetricAlarm both creates and updates an alarm; the provider's update may omit the tags"),
  aws_cloudwatch_event_rule: notRequired("PutRule both creates and updates a rule; the provider's update may omit the tags"),
  aws_s3_bucket: notRequired("the provider tags a bucket after CreateBucket; buckets are limited to the environment's names instead"),
  aws_eks_node_group: notRequired(`EKS authorizes it against the cluster, which ${CHILD}`),
  aws_eks_addon: notRequired(`EKS authorizes it against the cluster, which ${CHILD}`),
  aws_eks_access_entry: notRequired(`EKS authorizes it against the cluster, which ${CHILD}`),
  aws_eks_access_policy_association: notRequired(CHILD),
  aws_vpc_security_group_ingress_rule: notRequired(CHILD),
  aws_vpc_security_group_egress_rule: notRequired(CHILD),
  aws_route: notRequired(CHILD),
  aws_route_table_association: notRequired(CHILD),
  aws_kms_alias: notRequired(CHILD),
  aws_kms_key_policy: notRequired(CHILD),
  aws_iam_role_policy: notRequired(CHILD),
  aws_iam_role_policy_attachment: notRequired(CHILD),
  aws_secretsmanager_secret_version: notRequired(CHILD),
  aws_lambda_permission: notRequired(CHILD),
  aws_cloudwatch_event_target: notRequired(CHILD),
  aws_sns_topic_policy: notRequired(CHILD),
  aws_sns_topic_subscription: notRequired(CHILD),
  aws_s3_bucket_lifecycle_configuration: notRequired(CHILD),
  aws_s3_bucket_ownership_controls: notRequired(CHILD),
  aws_s3_bucket_policy: notRequired(CHILD),
  aws_s3_bucket_public_access_block: notRequired(CHILD),
  aws_s3_bucket_server_side_encryption_configuration: notRequired(CHILD),
  aws_s3_bucket_versioning: notRequired(CHILD),
  aws_acm_certificate_validation: notRequired("creates nothing in AWS: it waits for the certificate"),
  aws_route53_record: notRequired("records have no tags; writes are limited to the environment's hosted zone"),
  aws_cloudwatch_dashboard: notRequired(UNTAGGABLE),
  aws_ecr_pull_through_cache_rule: notRequired(UNTAGGABLE),
  aws_ecr_repository_creation_template: notRequired(UNTAGGABLE),
};

/** The creates that must carry the tag, grouped by the ARN they make (one IAM statement each). */
export function tagRequiredCreates(partition: string, region: string): { readonly resource: string; readonly actions: readonly string[] }[] {
  const byResource = new Map<string, Set<string>>();
  for (const rule of Object.values(TAG_ON_CREATE)) {
    if (rule.kind !== "tag required") continue;
    const resource = rule.resource(partition, region);
    byResource.set(resource, (byResource.get(resource) ?? new Set()).add(rule.action));
  }
  return [...byResource.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([resource, actions]) => ({ resource, actions: [...actions].sort() }));
}
