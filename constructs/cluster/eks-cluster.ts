import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EksCluster as AwsEksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { Naming } from "../../config/naming";
import { ExplicitKeyPolicy } from "../identity/key-policy";

export type ControlPlaneLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";

export interface EksClusterProps {
  /** Names the cluster (naming.clusterName), its role, log group and key. */
  readonly naming: Naming;
  /** Kubernetes minor version of the control plane, e.g. "1.35". */
  readonly kubernetesVersion: string;
  /** Subnets EKS may place control-plane network interfaces in (every subnet of the VPC). */
  readonly subnetIds: string[];
  /** CIDR Kubernetes Services get their cluster IPs from; must not overlap the VPC. */
  readonly serviceIpv4Cidr: string;
  /**
   * Expose the Kubernetes API on a public endpoint, restricted to `publicAccessCidrs`.
   * @default true
   */
  readonly endpointPublicAccess?: boolean;
  /**
   * CIDRs allowed to reach the public endpoint.
   * @default ["0.0.0.0/0"]
   */
  readonly publicAccessCidrs?: string[];
  /**
   * Control-plane log types sent to CloudWatch Logs.
   * @default ["api", "audit", "authenticator"]
   */
  readonly logTypes?: ControlPlaneLogType[];
  /**
   * Retention of the control-plane log group, days.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Envelope-encrypt Kubernetes Secrets with a dedicated, rotating KMS key.
   * @default false
   */
  readonly secretsEncryption?: boolean;
  /**
   * Let EKS install its unmanaged vpc-cni, kube-proxy and coredns at creation. Turn off when the same add-ons
   * are installed as EKS managed add-ons, so there is no unmanaged copy to take over.
   * @default true
   */
  readonly bootstrapSelfManagedAddons?: boolean;
  /**
   * Principals besides the cluster role that may use the Secrets key (whoever applies the stack: EKS checks that its
   * caller may use the key), by ARN. With `accountId` and `partition` the key gets an explicit key policy.
   * @default - none
   */
  readonly secretsKeyUserArns?: readonly string[];
  /**
   * Account and partition of the cluster: with them the Secrets key gets an explicit policy (root administers, the
   * cluster role and `secretsKeyUserArns` use it) instead of AWS's default delegation to every IAM principal.
   * @default - AWS's default key policy
   */
  readonly account?: { readonly accountId: string; readonly partition: string };
}

const CLUSTER_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy";
/** The longest deletion window: a key scheduled for deletion by mistake can be recovered for a month. */
const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * An EKS control plane in API authentication mode, its IAM role, its log group, an optional KMS key for
 * Secrets, and the IAM OIDC provider that IRSA roles trust.
 */
export class EksCluster extends Construct {
  readonly cluster: AwsEksCluster;
  readonly oidcProvider: IamOpenidConnectProvider;
  /** Issuer without https:// — the prefix of the `:sub` and `:aud` condition keys of IRSA trust policies. */
  readonly oidcProviderUrl: string;
  /** The KMS key encrypting Secrets; undefined without secrets encryption. */
  readonly secretsKey?: KmsKey;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    const { naming } = props;
    const name = naming.clusterName;

    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [{ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["eks.amazonaws.com"] }] }],
    });
    const role = new IamRole(this, "role", { name: naming.resource("cluster"), assumeRolePolicy: trust.json });
    const clusterPolicy = new IamRolePolicyAttachment(this, "cluster-policy", { role: role.name, policyArn: CLUSTER_POLICY_ARN });

    // Created here rather than by EKS so its retention is managed and `terraform destroy` removes it.
    const logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/eks/${name}/cluster`,
      retentionInDays: props.logRetentionDays ?? 30,
    });
    // The log group must exist first or EKS creates its own without retention; the role's policies must exist
    // before the cluster and outlive it on destroy, or EKS cannot create or clean up its network interfaces.
    const prerequisites: ITerraformDependable[] = [logGroup, clusterPolicy];

    if (props.secretsEncryption) {
      this.secretsKey = new KmsKey(this, "secrets-key", {
        description: `Envelope encryption of Kubernetes Secrets of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      });
      new KmsAlias(this, "secrets-key-alias", { name: `alias/${naming.resource("eks-secrets")}`, targetKeyId: this.secretsKey.keyId });
      // The control plane encrypts and decrypts data keys as the cluster role: its IAM policy and the key policy allow it.
      const keyUse = new DataAwsIamPolicyDocument(this, "secrets-key-use", {
        statement: [
          {
            effect: "Allow",
            actions: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
            resources: [this.secretsKey.arn],
          },
        ],
      });
      if (props.account) {
        const keyPolicy = new ExplicitKeyPolicy(this, "secrets-key-access", {
          keyId: this.secretsKey.keyId,
          ...props.account,
          userArns: [role.arn, ...(props.secretsKeyUserArns ?? [])],
        });
        prerequisites.push(keyPolicy.policy);
      }
      prerequisites.push(new IamRolePolicy(this, "secrets-key-policy", { name: naming.resource("eks-secrets"), role: role.name, policy: keyUse.json }));
    }

    const publicAccess = props.endpointPublicAccess ?? true;
    this.cluster = new AwsEksCluster(this, "cluster", {
      name,
      version: props.kubernetesVersion,
      roleArn: role.arn,
      bootstrapSelfManagedAddons: props.bootstrapSelfManagedAddons ?? true,
      accessConfig: {
        authenticationMode: "API",
        // Whoever runs the first apply (a person, a CI role) would otherwise stay cluster-admin forever, invisibly:
        // every admin is an explicit access entry instead.
        bootstrapClusterCreatorAdminPermissions: false,
      },
      enabledClusterLogTypes: props.logTypes ?? ["api", "audit", "authenticator"],
      vpcConfig: {
        subnetIds: props.subnetIds,
        // Nodes always talk to the API privately, so they work in private subnets and with the public endpoint off.
        endpointPrivateAccess: true,
        endpointPublicAccess: publicAccess,
        // Without a public endpoint the list means nothing; EKS reports its own value, which is not a diff.
        publicAccessCidrs: publicAccess ? (props.publicAccessCidrs ?? ["0.0.0.0/0"]) : undefined,
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: props.serviceIpv4Cidr },
      encryptionConfig: this.secretsKey ? { resources: ["secrets"], provider: { keyArn: this.secretsKey.arn } } : undefined,
      dependsOn: prerequisites,
    });

    const issuer = this.cluster.identity.get(0).oidc.get(0).issuer;
    // No thumbprint: IAM validates EKS issuers against its own trusted CAs, and provider 5.81+ leaves the
    // argument optional (IAM records the current thumbprint itself), so no tls provider is needed.
    this.oidcProvider = new IamOpenidConnectProvider(this, "oidc", {
      url: issuer,
      clientIdList: ["sts.amazonaws.com"],
      tags: { Name: naming.resource("oidc") },
    });
    this.oidcProviderUrl = Fn.replace(issuer, "https://", "");
  }
}
