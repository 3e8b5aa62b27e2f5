import { DataAwsEksAddonVersion } from "@cdktf/provider-aws/lib/data-aws-eks-addon-version";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { dependable, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { Naming } from "../../config/naming";
import { IrsaRole } from "../identity/irsa-role";
import { CLOUDWATCH_OBSERVABILITY_CONFIGURATION } from "./cloudwatch-observability";

export interface EksAddonsProps {
  /** Names the add-ons' IRSA roles. */
  readonly naming: Naming;
  /** Name of the cluster (a reference to it). */
  readonly clusterName: string;
  /** Kubernetes minor version of the cluster; selects each add-on's default version. */
  readonly kubernetesVersion: string;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** Issuer of the OIDC provider without https://. */
  readonly oidcProviderUrl: string;
}

/*
 * Versions: EKS publishes, per Kubernetes minor, a default version of each add-on (tested together by AWS).
 * `most_recent = false` selects that default, so add-on versions are pinned by the cluster's Kubernetes version:
 * they change when the cluster is upgraded, not whenever AWS ships a patch between two plans.
 */
const KUBE_SYSTEM = "kube-system";

/** Where the amazon-cloudwatch-observability add-on runs its CloudWatch agent (not kube-system). */
export const CLOUDWATCH_AGENT_SERVICE_ACCOUNT = { namespace: "amazon-cloudwatch", name: "cloudwatch-agent" } as const;

export { CLOUDWATCH_OBSERVABILITY_CONFIGURATION };

/*
 * The CNI's network policy agent enforces Kubernetes NetworkPolicies (the app stack's default deny and the flows
 * Langfuse needs); without it they are accepted and silently ignored. The add-on's schema takes a string.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
 */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;

/**
 * The EKS managed add-ons: vpc-cni and kube-proxy (which nodes need before they turn Ready), coredns, the EBS CSI
 * driver and the CloudWatch observability agent (Container Insights; these need nodes to run on). The VPC CNI, the
 * EBS CSI controller and the CloudWatch agent get IRSA roles of their own, so their permissions are not on the node
 * role where every pod could use them.
 */
export class EksAddons extends Construct {
  /** Add-ons to install before any node joins. */
  readonly nodePrerequisites: EksAddon[];
  /** Add-ons whose pods need nodes: they wait for the node groups (see `waitForNodes`). */
  readonly nodeDependents: EksAddon[];
  readonly vpcCniRole: IrsaRole;
  readonly ebsCsiRole: IrsaRole;
  readonly cloudwatchAgentRole: IrsaRole;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: EksAddonsProps,
  ) {
    super(scope, id);
    const { naming } = props;
    this.vpcCniRole = this.irsaRole("vpc-cni-role", naming.resource("vpc-cni"), "aws-node", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
    this.ebsCsiRole = this.irsaRole(
      "ebs-csi-role",
      naming.resource("ebs-csi"),
      "ebs-csi-controller-sa",
      "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
    );
    this.cloudwatchAgentRole = this.irsaRole(
      "cloudwatch-agent-role",
      naming.resource("cloudwatch-agent"),
      CLOUDWATCH_AGENT_SERVICE_ACCOUNT.name,
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
      CLOUDWATCH_AGENT_SERVICE_ACCOUNT.namespace,
    );
    this.nodePrerequisites = [this.addon("vpc-cni", this.vpcCniRole, VPC_CNI_CONFIGURATION), this.addon("kube-proxy")];
    this.nodeDependents = [
      this.addon("coredns"),
      this.addon("aws-ebs-csi-driver", this.ebsCsiRole),
      this.addon("amazon-cloudwatch-observability", this.cloudwatchAgentRole, CLOUDWATCH_OBSERVABILITY_CONFIGURATION),
    ];
  }

  /**
   * Makes the add-ons with pods (coredns, EBS CSI driver, CloudWatch agent) wait for `nodeGroups`: without nodes
   * their pods stay Pending and the add-on never turns ACTIVE, which fails the apply after the add-on's timeout.
   */
  waitForNodes(nodeGroups: ITerraformDependable[]): void {
    for (const addon of this.nodeDependents) addon.dependsOn = [...(addon.dependsOn ?? []), ...nodeGroups.map(dependable)];
  }

  private addon(name: string, role?: IrsaRole, configuration?: object): EksAddon {
    const version = new DataAwsEksAddonVersion(this, `${name}-version`, {
      addonName: name,
      kubernetesVersion: this.props.kubernetesVersion,
      mostRecent: false,
    });
    return new EksAddon(this, name, {
      clusterName: this.props.clusterName,
      addonName: name,
      addonVersion: version.version,
      serviceAccountRoleArn: role?.role.arn,
      configurationValues: configuration ? JSON.stringify(configuration) : undefined,
      // Terraform is the only source of add-on configuration: edits made in the cluster are overwritten.
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
    });
  }

  private irsaRole(id: string, roleName: string, serviceAccount: string, managedPolicyArn: string, namespace = KUBE_SYSTEM): IrsaRole {
    return new IrsaRole(this, id, {
      roleName,
      oidcProviderArn: this.props.oidcProviderArn,
      oidcProviderUrl: this.props.oidcProviderUrl,
      namespace,
      serviceAccount,
      managedPolicyArns: [managedPolicyArn],
    });
  }
}
