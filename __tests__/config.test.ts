import { describe, expect, it } from "vitest";
import { configErrorOf } from "./support/errors";
import { environment, loadInline } from "./support/synth";

const withEnv = (name: string, settings: object, extra: object = {}) => ({ environments: { [name]: settings, ...extra } });
const prodBasics = {
  profile: "prod",
  langfuse: { domain: "langfuse.example.com" },
  ingress: { hostedZoneId: "Z0123456789ABCDEFGHIJ" },
  cluster: { publicAccessCidrs: ["0.0.0.0/0"], publicAccessFromInternet: true },
  imageCache: { dockerHubCredentialArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub" },
};


describe("environments", () => {
  it("defaults to dev when no environment is selected", () => {
    const { config } = loadInline(withEnv("dev", { profile: "dev" }));
    expect(config.name).toBe("dev");
    expect(config.network.privateSubnets).toBe(false);
    expect(config.network.natGateways).toBe("none");
    expect(config.nodeGroups.clickhouse).toBeNull();
  });

  it("gives prod private subnets with NAT, a dedicated ClickHouse node group and an ingress", () => {
    const config = environment("prod");
    expect(config.network).toMatchObject({ privateSubnets: true, natGateways: "single", azCount: 3 });
    expect(config.nodeGroups.clickhouse?.instanceTypes).toEqual(["r7g.xlarge"]);
    expect(config.ingress.enabled).toBe(true);
  });

  it("adds an environment by configuration alone, overriding its profile", () => {
    const { config } = loadInline(
      withEnv("prod-eu", { ...prodBasics, region: "eu-west-1", network: { vpcCidr: "10.20.0.0/16" }, imageCache: { dockerHubCredentialArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub" } }),
      "prod-eu",
    );
    expect(config).toMatchObject({ name: "prod-eu", region: "eu-west-1", profile: "prod" });
    expect(config.network.vpcCidr).toBe("10.20.0.0/16");
    expect(config.network.azCount).toBe(3);
  });

  it("applies shared defaults to every environment, environment keys winning", () => {
    const document = { defaults: { region: "eu-central-1", tags: { Team: "ml" } }, environments: { dev: { tags: { Team: "obs" } } } };
    const { config } = loadInline(document);
    expect(config.region).toBe("eu-central-1");
    expect(config.tags.Team).toBe("obs");
  });

  it("returns a frozen configuration", () => {
    const config = environment("dev");
    expect(Object.isFrozen(config.network)).toBe(true);
  });
});

describe("configuration errors name the key, the value and the fix", () => {
  it("throws when the environment is unknown", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", {}), "staging"));
    expect(error.key).toBe("LANGFUSE_ENV");
    expect(error.message).toMatch(/"staging".*choose one of dev/);
  });

  it("throws when a CIDR is malformed", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { network: { vpcCidr: "10.0.0.0/33" } })));
    expect(error.key).toBe("environments.dev.network.vpcCidr");
    expect(error.message).toContain('"10.0.0.0/33"');
    expect(error.fix).toMatch(/valid IPv4 CIDR/);
  });

  it("throws when a CIDR has host bits set", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { network: { vpcCidr: "10.0.1.0/16" } })));
    expect(error.key).toBe("environments.dev.network.vpcCidr");
  });

  it("throws when the service CIDR overlaps the VPC", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { network: { vpcCidr: "172.20.0.0/16" } })));
    expect(error.key).toBe("environments.dev.cluster.serviceIpv4Cidr");
    expect(error.fix).toMatch(/overlaps the VPC 172\.20\.0\.0\/16/);
  });

  it("throws when a public access CIDR is malformed", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { cluster: { publicAccessCidrs: ["203.0.113.7"] } })));
    expect(error.key).toBe("environments.dev.cluster.publicAccessCidrs.0");
  });

  it("throws when fewer than 2 availability zones are asked for", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { network: { azCount: 1 } })));
    expect(error.key).toBe("environments.dev.network.azCount");
    expect(error.value).toBe(1);
    expect(error.fix).toMatch(/at least 2/);
  });

  it("throws when prod has no domain", () => {
    const error = configErrorOf(() => loadInline(withEnv("prod", { profile: "prod" }), "prod"));
    expect(error.key).toBe("environments.prod.langfuse.domain");
    expect(error.fix).toMatch(/public host name/);
  });

  it("throws when the ingress has no certificate source", () => {
    const error = configErrorOf(() => loadInline(withEnv("prod", { ...prodBasics, ingress: { hostedZoneId: null } }), "prod"));
    expect(error.key).toBe("environments.prod.ingress.certificateArn");
    expect(error.fix).toMatch(/certificateArn.*hostedZoneId/);
  });

  it("throws when a node group's min is greater than its max", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { nodeGroups: { general: { minSize: 4, maxSize: 3 } } })));
    expect(error.key).toBe("environments.dev.nodeGroups.general.minSize");
    expect(error.fix).toMatch(/greater than maxSize \(3\)/);
  });

  it("throws when desired size is outside min..max", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { nodeGroups: { general: { desiredSize: 9 } } })));
    expect(error.key).toBe("environments.dev.nodeGroups.general.desiredSize");
  });

  it("throws when an instance type does not match the architecture", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { nodeGroups: { general: { instanceTypes: ["t3.medium"] } } })));
    expect(error.key).toBe("environments.dev.nodeGroups.general.instanceTypes.0");
    expect(error.fix).toMatch(/architecture 'arm64'/);
  });

  it("accepts x86 when selected", () => {
    const { config } = loadInline(withEnv("dev", { nodeGroups: { general: { instanceTypes: ["t3.medium"], architecture: "x86_64" } } }));
    expect(config.nodeGroups.general.architecture).toBe("x86_64");
  });

  it("throws when EKS does not offer the Kubernetes version", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { cluster: { kubernetesVersion: "1.29" } })));
    expect(error.key).toBe("environments.dev.cluster.kubernetesVersion");
    expect(error.fix).toMatch(/use one of .*1\.35/);
  });

  it("warns when the Kubernetes version is in extended support", () => {
    const { warnings } = loadInline(withEnv("dev", { cluster: { kubernetesVersion: "1.32" } }));
    expect(warnings.join()).toMatch(/1\.32 is in EKS extended support/);
  });

  it("does not warn for the default version", () => {
    expect(loadInline(withEnv("dev", {})).warnings).toEqual([]);
  });

  it("throws on a misspelled key instead of ignoring it", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { network: { vpcCdir: "10.0.0.0/16" } })));
    expect(error.key).toBe("environments.dev.network.vpcCdir");
    expect(error.fix).toMatch(/unknown key 'vpcCdir'/);
  });

  it("throws on a value of the wrong type", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { network: { azCount: "two" } })));
    expect(error.key).toBe("environments.dev.network.azCount");
  });

  it("throws when private subnets have no NAT", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { network: { privateSubnets: true } })));
    expect(error.key).toBe("environments.dev.network.natGateways");
  });

  it("throws when Aurora's minimum capacity exceeds its maximum", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { database: { engine: "aurora-serverless-v2", auroraMinCapacityAcu: 8, auroraMaxCapacityAcu: 4 } })));
    expect(error.key).toBe("environments.dev.database.auroraMinCapacityAcu");
  });

  it("throws when prod keeps backups fewer than 7 days", () => {
    const error = configErrorOf(() => loadInline(withEnv("prod", { ...prodBasics, database: { backupRetentionDays: 3 } }), "prod"));
    expect(error.key).toBe("environments.prod.database.backupRetentionDays");
    expect(error.fix).toMatch(/at least 7 days/);
  });

  it("throws when web replicas min is greater than max", () => {
    const error = configErrorOf(() => loadInline(withEnv("dev", { langfuse: { web: { minReplicas: 3, maxReplicas: 2 } } })));
    expect(error.key).toBe("environments.dev.langfuse.web.minReplicas");
  });

  it("throws when prod runs a single web replica", () => {
    const error = configErrorOf(() => loadInline(withEnv("prod", { ...prodBasics, langfuse: { ...prodBasics.langfuse, web: { minReplicas: 1 } } }), "prod"));
    expect(error.key).toBe("environments.prod.langfuse.web.minReplicas");
  });

  it("throws when an external ClickHouse has no password secret", () => {
    const error = configErrorOf(() =>
      loadInline(withEnv("dev", { clickhouse: { mode: "external", externalUrl: "https://ch.example.com:8443", externalMigrationUrl: "clickhouse://ch.example.com:9440", externalUser: "default" } })),
    );
    expect(error.key).toBe("environments.dev.clickhouse.externalPasswordSecretArn");
  });

  it("throws when the profile is unknown", () => {
    const error = configErrorOf(() => loadInline(withEnv("qa", { profile: "qa" }), "qa"));
    expect(error.key).toBe("environments.qa.profile");
  });
});
