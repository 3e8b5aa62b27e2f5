import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamRole } from "@cdktf/provider-aws/lib/data-aws-iam-role";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { Construct } from "constructs";
import { requireClusterAdmins } from "../config/cluster-admins";
import type { EnvironmentConfig } from "../config/schema";
import { ClusterAccess, type ClusterAdmin } from "../constructs/cluster/cluster-access";
import { ClusterReadAccess } from "../constructs/cluster/cluster-read-access";
import { EksAddons } from "../constructs/cluster/eks-addons";
import { EksCluster } from "../constructs/cluster/eks-cluster";
import { NodeGroups, type NodeGroupSpec } from "../constructs/cluster/node-groups";
import { deployingPrincipalArn } from "../constructs/identity/key-policy";
import { Vpc } from "../constructs/network/vpc";
import { NETWORK_OUTPUTS } from "../contract/outputs";
import { publishOutputs } from "../contract/publish";
import { CLICKHOUSE_NODE_LABEL, CLICKHOUSE_TAINT } from "../contract/scheduling";
import { EnvironmentStack } from "./environment-stack";

/** VPC and EKS: everything deps and app run on. */
export class NetworkStack extends EnvironmentStack {
  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, "network", config);
    const { naming } = this;
    const account = new DataAwsCallerIdentity(this, "account");

    const network = new Vpc(this, "vpc", {
      naming,
      region: config.region,
      cidr: config.network.vpcCidr,
      azCount: config.network.azCount,
      clusterName: naming.clusterName,
      privateSubnets: config.network.privateSubnets,
      natGateways: config.network.natGateways,
    });
    const workloadSubnetIds = network.workloadSubnets.map((subnet) => subnet.id);

    const eks = new EksCluster(this, "eks", {
      naming,
      kubernetesVersion: config.cluster.kubernetesVersion,
      subnetIds: network.allSubnets.map((subnet) => subnet.id),
      serviceIpv4Cidr: config.cluster.serviceIpv4Cidr,
      endpointPublicAccess: config.cluster.endpointPublicAccess,
      publicAccessCidrs: [...config.cluster.publicAccessCidrs],
      logTypes: [...config.cluster.logTypes],
      logRetentionDays: config.cluster.logRetentionDays,
      secretsEncryption: config.cluster.secretsEncryption,
      account: { accountId: account.accountId, partition: new DataAwsPartition(this, "partition").partition },
      secretsKeyUserArns: [deployingPrincipalArn(this, "deployer"), ...config.cluster.adminPrincipalArns],
      // Every networking add-on is an EKS managed add-on (below), installed before the first node joins.
      bootstrapSelfManagedAddons: false,
    });
    const { cluster } = eks;

    new ClusterAccess(this, "access", { clusterName: cluster.name, admins: this.clusterAdmins() });
    if (config.backend.type === "cloud") {
      // The app workspace's plans refresh its Kubernetes resources as the read-only plan role.
      const appPlanRole = new DataAwsIamRole(this, "app-plan-role", { name: naming.planRole("app") });
      new ClusterReadAccess(this, "app-plan-access", { clusterName: cluster.name, principalArn: appPlanRole.arn });
    }

    const addons = new EksAddons(this, "addons", {
      naming,
      clusterName: cluster.name,
      kubernetesVersion: config.cluster.kubernetesVersion,
      oidcProviderArn: eks.oidcProvider.arn,
      oidcProviderUrl: eks.oidcProviderUrl,
    });
    const nodes = new NodeGroups(this, "nodes", {
      naming,
      clusterName: cluster.name,
      kubernetesVersion: cluster.version,
      groups: this.nodeGroupSpecs(workloadSubnetIds),
      imageCacheRepositoryArn: config.imageCache.enabled
        ? `arn:aws:ecr:${config.region}:${account.accountId}:repository/${naming.imageCachePrefix}/*`
        : undefined,
      dependsOn: addons.nodePrerequisites,
    });
    addons.waitForNodes(Object.values(nodes.groups));

    publishOutputs(this, NETWORK_OUTPUTS, {
      vpc_id: network.vpc.id,
      vpc_cidr: network.vpc.cidrBlock,
      availability_zones: network.publicSubnets.map((subnet) => subnet.availabilityZone),
      public_subnet_ids: network.publicSubnets.map((subnet) => subnet.id),
      workload_subnet_ids: workloadSubnetIds,
      cluster_name: cluster.name,
      cluster_endpoint: cluster.endpoint,
      cluster_certificate_authority: cluster.certificateAuthority.get(0).data,
      cluster_version: cluster.version,
      cluster_security_group_id: cluster.vpcConfig.clusterSecurityGroupId,
      oidc_provider_arn: eks.oidcProvider.arn,
      oidc_provider_url: eks.oidcProviderUrl,
    });
  }

  /**
   * The configured admins (at least one: config/cluster-admins.ts), plus, with Terraform Cloud, the app workspace's apply role: the app stack's helm and
   * kubernetes providers authenticate as that role when applying (the workspaces stack creates it under exactly this name).
   * The role is looked up, not spelled as an ARN: EKS rejects an access entry for a principal that does not exist,
   * so a network run before the workspaces stack's apply fails at plan time, naming the missing role, instead of
   * halfway through the first apply with a cluster already built.
   */
  private clusterAdmins(): ClusterAdmin[] {
    // At least one person: the run role below is a machine, and nobody else could ever run kubectl.
    const admins = requireClusterAdmins(this.config).map((principalArn) => ({ id: adminId(principalArn), principalArn }));
    if (this.config.backend.type !== "cloud") return admins;
    const appRunRole = new DataAwsIamRole(this, "app-run-role", { name: this.naming.runRole("app") });
    return [...admins, { id: "app-run-role", principalArn: appRunRole.arn }];
  }

  private nodeGroupSpecs(workloadSubnetIds: string[]): NodeGroupSpec[] {
    const { general, clickhouse } = this.config.nodeGroups;
    // A single-AZ group lives in the first zone: the one prod's NAT and dedicated ClickHouse node use too.
    const subnetsOf = (group: { singleAz: boolean }) => (group.singleAz ? workloadSubnetIds.slice(0, 1) : workloadSubnetIds);
    const specs: NodeGroupSpec[] = [{ name: "general", ...general, instanceTypes: [...general.instanceTypes], subnetIds: subnetsOf(general) }];
    if (clickhouse) {
      specs.push({
        name: "clickhouse",
        ...clickhouse,
        instanceTypes: [...clickhouse.instanceTypes],
        subnetIds: subnetsOf(clickhouse),
        labels: { [CLICKHOUSE_NODE_LABEL.key]: CLICKHOUSE_NODE_LABEL.value },
        taints: [{ ...CLICKHOUSE_TAINT, effect: "NO_SCHEDULE" }],
      });
    }
    return specs;
  }
}

/** A stable construct id per principal ARN: account and resource, e.g. admin-123456789012-role-platform-admin. */
function adminId(principalArn: string): string {
  const [, , , , accountId, resource] = principalArn.split(":");
  return `admin-${accountId}-${resource}`.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

