import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn, ref, TerraformElement, Token } from "cdktf";
import { Construct } from "constructs";

export interface ClusterProvidersProps {
  /** Name of the EKS cluster (the token is minted for it). */
  readonly clusterName: string;
  /** HTTPS endpoint of the Kubernetes API. */
  readonly clusterEndpoint: string;
  /** Base64 PEM of the cluster's certificate authority, as EKS reports it. */
  readonly clusterCertificateAuthority: string;
}

/** Terraform type of the ephemeral token (hashicorp/aws >= 5.83; ephemeral blocks need Terraform >= 1.10). */
export const CLUSTER_AUTH_TYPE = "aws_eks_cluster_auth";

/**
 * `ephemeral "aws_eks_cluster_auth"`, which cdktf 0.21 has no class for. Terraform opens an ephemeral resource
 * anew in the plan and again in the apply, and never writes it to the plan file or the state. The data source of
 * the same name is read once at plan time and its token (valid ~15 minutes) is carried into the apply: an apply
 * confirmed more than 15 minutes after its plan (a Terraform Cloud run waiting for approval) fails `Unauthorized`.
 */
class EphemeralClusterAuth extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly clusterName: string,
  ) {
    super(scope, id, `ephemeral.${CLUSTER_AUTH_TYPE}`);
  }

  /** The bearer token (an ephemeral value: usable in provider configuration, never stored). */
  get token(): string {
    return Token.asString(ref(`ephemeral.${CLUSTER_AUTH_TYPE}.${this.friendlyUniqueId}.token`, this.cdktfStack));
  }

  override toTerraform(): object {
    return { ephemeral: { [CLUSTER_AUTH_TYPE]: { [this.friendlyUniqueId]: { name: this.clusterName } } } };
  }
}

/**
 * The kubernetes and helm providers of a stack, pointed at an EKS cluster. They authenticate with a token from
 * `aws_eks_cluster_auth` (signed by the AWS provider's credentials) rather than an `exec` of the aws CLI, which
 * Terraform Cloud's runners do not have. The token is ephemeral: fresh at the start of each plan and apply, and
 * valid ~15 minutes from then, so an apply must finish its Kubernetes calls within that window; a run that
 * overruns it fails `Unauthorized` and simply continues on the next run. The run role needs an EKS access entry.
 */
export class ClusterProviders extends Construct {
  readonly kubernetes: KubernetesProvider;
  readonly helm: HelmProvider;

  constructor(scope: Construct, id: string, props: ClusterProvidersProps) {
    super(scope, id);
    const auth = new EphemeralClusterAuth(this, "auth", props.clusterName);
    const connection = {
      host: props.clusterEndpoint,
      clusterCaCertificate: Fn.base64decode(props.clusterCertificateAuthority),
      token: auth.token,
    };
    this.kubernetes = new KubernetesProvider(this, "kubernetes", connection);
    this.helm = new HelmProvider(this, "helm", { kubernetes: connection });
  }
}
