import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { Construct } from "constructs";

export interface ClusterReadAccessProps {
  /** Name of the cluster (a reference to it, so the entry is created after the control plane). */
  readonly clusterName: string;
  /** ARN of the IAM role that may read the cluster. It must exist when the entry is created: EKS checks. */
  readonly principalArn: string;
}

/** Read-only on every resource, Secrets included: what a plan's refresh of Helm releases (stored as Secrets) needs. */
const ADMIN_VIEW_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy";

/**
 * An EKS access entry that can read but not change the cluster: Terraform Cloud's app plan role refreshes the
 * app stack's Kubernetes and Helm resources with it, while only the apply role is cluster-admin.
 */
export class ClusterReadAccess extends Construct {
  readonly entry: EksAccessEntry;

  constructor(scope: Construct, id: string, props: ClusterReadAccessProps) {
    super(scope, id);
    this.entry = new EksAccessEntry(this, "entry", { clusterName: props.clusterName, principalArn: props.principalArn });
    new EksAccessPolicyAssociation(this, "view", {
      clusterName: props.clusterName,
      // Referencing the entry orders the association after it; EKS rejects an association without one.
      principalArn: this.entry.principalArn,
      policyArn: ADMIN_VIEW_POLICY_ARN,
      accessScope: { type: "cluster" },
    });
  }
}
