import { createApp } from "../stacks/app-factory";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { TerraformStack, Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { cidrsOverlap, parseCidr, type Ipv4Block } from "../config/cidr";
import { Naming } from "../config/naming";
import type { EnvironmentConfig } from "../config/schema";
import { ClusterAccess } from "../constructs/cluster/cluster-access";
import { NodeGroups, type NodeGroupSpec } from "../constructs/cluster/node-groups";
import { Vpc } from "../constructs/network/vpc";
import { NETWORK_OUTPUTS } from "../contract/outputs";
import { CLICKHOUSE_NODE_LABEL, CLICKHOUSE_TAINT } from "../contract/scheduling";
import { NetworkStack } from "../stacks/network-stack";
import { cleanupSynth, dataSources, environment, onlyResource, resources, synthesize, type TfJson } from "./support/synth";

const outdir = mkdtempSync(join(tmpdir(), "langfuse-network-"));
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  cleanupSynth();
});

/** The network stack alone: it reads no upstream outputs, so the other stacks need not be synthesized. */
function synthNetwork(config: EnvironmentConfig): { json: TfJson; text: string } {
  const app = createApp(outdir);
  const text = Testing.synth(new NetworkStack(app, config));
  return { json: JSON.parse(text), text };
}

/** An app for construct-level error tests, writing into the same temporary folder. */
const scratchApp = () => createApp(outdir);

const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";
const BREAK_GLASS = "arn:aws:iam::123456789012:user/break-glass";

const dev = synthNetwork(environment("dev"));
const prod = synthNetwork(
  environment("prod", {
    cluster: { adminPrincipalArns: [ADMIN, BREAK_GLASS], publicAccessCidrs: ["203.0.113.0/24"], publicAccessFromInternet: false },
    workspaces: { agentPoolId: "apool-Test123" },
  }),
);
/** A prod variant: a NAT per AZ, a local state file, x86 general nodes, no image cache. */
const variant = synthNetwork(
  environment("prod", {
    backend: { type: "local", directory: ".state" },
    network: { natGateways: "perAz" },
    nodeGroups: { general: { instanceTypes: ["t3.medium"], architecture: "x86_64" } },
    imageCache: { enabled: false },
  }),
);

const subnets = (json: TfJson, kind: "public" | "private") =>
  Object.entries(resources(json, "aws_subnet"))
    .filter(([logical]) => logical.startsWith(`vpc_${kind}-`))
    .map(([, subnet]) => subnet);

/** `${aws_subnet.<logical>.id}` for every subnet of a kind, in AZ order. */
const subnetRefs = (json: TfJson, kind: "public" | "private") =>
  Object.keys(resources(json, "aws_subnet"))
    .filter((logical) => logical.startsWith(`vpc_${kind}-`))
    .map((logical) => `\${aws_subnet.${logical}.id}`);

const nodeGroup = (json: TfJson, name: string) => {
  const [group] = Object.entries(resources(json, "aws_eks_node_group")).filter(([logical]) => logical.startsWith(`nodes_${name}_`));
  return group?.[1];
};

const block = (cidr: string): Ipv4Block => {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`not a CIDR: ${cidr}`);
  return parsed;
};

describe("VPC", () => {
  it("gives dev two public /20 subnets in slots 8 and 9 and no private subnet", () => {
    expect(subnets(dev.json, "public").map((s) => s.cidr_block)).toEqual(["10.0.128.0/20", "10.0.144.0/20"]);
    expect(subnets(dev.json, "private")).toHaveLength(0);
  });

  it("gives prod three private subnets in slots 0-2 and three public ones in slots 8-10", () => {
    expect(subnets(prod.json, "private").map((s) => s.cidr_block)).toEqual(["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]);
    expect(subnets(prod.json, "public").map((s) => s.cidr_block)).toEqual(["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]);
  });

  it("carves non-overlapping subnets inside the VPC, one per AZ and kind", () => {
    for (const { json } of [dev, prod]) {
      const vpc = block(onlyResource(json, "aws_vpc").cidr_block);
      const all = Object.values(resources(json, "aws_subnet"));
      const blocks = all.map((subnet) => block(subnet.cidr_block));
      blocks.forEach((subnet, i) => {
        expect(subnet.network >= vpc.network && subnet.network + 2 ** (32 - subnet.prefix) <= vpc.network + 2 ** (32 - vpc.prefix)).toBe(true);
        blocks.slice(i + 1).forEach((other) => expect(cidrsOverlap(subnet, other)).toBe(false));
      });
      const zones = all.map((subnet) => subnet.availability_zone);
      expect(zones.every((zone) => /^\$\{element\(data\.aws_availability_zones\.[^.]+\.names, \d\)\}$/.test(zone))).toBe(true);
    }
  });

  it("carves a non-default VPC CIDR the same way", () => {
    const json = synthNetwork(environment("dev", { network: { vpcCidr: "10.42.0.0/16" } })).json;
    expect(subnets(json, "public").map((s) => s.cidr_block)).toEqual(["10.42.128.0/20", "10.42.144.0/20"]);
  });

  it("picks AZs EKS supports: available, not opt-in zones, without the zone ids EKS rejects", () => {
    const [zones] = Object.values(dataSources(prod.json, "aws_availability_zones"));
    expect(zones.state).toBe("available");
    expect(zones.exclude_zone_ids).toContain("use1-az3");
    expect(zones.filter).toEqual([{ name: "opt-in-status", values: ["opt-in-not-required"] }]);
  });

  it("turns on DNS support and hostnames", () => {
    expect(onlyResource(dev.json, "aws_vpc")).toMatchObject({ cidr_block: "10.0.0.0/16", enable_dns_hostnames: true, enable_dns_support: true });
  });

  it("gives dev nodes public addresses and no NAT gateway", () => {
    expect(subnets(dev.json, "public").every((s) => s.map_public_ip_on_launch === true)).toBe(true);
    expect(resources(dev.json, "aws_nat_gateway")).toEqual({});
    expect(resources(dev.json, "aws_eip")).toEqual({});
  });

  it("gives prod one NAT per AZ when natGateways is perAz, each private route table using its own AZ's NAT", () => {
    const nats = Object.keys(resources(variant.json, "aws_nat_gateway"));
    expect(nats).toHaveLength(3);
    const privateRoutes = Object.entries(resources(variant.json, "aws_route")).filter(([logical]) => logical.startsWith("vpc_private-"));
    expect(privateRoutes.map(([, route]) => route.nat_gateway_id).sort()).toEqual(nats.map((nat) => `\${aws_nat_gateway.${nat}.id}`).sort());
  });

  it("routes every private subnet of prod through one NAT in the AZ of the ClickHouse nodes", () => {
    const [nat, ...others] = Object.values(resources(prod.json, "aws_nat_gateway"));
    expect(others).toHaveLength(0);
    expect(subnets(prod.json, "public").every((s) => s.map_public_ip_on_launch === false)).toBe(true);
    const [natLogical] = Object.keys(resources(prod.json, "aws_nat_gateway"));
    const privateRoutes = Object.values(resources(prod.json, "aws_route")).filter((route) => route.nat_gateway_id);
    expect(privateRoutes).toHaveLength(3);
    expect(new Set(privateRoutes.map((route) => route.nat_gateway_id))).toEqual(new Set([`\${aws_nat_gateway.${natLogical}.id}`]));
    // Both in AZ 0: the NAT in public subnet 0, the ClickHouse nodes in workload subnet 0.
    expect(nat.subnet_id).toBe(subnetRefs(prod.json, "public")[0]);
    expect(nodeGroup(prod.json, "clickhouse").subnet_ids).toEqual([subnetRefs(prod.json, "private")[0]]);
  });

  it("routes public subnets to the internet gateway", () => {
    const [igw] = Object.keys(resources(prod.json, "aws_internet_gateway"));
    const igwRoutes = Object.values(resources(prod.json, "aws_route")).filter((route) => route.gateway_id === `\${aws_internet_gateway.${igw}.id}`);
    expect(igwRoutes).toEqual([expect.objectContaining({ destination_cidr_block: "0.0.0.0/0" })]);
    expect(Object.keys(resources(prod.json, "aws_route_table_association"))).toHaveLength(6);
  });

  it("tags subnets for load balancer discovery", () => {
    for (const subnet of subnets(prod.json, "public")) {
      expect(subnet.tags).toMatchObject({ "kubernetes.io/cluster/langfuse-prod": "shared", "kubernetes.io/role/elb": "1" });
      expect(subnet.tags).not.toHaveProperty("kubernetes.io/role/internal-elb");
    }
    for (const subnet of subnets(prod.json, "private")) {
      expect(subnet.tags).toMatchObject({ "kubernetes.io/cluster/langfuse-prod": "shared", "kubernetes.io/role/internal-elb": "1" });
      expect(subnet.tags).not.toHaveProperty("kubernetes.io/role/elb");
    }
  });

  it("attaches the S3 gateway endpoint to every route table", () => {
    for (const { json } of [dev, prod]) {
      const endpoint = onlyResource(json, "aws_vpc_endpoint");
      expect(endpoint).toMatchObject({ vpc_endpoint_type: "Gateway", service_name: "com.amazonaws.us-east-1.s3" });
      const tables = Object.keys(resources(json, "aws_route_table")).map((logical) => `\${aws_route_table.${logical}.id}`);
      expect(tables.length).toBeGreaterThan(0);
      expect([...endpoint.route_table_ids].sort()).toEqual(tables.sort());
    }
  });
});

describe("EKS cluster", () => {
  it("uses API authentication without an implicit creator admin, at the configured version", () => {
    for (const { text } of [dev, prod]) {
      expect(text).toHaveResourceWithProperties(EksCluster, {
        version: "1.35",
        access_config: { authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false },
      });
    }
    expect(onlyResource(dev.json, "aws_eks_cluster").name).toBe("langfuse-dev");
  });

  it("spans every subnet and uses the configured service CIDR", () => {
    const cluster = onlyResource(prod.json, "aws_eks_cluster");
    expect([...cluster.vpc_config.subnet_ids].sort()).toEqual([...subnetRefs(prod.json, "public"), ...subnetRefs(prod.json, "private")].sort());
    expect(cluster.kubernetes_network_config).toEqual({ service_ipv4_cidr: "172.20.0.0/16" });
  });

  it("sends the configured log types to a log group it creates first, with the configured retention", () => {
    for (const [{ json }, types, days] of [
      [dev, ["api", "audit", "authenticator"], 30],
      [prod, ["api", "audit", "authenticator", "controllerManager", "scheduler"], 90],
    ] as const) {
      const cluster = onlyResource(json, "aws_eks_cluster");
      const [logical, group] = Object.entries(resources(json, "aws_cloudwatch_log_group"))[0];
      expect(cluster.enabled_cluster_log_types).toEqual(types);
      expect(group).toMatchObject({ name: `/aws/eks/${cluster.name}/cluster`, retention_in_days: days });
      expect(cluster.depends_on).toContain(`aws_cloudwatch_log_group.${logical}`);
    }
  });

  it("envelope-encrypts Secrets with a rotating KMS key in prod only", () => {
    const [keyLogical, key] = Object.entries(resources(prod.json, "aws_kms_key"))[0];
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(onlyResource(prod.json, "aws_eks_cluster").encryption_config).toEqual({
      resources: ["secrets"],
      provider: { key_arn: `\${aws_kms_key.${keyLogical}.arn}` },
    });
    expect(onlyResource(dev.json, "aws_eks_cluster").encryption_config).toBeUndefined();
    expect(resources(dev.json, "aws_kms_key")).toEqual({});
  });

  it("restricts the public endpoint to the configured CIDRs and keeps the private endpoint on", () => {
    expect(onlyResource(prod.json, "aws_eks_cluster").vpc_config).toMatchObject({
      endpoint_public_access: true,
      endpoint_private_access: true,
      public_access_cidrs: ["203.0.113.0/24"],
    });
    const privateOnly = synthNetwork(environment("dev", { cluster: { endpointPublicAccess: false }, workspaces: { agentPoolId: "apool-Test123" } })).json;
    expect(onlyResource(privateOnly, "aws_eks_cluster").vpc_config).toMatchObject({ endpoint_public_access: false, endpoint_private_access: true });
  });

  it("registers the cluster issuer as an IAM OIDC provider for sts.amazonaws.com", () => {
    const [clusterLogical] = Object.keys(resources(prod.json, "aws_eks_cluster"));
    expect(onlyResource(prod.json, "aws_iam_openid_connect_provider")).toMatchObject({
      url: `\${aws_eks_cluster.${clusterLogical}.identity[0].oidc[0].issuer}`,
      client_id_list: ["sts.amazonaws.com"],
    });
  });
});

describe("access entries", () => {
  // Entries of the ClusterAccess construct (cluster-admin); the app plan role's read-only entry is tested in workspaces-isolation.test.ts.
  const admins = (json: TfJson) =>
    Object.entries(resources(json, "aws_eks_access_entry"))
      .filter(([logical]) => logical.startsWith("access_"))
      .map(([, entry]) => entry.principal_arn);

  it("makes every configured admin and the app workspace's run role cluster-admin", () => {
    expect(admins(prod.json)).toEqual([ADMIN, BREAK_GLASS, "${data.aws_iam_role.app-run-role.arn}"]);
    const associations = Object.entries(resources(prod.json, "aws_eks_access_policy_association"))
      .filter(([logical]) => logical.startsWith("access_"))
      .map(([, association]) => association);
    expect(associations).toHaveLength(3);
    for (const association of associations) {
      expect(association).toMatchObject({
        policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        access_scope: { type: "cluster" },
      });
      expect(association.principal_arn).toMatch(/^\$\{aws_eks_access_entry\.access_[^.]+\.principal_arn\}$/);
    }
  });

  it("gives the run role of the environment's own app workspace (dev), next to the configured people", () => {
    expect(admins(dev.json)).toEqual([...environment("dev").cluster.adminPrincipalArns, "${data.aws_iam_role.app-run-role.arn}"]);
    expect(dataSources(dev.json, "aws_iam_role")["app-run-role"]).toEqual({ name: "langfuse-dev-app-tfc-run" });
    expect(dataSources(dev.json, "aws_iam_role")["app-plan-role"]).toEqual({ name: "langfuse-dev-app-tfc-plan" });
  });

  it("looks the run role up by the name the workspaces stack gives it, so a network plan before the bootstrap fails", () => {
    const runRoles = Object.values(resources(synthesize(environment("prod")).workspaces, "aws_iam_role")).map((role) => role.name);
    expect(runRoles).toContain(dataSources(prod.json, "aws_iam_role")["app-run-role"].name);
  });

  it("adds no run role entry without Terraform Cloud", () => {
    expect(admins(variant.json)).toEqual(environment("prod").cluster.adminPrincipalArns);
    expect(dataSources(variant.json, "aws_iam_role")).toEqual({});
  });

  it("throws when the same principal is listed twice", () => {
    const stack = new TerraformStack(scratchApp(), "access");
    const admin = { id: "admin", principalArn: ADMIN };
    expect(() => new ClusterAccess(stack, "access", { clusterName: "c", admins: [admin, admin] })).toThrow(/'admins' lists id 'admin' twice/);
  });
});

describe("node groups", () => {
  it("runs a general group on AL2023 ARM in the workload subnets with the configured sizes (Spot in one AZ in dev, on-demand over every AZ in prod)", () => {
    expect(dev.text).toHaveResourceWithProperties(EksNodeGroup, {
      ami_type: "AL2023_ARM_64_STANDARD",
      instance_types: ["t4g.medium", "c6g.large", "c7g.large"],
      capacity_type: "SPOT",
      scaling_config: { min_size: 2, desired_size: 2, max_size: 3 },
      node_group_name_prefix: "langfuse-dev-general-",
    });
    // dev's Spot group hosts ClickHouse and Valkey, whose EBS volumes live in one zone (nodeGroups.general.singleAz)
    expect(nodeGroup(dev.json, "general").subnet_ids).toEqual([subnetRefs(dev.json, "public")[0]]);
    expect(nodeGroup(prod.json, "general").subnet_ids).toEqual(subnetRefs(prod.json, "private"));
    expect(nodeGroup(prod.json, "general").scaling_config).toEqual({ min_size: 2, desired_size: 2, max_size: 5 });
    expect(nodeGroup(prod.json, "general").capacity_type).toBe("ON_DEMAND");
  });

  it("leaves the desired size to the Cluster Autoscaler after creation and follows the control-plane version", () => {
    for (const group of [nodeGroup(dev.json, "general"), nodeGroup(prod.json, "general"), nodeGroup(prod.json, "clickhouse")]) {
      expect(group.lifecycle).toEqual({ create_before_destroy: true, ignore_changes: ["scaling_config[0].desired_size"] });
    }
    const general = nodeGroup(prod.json, "general");
    expect(general.version).toMatch(/^\$\{aws_eks_cluster\.[^.]+\.version\}$/);
  });

  it("switches to the x86 AL2023 AMI for an x86 group", () => {
    expect(nodeGroup(variant.json, "general")).toMatchObject({ ami_type: "AL2023_x86_64_STANDARD", instance_types: ["t3.medium"] });
    expect(nodeGroup(variant.json, "clickhouse").ami_type).toBe("AL2023_ARM_64_STANDARD");
  });

  it("adds a tainted, labelled ClickHouse group in prod only, in one workload subnet", () => {
    expect(nodeGroup(dev.json, "clickhouse")).toBeUndefined();
    const clickhouse = nodeGroup(prod.json, "clickhouse");
    expect(clickhouse).toMatchObject({
      ami_type: "AL2023_ARM_64_STANDARD",
      instance_types: ["r7g.xlarge"],
      scaling_config: { min_size: 1, desired_size: 1, max_size: 1 },
      labels: { [CLICKHOUSE_NODE_LABEL.key]: CLICKHOUSE_NODE_LABEL.value },
      taint: [{ key: CLICKHOUSE_TAINT.key, value: CLICKHOUSE_TAINT.value, effect: "NO_SCHEDULE" }],
    });
    expect(clickhouse.taint).toEqual([{ key: "dedicated", value: "clickhouse", effect: "NO_SCHEDULE" }]);
    expect(clickhouse.subnet_ids).toEqual(subnetRefs(prod.json, "private").slice(0, 1));
  });

  it("gives the node role worker and ECR read policies but not the CNI policy", () => {
    const attached = Object.values(resources(prod.json, "aws_iam_role_policy_attachment"))
      .filter((attachment) => attachment.role.startsWith("${aws_iam_role.nodes_role_"))
      .map((attachment) => attachment.policy_arn);
    expect(attached.sort()).toEqual([
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    ]);
  });

  it("lets nodes fill the pull-through cache only under the cache prefix, only with the image cache on", () => {
    const cachePolicy = Object.entries(dataSources(prod.json, "aws_iam_policy_document")).find(([logical]) => logical.startsWith("nodes_image-cache"));
    expect(cachePolicy?.[1].statement).toEqual([
      {
        effect: "Allow",
        actions: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        resources: ["arn:aws:ecr:us-east-1:${data.aws_caller_identity.account.account_id}:repository/langfuse-prod-cache/*"],
      },
    ]);
    expect(Object.keys(resources(variant.json, "aws_iam_role_policy")).some((logical) => logical.startsWith("nodes_"))).toBe(false);
  });

  it("throws when a node group name prefix exceeds what EKS accepts", () => {
    const stack = new TerraformStack(scratchApp(), "nodes");
    const naming = new Naming("a-long-name-prefix-x", "production-europe");
    const group: NodeGroupSpec = { name: "clickhouse", instanceTypes: ["r7g.xlarge"], architecture: "arm64", capacityType: "ON_DEMAND", minSize: 1, desiredSize: 1, maxSize: 1, diskSizeGiB: 30, subnetIds: ["s"] };
    expect(() => new NodeGroups(stack, "nodes", { naming, clusterName: "c", kubernetesVersion: "1.35", groups: [group] })).toThrow(
      /node group name prefix 'a-long-name-prefix-x-production-europe-clickhouse-' \(50 characters\) exceeds 37/,
    );
  });
});

describe("add-ons", () => {
  const addon = (json: TfJson, name: string) => Object.values(resources(json, "aws_eks_addon")).find((a) => a.addon_name === name);

  it("installs vpc-cni, kube-proxy, coredns, the EBS CSI driver and the CloudWatch agent at the default version for the cluster's Kubernetes version", () => {
    const versions = Object.values(dataSources(prod.json, "aws_eks_addon_version"));
    expect(versions.map((v) => v.addon_name).sort()).toEqual(["amazon-cloudwatch-observability", "aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
    for (const version of versions) expect(version).toMatchObject({ kubernetes_version: "1.35", most_recent: false });
    for (const name of ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"]) {
      expect(addon(prod.json, name)?.addon_version).toMatch(/^\$\{data\.aws_eks_addon_version\.[^.]+\.version\}$/);
    }
  });

  it("installs the networking add-ons before nodes and the others after them", () => {
    const groups = Object.keys(resources(prod.json, "aws_eks_node_group")).map((logical) => `aws_eks_node_group.${logical}`);
    for (const name of ["coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"]) expect([...addon(prod.json, name)?.depends_on].sort()).toEqual(groups.sort());
    const cni = Object.entries(resources(prod.json, "aws_eks_addon")).find(([, a]) => a.addon_name === "vpc-cni")?.[0];
    expect(nodeGroup(prod.json, "general").depends_on).toContain(`aws_eks_addon.${cni}`);
    expect(onlyResource(prod.json, "aws_eks_cluster").bootstrap_self_managed_addons).toBe(false);
  });

  it("gives the EBS CSI controller an IRSA role trusted only by its service account and the STS audience", () => {
    const ebs = addon(prod.json, "aws-ebs-csi-driver");
    const roleLogical = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(ebs?.service_account_role_arn)?.[1];
    expect(roleLogical).toMatch(/^addons_ebs-csi-role_/);
    const role = resources(prod.json, "aws_iam_role")[roleLogical as string];
    expect(role.name).toBe("langfuse-prod-ebs-csi");
    const trustLogical = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(role.assume_role_policy)?.[1];
    const [statement] = dataSources(prod.json, "aws_iam_policy_document")[trustLogical as string].statement;
    expect(statement.principals).toEqual([{ type: "Federated", identifiers: [expect.stringMatching(/^\$\{aws_iam_openid_connect_provider\./)] }]);
    expect(statement.condition).toEqual([
      { test: "StringEquals", variable: expect.stringMatching(/\.issuer, "https:\/\/", ""\)\}:sub$/), values: ["system:serviceaccount:kube-system:ebs-csi-controller-sa"] },
      { test: "StringEquals", variable: expect.stringMatching(/\.issuer, "https:\/\/", ""\)\}:aud$/), values: ["sts.amazonaws.com"] },
    ]);
    const attached = Object.values(resources(prod.json, "aws_iam_role_policy_attachment")).filter((a) => a.role === `\${aws_iam_role.${roleLogical}.name}`);
    expect(attached.map((a) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]);
  });

  it("gives the VPC CNI its own IRSA role for kube-system/aws-node with the CNI policy", () => {
    const cni = addon(dev.json, "vpc-cni");
    const roleLogical = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(cni?.service_account_role_arn)?.[1] as string;
    const role = resources(dev.json, "aws_iam_role")[roleLogical];
    const trustLogical = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(role.assume_role_policy)?.[1] as string;
    expect(dataSources(dev.json, "aws_iam_policy_document")[trustLogical].statement[0].condition[0].values).toEqual(["system:serviceaccount:kube-system:aws-node"]);
    const attached = Object.values(resources(dev.json, "aws_iam_role_policy_attachment")).filter((a) => a.role === `\${aws_iam_role.${roleLogical}.name}`);
    expect(attached.map((a) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]);
  });
});

describe("Container Insights add-on", () => {
  const addon = (json: TfJson) => Object.values(resources(json, "aws_eks_addon")).find((a) => a.addon_name === "amazon-cloudwatch-observability");

  it("collects metrics only (no container logs) with an IRSA role for amazon-cloudwatch/cloudwatch-agent and CloudWatchAgentServerPolicy", () => {
    for (const { json } of [dev, prod]) {
      const cloudwatch = addon(json);
      expect(JSON.parse(cloudwatch?.configuration_values)).toEqual({ containerLogs: { enabled: false } });
      const roleLogical = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(cloudwatch?.service_account_role_arn)?.[1] as string;
      const role = resources(json, "aws_iam_role")[roleLogical];
      expect(role.name).toMatch(/^langfuse-(dev|prod)-cloudwatch-agent$/);
      const trustLogical = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(role.assume_role_policy)?.[1] as string;
      const [statement] = dataSources(json, "aws_iam_policy_document")[trustLogical].statement;
      expect(statement.condition.map((c: TfJson) => c.values)).toEqual([["system:serviceaccount:amazon-cloudwatch:cloudwatch-agent"], ["sts.amazonaws.com"]]);
      const attached = Object.values(resources(json, "aws_iam_role_policy_attachment")).filter((a) => a.role === `\${aws_iam_role.${roleLogical}.name}`);
      expect(attached.map((a) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]);
    }
  });
});

describe("outputs", () => {
  it("publishes every NETWORK_OUTPUTS key with its description", () => {
    for (const { json } of [dev, prod]) {
      expect(Object.keys(json.output).sort()).toEqual(Object.keys(NETWORK_OUTPUTS).sort());
      for (const [name, spec] of Object.entries(NETWORK_OUTPUTS)) {
        expect(json.output[name]).toMatchObject({ description: spec.description, sensitive: spec.sensitive });
      }
    }
  });

  it("publishes workload subnets as the private ones where they exist, else the public ones", () => {
    expect(prod.json.output.workload_subnet_ids.value).toEqual(subnetRefs(prod.json, "private"));
    expect(dev.json.output.workload_subnet_ids.value).toEqual(subnetRefs(dev.json, "public"));
    expect(prod.json.output.public_subnet_ids.value).toEqual(subnetRefs(prod.json, "public"));
    expect(prod.json.output.availability_zones.value).toHaveLength(3);
  });

  it("publishes the EKS-managed cluster security group and the issuer without https://", () => {
    const [cluster] = Object.keys(resources(prod.json, "aws_eks_cluster"));
    expect(prod.json.output.cluster_security_group_id.value).toBe(`\${aws_eks_cluster.${cluster}.vpc_config[0].cluster_security_group_id}`);
    expect(prod.json.output.oidc_provider_url.value).toBe(`\${replace(aws_eks_cluster.${cluster}.identity[0].oidc[0].issuer, "https://", "")}`);
    expect(prod.json.output.cluster_certificate_authority.value).toBe(`\${aws_eks_cluster.${cluster}.certificate_authority[0].data}`);
  });
});

describe("VPC construct errors", () => {
  const naming = new Naming("langfuse", "test");
  const build = (overrides: object) => () =>
    new Vpc(new TerraformStack(scratchApp(), "vpc"), "vpc", { naming, region: "us-east-1", cidr: "10.0.0.0/16", azCount: 2, clusterName: "c", ...overrides });

  it("throws when the CIDR is not a /16 to /20 block", () => {
    expect(build({ cidr: "10.0.0.0/24" })).toThrow("'cidr' (10.0.0.0/24) must be a VPC block between /16 and /20");
  });

  it("throws when the AZ count leaves no room for private and public slots", () => {
    expect(build({ azCount: 9 })).toThrow("'azCount' (9) must be between 2 and 8");
  });

  it("throws when private subnets have no NAT gateway", () => {
    expect(build({ privateSubnets: true, natGateways: "none" })).toThrow(/'natGateways' \("none"\) leaves private subnets without a route/);
  });
});
