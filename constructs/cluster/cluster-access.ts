import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { Construct } from "constructs";

/** An IAM principal given cluster-admin. */
export interface ClusterAdmin {
  /** Construct id of its access entry: stable, kebab-case (changing it replaces the entry). */
  readonly id: string;
  /** ARN of the IAM role or user. It must exist when the entry is created: EKS checks. */
  readonly principalArn: string;
}

export interface ClusterAccessProps {
  /** Name of the cluster (a reference to it, so entries are created after the control plane). */
  readonly clusterName: string;
  /** Principals given the AmazonEKSClusterAdminPolicy on the whole cluster. */
  readonly admins: ClusterAdmin[];
}

const CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/**
 * EKS access entries (API authentication mode): who may use the Kubernetes API, declared in Terraform instead of
 * the aws-auth ConfigMap, so access survives a lost ConfigMap and is reviewed like any other change.
 */
export class ClusterAccess extends Construct {
  /** Access entries by admin id. */
  readonly entries: Readonly<Record<string, EksAccessEntry>>;

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    const entries: Record<string, EksAccessEntry> = {};
    for (const admin of props.admins) {
      if (entries[admin.id]) throw new Error(`'admins' lists id '${admin.id}' twice (${admin.principalArn}); give every principal one entry`);
      const entry = new EksAccessEntry(this, admin.id, { clusterName: props.clusterName, principalArn: admin.principalArn });
      new EksAccessPolicyAssociation(this, `${admin.id}-admin`, {
        clusterName: props.clusterName,
        // Referencing the entry orders the association after it; EKS rejects an association without one.
        principalArn: entry.principalArn,
        policyArn: CLUSTER_ADMIN_POLICY_ARN,
        accessScope: { type: "cluster" },
      });
      entries[admin.id] = entry;
    }
    this.entries = entries;
  }
}
