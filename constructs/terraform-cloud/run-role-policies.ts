import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { tagRequiredCreates } from "./environment-tag-on-create";

/*
 * The permissions of Terraform Cloud's plan and apply roles and of the permissions boundary every role the stacks
 * create must carry. Pure functions from names to statements, so tests can evaluate them and the constructs stay
 * small. The escalation paths these close (and the evaluator proving it) are in __tests__/run-role-escalation.test.ts.
 */

/**
 * The AWS services the network, deps and app stacks manage, outside IAM. Besides the services of their resource
 * types this covers what AWS calls on the caller's behalf: EC2 reads for EKS, RDS, ElastiCache and Lambda in a
 * VPC, KMS grants for encrypted volumes and databases, Secrets Manager for the pull-through cache's Docker Hub
 * credential, Route53 for certificate validation.
 * __tests__/workspaces-stack.test.ts fails when a stack gains a resource type of a service missing here.
 */
export const RUN_ROLE_SERVICES = [
  "acm", // certificate of the ingress
  "cloudwatch", // dashboard and alarms
  "ec2", // VPC, subnets, routes, NAT, endpoints, security groups
  "ecr", // pull-through cache rules and repository creation template
  "eks", // cluster, node groups, add-ons, access entries
  "elasticache", // Redis/Valkey replication group
  "elasticloadbalancing", // the ALB the controller creates, looked up for DNS
  "events", // EventBridge rule of the ClickHouse cleanup
  "kms", // keys of the cluster secrets, database, bucket and topic
  "lambda", // ClickHouse emergency cleanup
  "logs", // control-plane and Lambda log groups
  "rds", // PostgreSQL / Aurora
  "route53", // DNS record and certificate validation records
  "s3", // the Langfuse bucket
  "secretsmanager", // generated secrets
  "sns", // alerts topic
  "wafv2", // web ACL of the public ALB (ingress.waf)
] as const;

/**
 * Services whose resources the stacks name <prefix>-<env>-… (or, for Route53, the environment's configured hosted
 * zone), so the apply role's writes are limited to those. The others create resources whose ARNs carry generated ids (vpc-…, key/…), where only the Environment
 * tag can tell environments apart (see `foreignEnvironmentDeny`).
 */
const NAME_SCOPED_SERVICES = ["lambda", "route53", "s3", "secretsmanager"] as const;

/** AWS managed policies the stacks attach to their roles; every other policy ARN is refused to AttachRolePolicy. */
export const ATTACHABLE_AWS_MANAGED_POLICIES = [
  "AmazonEKSClusterPolicy", // cluster role
  "AmazonEKSWorkerNodePolicy", // node role
  "AmazonEC2ContainerRegistryReadOnly", // node role
  "AmazonEKS_CNI_Policy", // vpc-cni add-on (IRSA)
  "service-role/AmazonEBSCSIDriverPolicy", // EBS CSI add-on (IRSA)
  "CloudWatchAgentServerPolicy", // Container Insights agent (IRSA)
  "service-role/AWSLambdaVPCAccessExecutionRole", // ClickHouse cleanup function
] as const;

/** Services a run passes roles to: EKS (cluster, node groups, add-on IRSA roles) and Lambda (the cleanup). */
export const PASS_ROLE_SERVICES = ["eks.amazonaws.com", "lambda.amazonaws.com"] as const;

/** Service-linked roles the first EKS cluster, node group, load balancer, database or cache of an account needs. */
export const SERVICE_LINKED_ROLE_SERVICES = [
  "eks.amazonaws.com",
  "eks-nodegroup.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "autoscaling.amazonaws.com",
  "rds.amazonaws.com",
  "elasticache.amazonaws.com",
] as const;

/**
 * What the workloads' roles may ever do (the permissions boundary's ceiling): the services the AWS managed
 * policies above, the load balancer controller, the cluster autoscaler, KEDA, Langfuse and the cleanup function
 * use. No IAM write, no sts:AssumeRole, no iam:PassRole: a role under the boundary cannot create, change or
 * borrow another role, whatever policy a run attaches to it.
 */
export const BOUNDARY_SERVICES = [
  "acm", // load balancer controller: certificates of listeners
  "autoscaling", // cluster autoscaler, EKS cluster policy
  "cloudwatch", // Container Insights, KEDA metrics
  "cognito-idp", // load balancer controller (ALB authentication actions)
  "ec2", // nodes, CNI, EBS CSI, load balancer controller, Lambda in a VPC
  "ecr", // image pulls and the pull-through cache
  "eks", // cluster autoscaler, node bootstrap
  "eks-auth", // EKS Pod Identity on the nodes
  "elasticloadbalancing", // load balancer controller, EKS cluster policy
  "kms", // encrypted volumes, bucket, secrets
  "logs", // Container Insights, Lambda logs
  "s3", // Langfuse's bucket
  "secretsmanager", // cleanup function's ClickHouse password
  "shield", // load balancer controller
  "sns", // cleanup function's report to the alerts topic
  "ssm", // CloudWatch agent configuration parameter
  "tag", // load balancer controller
  "waf-regional", // load balancer controller
  "wafv2", // load balancer controller
  "xray", // CloudWatch agent traces
] as const;

/** Reads that reveal data rather than configuration: a plan never needs them. */
const SENSITIVE_READS = [
  "ec2:GetPasswordData",
  "ec2:GetConsoleOutput",
  "ec2:GetConsoleScreenshot",
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
  "logs:GetLogRecord",
  "logs:StartQuery",
  "logs:StartLiveTail",
  "s3:GetObject",
  "s3:GetObjectVersion",
];

const ROLE_READ_ACTIONS = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListRoleTags", "iam:ListInstanceProfilesForRole"];
/** Role writes that do not change what the role may do. */
const ROLE_METADATA_ACTIONS = ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole"];
/** Role writes IAM checks against the role's permissions boundary (iam:PermissionsBoundary). */
const BOUNDED_ROLE_ACTIONS = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"];
const POLICY_READ_ACTIONS = ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListEntitiesForPolicy", "iam:ListPolicyTags"];
const POLICY_WRITE_ACTIONS = ["iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"];
const OIDC_PROVIDER_READ_ACTIONS = ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"];
const OIDC_PROVIDER_WRITE_ACTIONS = [
  "iam:CreateOpenIDConnectProvider",
  "iam:DeleteOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
  "iam:AddClientIDToOpenIDConnectProvider",
  "iam:RemoveClientIDFromOpenIDConnectProvider",
  "iam:TagOpenIDConnectProvider",
  "iam:UntagOpenIDConnectProvider",
];

/** Everything the policies of one environment's run roles are made from. */
export interface RunPolicyScope {
  /** AWS partition (aws, aws-us-gov, aws-cn) for ARNs. */
  readonly partition: string;
  /** Region of the environment. */
  readonly region: string;
  /** Value of the Environment tag the stacks put on every resource. */
  readonly environment: string;
  /** Start of every name of the environment (<prefix>-<env>-). */
  readonly namePrefix: string;
  /** ARN of the environment's permissions boundary policy. */
  readonly permissionsBoundaryArn: string;
  /** Name of that policy (under namePrefix, so it must be protected explicitly). */
  readonly permissionsBoundaryName: string;
  /** Name of the managed policy that makes the apply roles tag what they create (under namePrefix too). */
  readonly environmentTagPolicyName: string;
  /** Every plan and apply role of the environment: no run may change them. */
  readonly protectedRoleNames: readonly string[];
  /** Secrets outside the environment's names the stacks read (external ClickHouse password, Docker Hub credential). */
  readonly externalSecretArns: readonly string[];
  /** Route53 zones the stacks write records in (ingress.hostedZoneId); other zones of the account stay out of reach. */
  readonly hostedZoneIds: readonly string[];
}

type Statement = DataAwsIamPolicyDocumentStatement;

const iamArn = (scope: RunPolicyScope, resource: string) => `arn:${scope.partition}:iam::*:${resource}`;
const rolesOfEnvironment = (scope: RunPolicyScope) => iamArn(scope, `role/${scope.namePrefix}*`);
const policiesOfEnvironment = (scope: RunPolicyScope) => iamArn(scope, `policy/${scope.namePrefix}*`);
// IRSA providers are named by EKS after the cluster's issuer, never by us: scope them to the region instead.
const clusterOidcProviders = (scope: RunPolicyScope) => iamArn(scope, `oidc-provider/oidc.eks.${scope.region}.amazonaws.com/id/*`);
const awsManagedPolicyArn = (scope: RunPolicyScope, name: string) => `arn:${scope.partition}:iam::aws:policy/${name}`;

function scopedServiceResources(scope: RunPolicyScope, service: (typeof NAME_SCOPED_SERVICES)[number]): string[] {
  const { partition, region, namePrefix } = scope;
  switch (service) {
    case "lambda":
      return [`arn:${partition}:lambda:${region}:*:function:${namePrefix}*`];
    case "route53":
      // Record changes are tracked as change/<id>; without a zone the stacks touch no DNS at all.
      if (scope.hostedZoneIds.length === 0) return [];
      return [...scope.hostedZoneIds.map((id) => `arn:${partition}:route53:::hostedzone/${id}`), `arn:${partition}:route53:::change/*`];
    case "s3":
      return [`arn:${partition}:s3:::${namePrefix}*`, `arn:${partition}:s3:::${namePrefix}*/*`];
    case "secretsmanager":
      // rds!…: the master password RDS manages for a database (manage_master_user_password) is created by RDS
      // under that name, with the caller's permissions, and cannot carry the environment's prefix.
      return [`arn:${partition}:secretsmanager:${region}:*:secret:${namePrefix}*`, `arn:${partition}:secretsmanager:${region}:*:secret:rds!*`];
  }
}

/** One statement per name-scoped service that has resources in this environment. */
function namedStatements(scope: RunPolicyScope, sidPrefix: string, actions: (service: string) => string[]): Statement[] {
  return NAME_SCOPED_SERVICES.map((service) => ({ service, resources: scopedServiceResources(scope, service) }))
    .filter(({ resources }) => resources.length > 0)
    .map(({ service, resources }) => ({ sid: `${sidPrefix}${service.charAt(0).toUpperCase()}${service.slice(1)}`, effect: "Allow", actions: actions(service), resources }));
}

const BROAD_SERVICES = RUN_ROLE_SERVICES.filter((service) => !(NAME_SCOPED_SERVICES as readonly string[]).includes(service));

/**
 * In a shared account every resource the stacks create carries Environment=<env> (the AWS provider's default
 * tags). Denying any action on a resource tagged for another environment keeps a dev run off prod's VPC,
 * cluster, database, keys … where the service puts the tag in the request context; untagged resources and
 * services without tag conditions are not affected (docs/threat-model.md lists what stays reachable).
 */
function foreignEnvironmentDeny(scope: RunPolicyScope): Statement[] {
  // IAM too: the environment's roles and policies carry the tag like everything else.
  const actions = [...RUN_ROLE_SERVICES, "iam"].map((service) => `${service}:*`);
  const otherThan = (key: string) => [
    { test: "Null", variable: key, values: ["false"] },
    { test: "StringNotEquals", variable: key, values: [scope.environment] },
  ];
  return [
    { sid: "DenyOtherEnvironments", effect: "Deny", actions, resources: ["*"], condition: otherThan("aws:ResourceTag/Environment") },
    // Nor create or retag anything as another environment's (it would then be that environment's to manage).
    { sid: "DenyTaggingForOtherEnvironments", effect: "Deny", actions, resources: ["*"], condition: otherThan("aws:RequestTag/Environment") },
  ];
}

/** IAM reads both phases need: the environment's roles and policies, the AWS managed ones, the cluster's provider. */
function iamReads(scope: RunPolicyScope): Statement[] {
  return [
    { sid: "ReadEnvironmentRoles", effect: "Allow", actions: ROLE_READ_ACTIONS, resources: [rolesOfEnvironment(scope)] },
    { sid: "ReadPolicies", effect: "Allow", actions: POLICY_READ_ACTIONS, resources: [policiesOfEnvironment(scope), awsManagedPolicyArn(scope, "*")] },
    { sid: "ReadClusterOidcProviders", effect: "Allow", actions: OIDC_PROVIDER_READ_ACTIONS, resources: [clusterOidcProviders(scope)] },
  ];
}

/** Nothing a run does needs another role's credentials; an explicit deny also beats a trust policy naming the run role. */
const DENY_ASSUME_ROLE: Statement = { sid: "DenyAssumingRoles", effect: "Deny", actions: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"], resources: ["*"] };

/** The apply role: writes within the environment, every role it creates or changes bounded. */
export function applyStatements(scope: RunPolicyScope): Statement[] {
  const boundary = [{ test: "StringEquals", variable: "iam:PermissionsBoundary", values: [scope.permissionsBoundaryArn] }];
  const protectedRoles = scope.protectedRoleNames.map((name) => iamArn(scope, `role/${name}`));
  const attachable = [...ATTACHABLE_AWS_MANAGED_POLICIES.map((name) => awsManagedPolicyArn(scope, name)), policiesOfEnvironment(scope)];
  return [
    { sid: "StackServices", effect: "Allow", actions: BROAD_SERVICES.map((service) => `${service}:*`), resources: ["*"] },
    ...namedStatements(scope, "NamedResources", (service) => [`${service}:*`]),
    // Account-wide reads and the few actions without a resource of their own.
    {
      sid: "AccountLevelActions",
      effect: "Allow",
      actions: ["lambda:List*", "lambda:GetAccountSettings", "route53:ListHostedZones*", "s3:ListAllMyBuckets", "secretsmanager:ListSecrets", "secretsmanager:GetRandomPassword"],
      resources: ["*"],
    },
    ...externalSecretReads(scope),
    ...iamReads(scope),
    { sid: "BoundedRoleWrites", effect: "Allow", actions: BOUNDED_ROLE_ACTIONS.filter((action) => action !== "iam:AttachRolePolicy"), resources: [rolesOfEnvironment(scope)], condition: boundary },
    {
      sid: "AttachKnownPolicies",
      effect: "Allow",
      actions: ["iam:AttachRolePolicy"],
      resources: [rolesOfEnvironment(scope)],
      condition: [...boundary, { test: "ArnLike", variable: "iam:PolicyARN", values: attachable }],
    },
    { sid: "RoleMetadata", effect: "Allow", actions: ROLE_METADATA_ACTIONS, resources: [rolesOfEnvironment(scope)] },
    { sid: "PassRolesToStackServices", effect: "Allow", actions: ["iam:PassRole"], resources: [rolesOfEnvironment(scope)], condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: [...PASS_ROLE_SERVICES] }] },
    { sid: "EnvironmentPolicies", effect: "Allow", actions: POLICY_WRITE_ACTIONS, resources: [policiesOfEnvironment(scope)] },
    { sid: "ClusterOidcProviders", effect: "Allow", actions: OIDC_PROVIDER_WRITE_ACTIONS, resources: [clusterOidcProviders(scope)] },
    {
      sid: "ServiceLinkedRoles",
      effect: "Allow",
      actions: ["iam:CreateServiceLinkedRole"],
      resources: [iamArn(scope, "role/aws-service-role/*")],
      condition: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: [...SERVICE_LINKED_ROLE_SERVICES] }],
    },
    {
      sid: "ProtectRunRoles",
      effect: "Deny",
      actions: [...BOUNDED_ROLE_ACTIONS, ...ROLE_METADATA_ACTIONS, "iam:DeleteRolePermissionsBoundary", "iam:PassRole"],
      resources: protectedRoles,
    },
    {
      sid: "ProtectGuardPolicies",
      effect: "Deny",
      actions: POLICY_WRITE_ACTIONS,
      resources: [scope.permissionsBoundaryName, scope.environmentTagPolicyName].map((name) => iamArn(scope, `policy/${name}`)),
    },
    { sid: "NeverRemoveBoundaries", effect: "Deny", actions: ["iam:DeleteRolePermissionsBoundary"], resources: ["*"] },
    DENY_ASSUME_ROLE,
    ...foreignEnvironmentDeny(scope),
  ];
}

function externalSecretReads(scope: RunPolicyScope): Statement[] {
  if (scope.externalSecretArns.length === 0) return [];
  return [{ sid: "ReadExternalSecrets", effect: "Allow", actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], resources: [...scope.externalSecretArns] }];
}

/**
 * The plan role: configuration reads on the stacks' services, the environment's own secrets (the app stack reads
 * its secret values while planning, and refreshing a secret version reads it), nothing that writes.
 */
export function planStatements(scope: RunPolicyScope): Statement[] {
  const reads = (service: string) => [`${service}:Describe*`, `${service}:Get*`, `${service}:List*`];
  return [
    { sid: "ReadStackServices", effect: "Allow", actions: BROAD_SERVICES.flatMap(reads), resources: ["*"] },
    ...namedStatements(scope, "ReadNamedResources", reads),
    { sid: "AccountLevelReads", effect: "Allow", actions: ["lambda:List*", "lambda:GetAccountSettings", "route53:ListHostedZones*", "s3:ListAllMyBuckets", "secretsmanager:ListSecrets"], resources: ["*"] },
    ...externalSecretReads(scope),
    // The generated secrets are encrypted with the environment's key; decrypting is allowed only through Secrets Manager.
    {
      sid: "DecryptSecretsThroughSecretsManager",
      effect: "Allow",
      actions: ["kms:Decrypt"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`secretsmanager.${scope.region}.amazonaws.com`] }],
    },
    ...iamReads(scope),
    { sid: "DenyDataReads", effect: "Deny", actions: SENSITIVE_READS, resources: ["*"] },
    DENY_ASSUME_ROLE,
    ...foreignEnvironmentDeny(scope),
  ];
}

/**
 * The apply roles' second policy, a managed one (the inline policies are near IAM's 10,240-character limit per
 * role): every create listed in environment-tag-on-create.ts is refused without the Environment tag in its request.
 * Together with `foreignEnvironmentDeny` a run can make nothing that is not its own environment's.
 */
export function environmentTagStatements(scope: Pick<RunPolicyScope, "partition" | "region">): Statement[] {
  return tagRequiredCreates(scope.partition, scope.region).map(({ resource, actions }) => ({
    effect: "Deny",
    actions: [...actions],
    resources: [resource],
    condition: [{ test: "Null", variable: "aws:RequestTag/Environment", values: ["true"] }],
  }));
}

/**
 * The permissions boundary: the ceiling of every role the stacks create. Allows the workloads' services, IAM
 * reads and service-linked roles; everything else, IAM writes, PassRole and AssumeRole included, is outside it.
 */
export function boundaryStatements(): Statement[] {
  return [
    { sid: "WorkloadServices", effect: "Allow", actions: BOUNDARY_SERVICES.map((service) => `${service}:*`), resources: ["*"] },
    { sid: "IamReads", effect: "Allow", actions: ["iam:Get*", "iam:List*"], resources: ["*"] },
    {
      sid: "ServiceLinkedRoles",
      effect: "Allow",
      actions: ["iam:CreateServiceLinkedRole"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "iam:AWSServiceName", values: [...SERVICE_LINKED_ROLE_SERVICES] }],
    },
  ];
}
