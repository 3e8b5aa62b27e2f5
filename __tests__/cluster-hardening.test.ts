import { afterAll, describe, expect, it } from "vitest";
import { PROFILES } from "../config/profiles";
import { cleanupSynth, environment, loadInline, onlyResource, resources, synthesize, type TfJson } from "./support/synth";
import { configErrorOf } from "./support/errors";

afterAll(cleanupSynth);

/** A minimal document whose only environment is `name` with `overrides`; a prod one gets the keys prod requires. */
function inline(profile: "dev" | "prod", overrides: object) {
  const prodBasics = profile === "prod" ? { langfuse: { domain: "langfuse.test.invalid" }, ingress: { hostedZoneId: "ZTESTZONE1" }, imageCache: { enabled: false } } : {};
  return loadInline({ environments: { e: { profile, ...prodBasics, ...overrides } } }, "e");
}

describe("who reaches the Kubernetes API", () => {
  it("gives prod no default: the profile lists no CIDR and does not acknowledge an open endpoint", () => {
    expect(PROFILES.prod.cluster.publicAccessCidrs).toEqual([]);
    expect(PROFILES.prod.cluster.publicAccessFromInternet).toBe(false);
    const error = configErrorOf(() => inline("prod", {}));
    expect(error.key).toBe("environments.e.cluster.publicAccessCidrs");
    expect(error.fix).toMatch(/agentPoolId/);
    expect(error.fix).toMatch(/publicAccessFromInternet: true/);
  });

  it("rejects 0.0.0.0/0 without the acknowledgement, naming the entry", () => {
    const error = configErrorOf(() => inline("prod", { cluster: { publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] } }));
    expect(error.key).toBe("environments.e.cluster.publicAccessCidrs.1");
    expect(error.value).toBe("0.0.0.0/0");
    expect(error.fix).toMatch(/publicAccessFromInternet: true/);
  });

  it("rejects a restricted or private endpoint with Terraform Cloud's shared workers, which have no published addresses", () => {
    const restricted = configErrorOf(() => inline("prod", { cluster: { publicAccessCidrs: ["203.0.113.0/24"] } }));
    expect(restricted.key).toBe("environments.e.workspaces.agentPoolId");
    expect(restricted.fix).toMatch(/limited to 203\.0\.113\.0\/24/);
    const privateOnly = configErrorOf(() => inline("dev", { cluster: { endpointPublicAccess: false } }));
    expect(privateOnly.key).toBe("environments.e.workspaces.agentPoolId");
    expect(privateOnly.fix).toMatch(/private/);
  });

  it("accepts a restricted endpoint without Terraform Cloud, and a private one with an agent pool", () => {
    const s3 = { backend: { type: "s3", bucket: "state-bucket", region: "us-east-1", keyPrefix: "langfuse" } };
    expect(inline("prod", { ...s3, cluster: { publicAccessCidrs: ["203.0.113.0/24"] } }).config.cluster.publicAccessCidrs).toEqual(["203.0.113.0/24"]);
    const agent = inline("prod", { cluster: { endpointPublicAccess: false }, workspaces: { agentPoolId: "apool-Abc123" } });
    expect(agent.config.workspaces.agentPoolId).toBe("apool-Abc123");
  });

  it("rejects an agent pool id of the wrong shape", () => {
    const error = configErrorOf(() => inline("dev", { workspaces: { agentPoolId: "my-pool" } }));
    expect(error.key).toBe("environments.e.workspaces.agentPoolId");
  });

  it("runs only the app workspace on the agent pool; the network workspace creates the VPC the agent lives in", () => {
    const config = environment("prod", { cluster: { endpointPublicAccess: false, publicAccessFromInternet: false }, workspaces: { agentPoolId: "apool-Abc123" } });
    const { network, workspaces } = synthesize(config);
    expect(onlyResource(network, "aws_eks_cluster").vpc_config).toMatchObject({ endpoint_public_access: false, endpoint_private_access: true });
    expect(onlyResource(network, "aws_eks_cluster").vpc_config.public_access_cidrs).toBeUndefined();
    const settings = Object.entries(resources(workspaces, "tfe_workspace_settings"));
    const app = settings.filter(([logical]) => logical.includes("_app_"));
    const others = settings.filter(([logical]) => !logical.includes("_app_"));
    expect(app).toHaveLength(1);
    expect(app[0][1]).toMatchObject({ execution_mode: "agent", agent_pool_id: "apool-Abc123" });
    expect(others.length).toBeGreaterThan(0);
    for (const [, other] of others) expect(other).toMatchObject({ execution_mode: "remote" });
    for (const [, other] of others) expect(other.agent_pool_id).toBeUndefined();
  });
});

const templatesOf = (network: TfJson) => resources(network, "aws_launch_template");

describe("nodes", () => {
  const stacks = [
    ["dev", synthesize(environment("dev")).network],
    ["prod", synthesize(environment("prod")).network],
  ] as const;

  it.each(stacks)("%s: every node group launches from a template requiring IMDSv2 with hop limit 1", (_, network) => {
    const groups = Object.values(resources(network, "aws_eks_node_group"));
    expect(groups.length).toBeGreaterThan(0);
    const templates = templatesOf(network);
    for (const group of groups) {
      const match = /^\$\{aws_launch_template\.([^.]+)\.id\}$/.exec(group.launch_template?.id ?? "");
      expect(match, "node group without a launch template").not.toBeNull();
      expect(group.launch_template.version).toBe(`\${aws_launch_template.${match![1]}.latest_version}`);
      expect(templates[match![1]].metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 });
    }
  });

  it.each(stacks)("%s: root volumes are encrypted gp3 of the configured size, and nothing EKS rejects next to a template", (name, network) => {
    const expected = PROFILES[name].nodeGroups;
    for (const [logical, group] of Object.entries(resources(network, "aws_eks_node_group"))) {
      // EKS refuses disk_size and remote_access on a group with a launch template.
      expect(group.disk_size).toBeUndefined();
      expect(group.remote_access).toBeUndefined();
      const template = templatesOf(network)[/aws_launch_template\.([^.]+)\.id/.exec(group.launch_template.id)![1]];
      // An AMI or instance type in the template would fight the group's amiType and instance_types.
      expect(template.image_id).toBeUndefined();
      expect(template.instance_type).toBeUndefined();
      const groupName = logical.startsWith("nodes_clickhouse") ? "clickhouse" : "general";
      expect(template.block_device_mappings).toEqual([
        { device_name: "/dev/xvda", ebs: { volume_size: expected[groupName]!.diskSizeGiB, volume_type: "gp3", encrypted: "true", delete_on_termination: "true" } },
      ]);
    }
  });

  it("switches on the VPC CNI's network policy engine, or the app stack's NetworkPolicies would be ignored", () => {
    for (const [, network] of stacks) {
      const cni = Object.values(resources(network, "aws_eks_addon")).find((addon) => addon.addon_name === "vpc-cni");
      expect(JSON.parse(cni?.configuration_values ?? "{}")).toMatchObject({ enableNetworkPolicy: "true" });
    }
  });
});
