import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Token, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { Naming } from "../../config/naming";

/** A Kubernetes taint put on every node of a group. */
export interface NodeTaint {
  /** Taint key, matched by the pods' tolerations. */
  readonly key: string;
  /** Taint value, matched by the pods' tolerations. */
  readonly value: string;
  /** EKS spelling: NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE. */
  readonly effect: "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE";
}

/** One managed node group. */
export interface NodeGroupSpec {
  /** Short name, unique in the cluster (general, clickhouse); part of the node group name and construct id. */
  readonly name: string;
  /** EC2 instance types, first preferred; all of `architecture`. */
  readonly instanceTypes: string[];
  /** CPU architecture; picks the AL2023 AMI type. */
  readonly architecture: "arm64" | "x86_64";
  /** ON_DEMAND or SPOT. */
  readonly capacityType: "ON_DEMAND" | "SPOT";
  /** Fewest nodes the Cluster Autoscaler keeps. */
  readonly minSize: number;
  /** Node count at creation only: the Cluster Autoscaler owns it afterwards. */
  readonly desiredSize: number;
  /** Most nodes the Cluster Autoscaler may start. */
  readonly maxSize: number;
  /** Root volume size of each node, GiB. */
  readonly diskSizeGiB: number;
  /** Subnets the group's nodes are launched in. */
  readonly subnetIds: string[];
  /**
   * Kubernetes labels of the nodes.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Taints of the nodes.
   * @default - none
   */
  readonly taints?: NodeTaint[];
}

export interface NodeGroupsProps {
  /** Names the node role and the node groups. */
  readonly naming: Naming;
  /** Name of the cluster (a reference to it, so groups are created after the control plane). */
  readonly clusterName: string;
  /** Kubernetes version of the nodes; pass the cluster's so nodes follow control-plane upgrades. */
  readonly kubernetesVersion: string;
  /** The node groups. */
  readonly groups: NodeGroupSpec[];
  /**
   * ARN pattern of the ECR pull-through cache repositories (arn:aws:ecr:<region>:<account>:repository/<prefix>/*):
   * the first pull of an image through the cache creates the repository and imports the image as the node role.
   * @default - no image cache permissions
   */
  readonly imageCacheRepositoryArn?: string;
  /**
   * What the nodes need before they can join, such as the VPC CNI add-on.
   * @default - nothing beyond the cluster
   */
  readonly dependsOn?: ITerraformDependable[];
}

const AMI_TYPES = { arm64: "AL2023_ARM_64_STANDARD", x86_64: "AL2023_x86_64_STANDARD" } as const;

// The CNI's permissions are deliberately absent: the vpc-cni add-on has its own IRSA role, so pods on the node
// cannot borrow them through the instance profile.
const NODE_POLICY_ARNS = {
  worker: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  ecr: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
};

/** Root device of the AL2023 EKS AMIs: the launch template's volume settings apply to it. */
const ROOT_DEVICE_NAME = "/dev/xvda";

/**
 * IMDSv2 only, and its token does not survive the extra hop into a pod's network namespace: pods cannot read the
 * node role's credentials. Host-network pods (aws-node, kube-proxy, the EBS CSI node) still reach it.
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#restrict-access-to-the-instance-profile-assigned-to-the-worker-node
 */
export const NODE_METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

/** EKS appends a 26-character unique suffix to a name prefix, and a node group name has at most 63. */
const MAX_NAME_PREFIX_LENGTH = 37;

/**
 * Managed node groups on Amazon Linux 2023 sharing one node role. With API authentication EKS creates the node
 * role's access entry itself. Groups are replaced create-before-destroy (name prefix), so changing an instance
 * type starts the new nodes before the old ones drain.
 */
export class NodeGroups extends Construct {
  readonly role: IamRole;
  /** Node groups by name. */
  readonly groups: Readonly<Record<string, EksNodeGroup>>;

  constructor(scope: Construct, id: string, props: NodeGroupsProps) {
    super(scope, id);
    const { naming } = props;
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [{ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
    });
    this.role = new IamRole(this, "role", { name: naming.resource("node"), assumeRolePolicy: trust.json });
    const permissions: ITerraformDependable[] = Object.entries(NODE_POLICY_ARNS).map(
      ([policy, policyArn]) => new IamRolePolicyAttachment(this, `${policy}-policy`, { role: this.role.name, policyArn }),
    );
    if (props.imageCacheRepositoryArn) permissions.push(this.imageCachePolicy(naming, props.imageCacheRepositoryArn));

    const groups: Record<string, EksNodeGroup> = {};
    for (const spec of props.groups) {
      const namePrefix = `${naming.resource(spec.name)}-`;
      if (namePrefix.length > MAX_NAME_PREFIX_LENGTH) {
        throw new Error(`node group name prefix '${namePrefix}' (${namePrefix.length} characters) exceeds ${MAX_NAME_PREFIX_LENGTH}; shorten namePrefix or the environment name`);
      }
      const template = this.launchTemplate(naming, spec);
      groups[spec.name] = new EksNodeGroup(this, spec.name, {
        clusterName: props.clusterName,
        nodeGroupNamePrefix: namePrefix,
        version: props.kubernetesVersion,
        nodeRoleArn: this.role.arn,
        subnetIds: spec.subnetIds,
        amiType: AMI_TYPES[spec.architecture],
        instanceTypes: spec.instanceTypes,
        capacityType: spec.capacityType,
        // With a launch template the disk size lives in the template (EKS rejects both), and SSH remote access is
        // not allowed at all: nodes are reached through SSM or not at all.
        launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
        scalingConfig: { minSize: spec.minSize, desiredSize: spec.desiredSize, maxSize: spec.maxSize },
        labels: spec.labels ? { ...spec.labels } : undefined,
        taint: spec.taints?.map((taint) => ({ ...taint })),
        // The role's policies must exist before nodes join and outlive them on destroy.
        dependsOn: [...permissions, ...(props.dependsOn ?? [])],
        // The Cluster Autoscaler (app stack) owns the desired size after creation: applying the configured one
        // again would undo its scaling on every apply. The cost: raising `minSize` above the current node count
        // fails until the desired size is raised first (docs/network.md).
        lifecycle: { createBeforeDestroy: true, ignoreChanges: ["scaling_config[0].desired_size"] },
      });
    }
    this.groups = groups;
  }

  /**
   * The group's launch template: metadata options and an encrypted gp3 root volume. No AMI and no instance type:
   * EKS keeps choosing the AL2023 image of `amiType` for the cluster version, and the group lists the types.
   */
  private launchTemplate(naming: Naming, spec: NodeGroupSpec): LaunchTemplate {
    return new LaunchTemplate(this, `${spec.name}-template`, {
      name: naming.resource("node", spec.name),
      description: `Nodes of the ${spec.name} group: IMDSv2 with hop limit 1, encrypted gp3 root volume`,
      metadataOptions: { ...NODE_METADATA_OPTIONS },
      blockDeviceMappings: [
        {
          deviceName: ROOT_DEVICE_NAME,
          // Encrypted with the account's EBS key (aws/ebs): node disks hold image layers and pod logs, not data.
          ebs: { volumeSize: spec.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
        },
      ],
    });
  }

  /** ECR pull-through cache: a first pull creates the cache repository and imports the upstream image. */
  private imageCachePolicy(naming: Naming, repositoryArn: string): IamRolePolicy {
    const document = new DataAwsIamPolicyDocument(this, "image-cache", {
      statement: [{ effect: "Allow", actions: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], resources: [repositoryArn] }],
    });
    return new IamRolePolicy(this, "image-cache-policy", { name: naming.resource("node", "image-cache"), role: this.role.name, policy: document.json });
  }
}
