import { Naming } from "./naming";
import type { EnvironmentConfig } from "./schema";

/*
 * Every cloud resource name derived from <namePrefix>-<environment>, with the limit AWS (or Kubernetes,
 * or Terraform Cloud) puts on it. Config validation checks each name an environment will create, so a long
 * prefix or environment name fails at synth with the name, its length and the limit, never inside a
 * construct or at apply. The test over the synthesized JSON (__tests__/config-names.test.ts) proves the
 * table covers what the stacks really create.
 */

/** What a service accepts for one kind of name. */
export interface NameRule {
  /** The kind of name, as AWS calls it. */
  readonly what: string;
  readonly maxLength: number;
  /** Allowed characters and shape. */
  readonly pattern: RegExp;
  /** The shape in words, for the message. */
  readonly shape: string;
  /** The page stating the limit. */
  readonly see: string;
}

const rule = (what: string, maxLength: number, pattern: RegExp, shape: string, see: string): NameRule => ({ what, maxLength, pattern, shape, see });

/** Letters first, lowercase letters, digits and single hyphens, not ending in a hyphen (RDS, ElastiCache). */
const RDS_STYLE = /^[a-z](?:-?[a-z0-9])*$/;

/** The limits, one per kind of name. */
export const NAME_RULES = {
  eksCluster: rule("EKS cluster name", 100, /^[0-9A-Za-z][A-Za-z0-9_-]*$/, "letters, digits, - and _", "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html"),
  // EKS appends a 26-character suffix to a node group name prefix; a node group name has at most 63.
  nodeGroupPrefix: rule("EKS node group name prefix", 37, /^[0-9A-Za-z][A-Za-z0-9_-]*$/, "letters, digits, - and _", "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html"),
  iamRole: rule("IAM role name", 64, /^[\w+=,.@-]+$/, "letters, digits and +=,.@_-", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"),
  loadBalancer: rule("load balancer name", 32, /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, "letters, digits and hyphens, not starting or ending with a hyphen", "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html"),
  rdsIdentifier: rule("RDS DB identifier", 63, RDS_STYLE, "a letter first, then lowercase letters, digits and single hyphens, no hyphen at the end", "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints"),
  elasticacheId: rule("ElastiCache replication group id", 40, RDS_STYLE, "a letter first, then lowercase letters, digits and single hyphens, no hyphen at the end", "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"),
  ecrPrefix: rule("ECR pull-through cache repository prefix", 30, /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "lowercase letters and digits separated by single . _ or -", "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html"),
  s3Bucket: rule("S3 bucket name", 63, /^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and hyphens, not starting with xn--, sthree- or amzn-s3-demo-", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"),
  lambda: rule("Lambda function name", 64, /^[A-Za-z0-9_-]+$/, "letters, digits, - and _", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"),
  eventRule: rule("EventBridge rule name", 64, /^[.\-_A-Za-z0-9]+$/, "letters, digits, . - and _", "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html"),
  snsTopic: rule("SNS topic name", 256, /^[A-Za-z0-9_-]+$/, "letters, digits, - and _", "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html"),
  kmsAlias: rule("KMS alias", 256, /^alias\/(?!aws\/)[A-Za-z0-9/_-]+$/, "alias/ then letters, digits, / _ and -", "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html"),
  secret: rule("Secrets Manager secret name", 512, /^[A-Za-z0-9/_+=.@-]+$/, "letters, digits and /_+=.@-", "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html"),
  alarm: rule("CloudWatch alarm name", 255, /^[\x20-\x7e]+$/, "printable ASCII", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"),
  dashboard: rule("CloudWatch dashboard name", 255, /^[A-Za-z0-9_-]+$/, "letters, digits, - and _", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html"),
  kubernetesName: rule("Kubernetes object name", 253, /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/, "lowercase letters, digits, . and -", "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"),
  iamPolicy: rule("IAM inline policy name", 128, /^[\w+=,.@-]+$/, "letters, digits and +=,.@_-", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"),
  iamManagedPolicy: rule("IAM managed policy name", 128, /^[\w+=,.@-]+$/, "letters, digits and +=,.@_-", "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html"),
  launchTemplate: rule("EC2 launch template name", 128, /^[A-Za-z0-9().\/_-]{3,}$/, "3 or more letters, digits and ( ) . / _ -", "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html"),
  wafWebAcl: rule("WAF web ACL name", 128, /^[\w-]+$/, "letters, digits, - and _", "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html"),
  securityGroup: rule("security group name", 255, /^[\x20-\x7e]+$/, "printable ASCII", "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html"),
  logGroup: rule("CloudWatch log group name", 512, /^[\w./#-]+$/, "letters, digits and _-./#", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"),
  groupName: rule("RDS or ElastiCache parameter/subnet group name, or final snapshot id", 255, RDS_STYLE, "a letter first, then lowercase letters, digits and single hyphens, no hyphen at the end", "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html"),
  albGroup: rule("AWS Load Balancer Controller ingress group name", 63, /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/, "lowercase letters, digits, - and .", "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#ingressgroup"),
  workspace: rule("Terraform Cloud workspace name", 90, /^[A-Za-z0-9_-]+$/, "letters, digits, - and _", "https://developer.hashicorp.com/terraform/cloud-docs/workspaces/create"),
} as const;

/** One name the stacks derive from prefix and environment. */
export interface DerivedName {
  /** The name, as the stacks build it. */
  readonly name: string;
  readonly rule: NameRule;
}

/** A 12-digit account id stands in for the real one in the bucket name (its length is what matters). */
const ACCOUNT_ID_STANDIN = "123456789012";

/** Every name the environment's stacks will create (only those of the features it turns on). */
export function derivedNames(config: EnvironmentConfig): DerivedName[] {
  const naming = new Naming(config.namePrefix, config.name);
  const r = NAME_RULES;
  const names: DerivedName[] = [];
  const add = (ruleOf: NameRule, name: string, when = true) => {
    if (when) names.push({ name, rule: ruleOf });
  };
  const bundled = config.clickhouse.mode === "bundled";
  const cleanup = bundled && config.clickhouse.emergencyCleanup;
  // network
  add(r.eksCluster, naming.clusterName);
  add(r.nodeGroupPrefix, `${naming.resource("general")}-`);
  add(r.nodeGroupPrefix, `${naming.resource("clickhouse")}-`, config.nodeGroups.clickhouse !== null);
  for (const role of ["cluster", "node", "vpc-cni", "ebs-csi", "cloudwatch-agent"]) add(r.iamRole, naming.resource(role));
  add(r.launchTemplate, naming.resource("node", "general"));
  add(r.launchTemplate, naming.resource("node", "clickhouse"), config.nodeGroups.clickhouse !== null);
  add(r.kmsAlias, `alias/${naming.resource("eks-secrets")}`, config.cluster.secretsEncryption);
  // deps
  for (const role of ["langfuse", "lb-controller", "keda-operator", "clickhouse-maintenance", "cluster-autoscaler"]) add(r.iamRole, naming.resource(role));
  add(r.rdsIdentifier, naming.resource("db"));
  add(r.rdsIdentifier, naming.resource("db", "final"), config.database.engine === "rds-postgres");
  add(r.rdsIdentifier, naming.resource("db", "2"), config.database.engine === "aurora-serverless-v2");
  add(r.elasticacheId, naming.resource("valkey"), config.redis.mode === "elasticache");
  add(r.s3Bucket, naming.resource("data", ACCOUNT_ID_STANDIN));
  add(r.ecrPrefix, naming.imageCachePrefix, config.imageCache.enabled);
  add(r.snsTopic, naming.resource("alerts"));
  for (const alias of ["alerts", "secrets"]) add(r.kmsAlias, `alias/${naming.resource(alias)}`);
  add(r.kmsAlias, `alias/${naming.resource("bucket")}`, config.bucket.kmsKey);
  for (const secret of ["langfuse-secrets", "clickhouse-password"]) add(r.secret, naming.resource(secret));
  // app
  add(r.loadBalancer, naming.loadBalancer("external"), config.ingress.enabled);
  add(r.wafWebAcl, naming.resource("waf"), config.ingress.enabled && config.langfuse.domain !== null && config.ingress.waf.enabled);
  add(r.loadBalancer, naming.loadBalancer("internal"), config.ingress.enabled && config.ingress.internal);
  add(r.loadBalancer, naming.resource("ch"), cleanup);
  add(r.lambda, naming.resource("clickhouse-cleanup"), cleanup);
  add(r.iamRole, naming.resource("clickhouse-cleanup"), cleanup);
  for (const suffix of ["on-alarm", "retry"]) add(r.eventRule, naming.resource("clickhouse-cleanup", suffix), cleanup);
  add(r.kubernetesName, naming.resource("clickhouse-maintenance", "volume-stats"), bundled);
  add(r.alarm, naming.resource("worker-replicas-at-max"));
  add(r.dashboard, naming.resource("operations"));
  // workspaces
  add(r.iamManagedPolicy, naming.permissionsBoundary);
  for (const stack of ["network", "deps", "app"] as const) {
    add(r.workspace, naming.workspace(stack));
    add(r.iamRole, naming.runRole(stack));
    add(r.iamRole, naming.planRole(stack));
  }
  return names;
}

/** Why `name` breaks `rule`, or undefined when it is fine. */
export function nameProblem(name: string, ruleOf: NameRule): string | undefined {
  if (name.length > ruleOf.maxLength) return `is ${name.length} characters, over the ${ruleOf.maxLength} allowed`;
  if (!ruleOf.pattern.test(name)) return `must be ${ruleOf.shape}`;
  return undefined;
}
