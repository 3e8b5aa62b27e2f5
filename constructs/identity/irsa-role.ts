import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";

export interface IrsaRoleProps {
  /** Role name, from the naming helper. */
  readonly roleName: string;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** Issuer of the OIDC provider without https:// (e.g. oidc.eks.us-east-1.amazonaws.com/id/ABC). */
  readonly oidcProviderUrl: string;
  /** Namespace of the Kubernetes service account. */
  readonly namespace: string;
  /** Name of the Kubernetes service account. */
  readonly serviceAccount: string;
  /**
   * Statements of the role's inline policy.
   * @default - no inline policy
   */
  readonly statements?: DataAwsIamPolicyDocumentStatement[];
  /**
   * AWS managed policies to attach (only where AWS publishes and maintains the exact policy, e.g. EBS CSI).
   * @default - none
   */
  readonly managedPolicyArns?: string[];
}

/**
 * An IAM role for one Kubernetes service account (IRSA). The trust policy checks both the subject
 * (system:serviceaccount:<namespace>:<name>) and the audience (sts.amazonaws.com): without the subject any pod
 * of the cluster could assume it, without the audience a token minted for another consumer would do.
 */
export class IrsaRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [props.oidcProviderArn] }],
          condition: [
            { test: "StringEquals", variable: `${props.oidcProviderUrl}:sub`, values: [`system:serviceaccount:${props.namespace}:${props.serviceAccount}`] },
            { test: "StringEquals", variable: `${props.oidcProviderUrl}:aud`, values: ["sts.amazonaws.com"] },
          ],
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: `IRSA role of service account ${props.namespace}/${props.serviceAccount}`,
      assumeRolePolicy: trust.json,
    });
    if (props.statements?.length) {
      const policy = new DataAwsIamPolicyDocument(this, "permissions", { statement: props.statements });
      new IamRolePolicy(this, "policy", { name: props.roleName, role: this.role.name, policy: policy.json });
    }
    (props.managedPolicyArns ?? []).forEach((policyArn, index) => {
      new IamRolePolicyAttachment(this, `managed-${index}`, { role: this.role.name, policyArn });
    });
  }
}
