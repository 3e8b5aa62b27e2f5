import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";

/*
 * AWS dynamic provider credentials for Terraform Cloud: each run gets a signed identity token from Terraform
 * Cloud and exchanges it for short-lived credentials of its workspace's role. No AWS key is stored anywhere.
 */

/** The audience Terraform Cloud puts in its workload identity tokens for AWS unless told otherwise. */
export const TFC_AWS_AUDIENCE = "aws.workload.identity";

export interface TfcOidcProviderProps {
  /** Terraform Cloud / Enterprise hostname; its https URL is the token issuer. */
  readonly hostname: string;
  /**
   * Tags of the provider (on top of the AWS provider's default tags).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The IAM OIDC identity provider that trusts Terraform Cloud's workload identity tokens. IAM allows one per
 * issuer and account, so every environment in the account shares it. No thumbprint is given: IAM validates the
 * issuer's certificate against its own trusted CAs and fetches one itself when it needs it.
 */
export class TfcOidcProvider extends Construct {
  readonly provider: IamOpenidConnectProvider;
  /** Issuer host without scheme: the prefix of the trust policy's condition keys (app.terraform.io:sub). */
  readonly issuerHost: string;

  constructor(scope: Construct, id: string, props: TfcOidcProviderProps) {
    super(scope, id);
    this.issuerHost = props.hostname;
    this.provider = new IamOpenidConnectProvider(this, "provider", {
      url: `https://${props.hostname}`,
      clientIdList: [TFC_AWS_AUDIENCE],
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }
}

export interface TfcRunRoleProps {
  /** Role name, from the naming helper (the network stack builds the app run role's ARN from it). */
  readonly roleName: string;
  /** The Terraform Cloud identity provider of the account. */
  readonly oidcProvider: TfcOidcProvider;
  /** Terraform Cloud organization of the workspace. */
  readonly organization: string;
  /** Terraform Cloud project of the workspace. */
  readonly project: string;
  /** The one workspace whose runs may assume the role. */
  readonly workspace: string;
  /** AWS partition (aws, aws-us-gov, aws-cn) for ARNs. */
  readonly partition: string;
  /** Region whose EKS clusters' IRSA OIDC providers the runs manage. */
  readonly region: string;
  /** Start of every IAM name the runs create (<prefix>-<env>-): IAM writes are limited to these names. */
  readonly iamNamePrefix: string;
  /**
   * Roles the runs must never change although their names start with `iamNamePrefix` (the run roles
   * themselves: a run able to attach a policy to a run role could grant itself anything).
   * @default - only this role
   */
  readonly protectedRoleNames?: readonly string[];
  /**
   * Tags of the role (on top of the AWS provider's default tags).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The AWS services the network, deps and app stacks manage, outside IAM: every action of each, on any resource.
 * Besides the services of their resource types this covers what AWS calls on the caller's behalf: EC2 reads for
 * EKS, RDS, ElastiCache and Lambda in a VPC, KMS grants for encrypted volumes and databases, Secrets Manager for
 * RDS's managed password and the pull-through cache's Docker Hub credential, Route53 for certificate validation.
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

const ROLE_READ_ACTIONS = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListRoleTags", "iam:ListInstanceProfilesForRole"];
const ROLE_WRITE_ACTIONS = [
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:UpdateAssumeRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PassRole",
];
const POLICY_ACTIONS = [
  "iam:CreatePolicy",
  "iam:DeletePolicy",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "iam:ListPolicyVersions",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicyVersion",
  "iam:ListEntitiesForPolicy",
  "iam:TagPolicy",
  "iam:UntagPolicy",
  "iam:ListPolicyTags",
];
const INSTANCE_PROFILE_ACTIONS = [
  "iam:CreateInstanceProfile",
  "iam:DeleteInstanceProfile",
  "iam:GetInstanceProfile",
  "iam:AddRoleToInstanceProfile",
  "iam:RemoveRoleFromInstanceProfile",
  "iam:TagInstanceProfile",
  "iam:UntagInstanceProfile",
  "iam:ListInstanceProfileTags",
];
const OIDC_PROVIDER_ACTIONS = [
  "iam:CreateOpenIDConnectProvider",
  "iam:DeleteOpenIDConnectProvider",
  "iam:GetOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
  "iam:AddClientIDToOpenIDConnectProvider",
  "iam:RemoveClientIDFromOpenIDConnectProvider",
  "iam:TagOpenIDConnectProvider",
  "iam:UntagOpenIDConnectProvider",
  "iam:ListOpenIDConnectProviderTags",
];

/**
 * The IAM role one workspace's runs assume. The trust policy checks the audience and the subject: the subject
 * names organization, project and workspace, so no other workspace (nor another organization's) can assume it.
 *
 * Permissions: the services the stacks manage (RUN_ROLE_SERVICES), not the account's every service, plus IAM
 * writes limited to names starting with `iamNamePrefix` and to the region's EKS OIDC providers, because the stacks
 * create roles for EKS, node groups, IRSA and Lambda. A run can still create a role under that prefix with broad
 * rights; see docs/workspaces.md for the trade-off and the stronger options.
 */
export class TfcRunRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: TfcRunRoleProps) {
    super(scope, id);
    const issuer = props.oidcProvider.issuerHost;
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [props.oidcProvider.provider.arn] }],
          condition: [
            { test: "StringEquals", variable: `${issuer}:aud`, values: [TFC_AWS_AUDIENCE] },
            {
              test: "StringLike",
              variable: `${issuer}:sub`,
              values: [`organization:${props.organization}:project:${props.project}:workspace:${props.workspace}:run_phase:*`],
            },
          ],
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: `Terraform Cloud runs of workspace ${props.workspace}`,
      assumeRolePolicy: trust.json,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    const services = new DataAwsIamPolicyDocument(this, "service-permissions", {
      statement: [{ sid: "StackServices", effect: "Allow", actions: RUN_ROLE_SERVICES.map((service) => `${service}:*`), resources: ["*"] }],
    });
    new IamRolePolicy(this, "services", { name: "stack-services", role: this.role.name, policy: services.json });
    const permissions = new DataAwsIamPolicyDocument(this, "iam-permissions", { statement: iamStatements(props) });
    new IamRolePolicy(this, "iam", { name: "iam-within-environment", role: this.role.name, policy: permissions.json });
  }
}

function iamStatements(props: TfcRunRoleProps): DataAwsIamPolicyDocumentStatement[] {
  const iam = (resource: string) => `arn:${props.partition}:iam::*:${resource}`;
  const protectedRoles = props.protectedRoleNames ?? [props.roleName];
  return [
    { sid: "EnvironmentRoles", effect: "Allow", actions: [...ROLE_READ_ACTIONS, ...ROLE_WRITE_ACTIONS], resources: [iam(`role/${props.iamNamePrefix}*`)] },
    { sid: "EnvironmentPolicies", effect: "Allow", actions: POLICY_ACTIONS, resources: [iam(`policy/${props.iamNamePrefix}*`)] },
    { sid: "EnvironmentInstanceProfiles", effect: "Allow", actions: INSTANCE_PROFILE_ACTIONS, resources: [iam(`instance-profile/${props.iamNamePrefix}*`)] },
    // IRSA providers are named by EKS after the cluster's issuer, never by us: scope them to the region instead.
    { sid: "ClusterOidcProviders", effect: "Allow", actions: OIDC_PROVIDER_ACTIONS, resources: [iam(`oidc-provider/oidc.eks.${props.region}.amazonaws.com/id/*`)] },
    // EKS, node groups, load balancers, RDS and ElastiCache create their service-linked roles on first use.
    { sid: "ServiceLinkedRoles", effect: "Allow", actions: ["iam:CreateServiceLinkedRole"], resources: [iam("role/aws-service-role/*")] },
    // Data sources look up AWS managed policies (e.g. AmazonEKSClusterPolicy) before attaching them.
    { sid: "ReadAwsManagedPolicies", effect: "Allow", actions: ["iam:GetPolicy", "iam:GetPolicyVersion"], resources: [`arn:${props.partition}:iam::aws:policy/*`] },
    { sid: "ProtectRunRoles", effect: "Deny", actions: ROLE_WRITE_ACTIONS, resources: protectedRoles.map((name) => iam(`role/${name}`)) },
  ];
}
