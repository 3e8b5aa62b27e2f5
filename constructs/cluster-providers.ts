import { DataAwsEksClusterAuth } from "@cdktf/provider-aws/lib/data-aws-eks-cluster-auth";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn } from "cdktf";
import { Construct } from "constructs";

export interface ClusterProvidersProps {
  /** Name of the EKS cluster (the token is minted for it). */
  readonly clusterName: string;
  /** HTTPS endpoint of the Kubernetes API. */
  readonly clusterEndpoint: string;
  /** Base64 PEM of the cluster's certificate authority, as EKS reports it. */
  readonly clusterCertificateAuthority: string;
}

/**
 * The kubernetes and helm providers of a stack, pointed at an EKS cluster. They authenticate with a token from
 * `aws_eks_cluster_auth` (signed by the AWS provider's credentials, valid ~15 minutes) rather than an `exec` of the
 * aws CLI, which Terraform Cloud's runners do not have. The run role needs an EKS access entry on the cluster.
 */
export class ClusterProviders extends Construct {
  readonly kubernetes: KubernetesProvider;
  readonly helm: HelmProvider;

  constructor(scope: Construct, id: string, props: ClusterProvidersProps) {
    super(scope, id);
    const auth = new DataAwsEksClusterAuth(this, "auth", { name: props.clusterName });
    const connection = {
      host: props.clusterEndpoint,
      clusterCaCertificate: Fn.base64decode(props.clusterCertificateAuthority),
      token: auth.token,
    };
    this.kubernetes = new KubernetesProvider(this, "kubernetes", connection);
    this.helm = new HelmProvider(this, "helm", { kubernetes: connection });
  }
}
