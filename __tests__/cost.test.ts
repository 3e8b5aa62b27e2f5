import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROFILES } from "../config/profiles";
import { estimate, type Estimate } from "../scripts/cost/estimate";
import { DEFAULT_PRICE_FILE, loadPrices } from "../scripts/cost/prices";
import { formatReport } from "../scripts/cost/report";
import { readSynthesizedEnvironment, type Json, type SynthesizedStack } from "../scripts/cost/synthesized";
import { NODE_TS_ARGS } from "./support/node-ts";
import { cleanupSynth, environment, FIXTURE_ENVIRONMENTS_FILE, synthesize, TODAY as SYNTH_TODAY } from "./support/synth";

const FIXTURE = join(__dirname, "fixtures/cost/small");
const TODAY = "2026-11-23";
const prices = loadPrices();
const temporaryFolders: string[] = [];

afterAll(() => {
  temporaryFolders.forEach((folder) => rmSync(folder, { recursive: true, force: true }));
  cleanupSynth();
});

const run = (stacks: readonly SynthesizedStack[], environment = "dev", today = TODAY): Estimate => estimate(stacks, { environment, prices, today });
const stack = (resource: Json, name = "network"): SynthesizedStack => ({ name, json: { resource } });
const total = (result: Estimate, match: string) =>
  result.lines.filter((line) => line.item.includes(match)).reduce((sum, line) => sum + line.monthlyUsd, 0);

/** The fixture's network stack with its general node group switched to Spot. */
function withSpotGeneralNodes(network: SynthesizedStack): SynthesizedStack {
  const json = structuredClone(network.json) as Json & { resource: Record<string, Record<string, Json>> };
  for (const group of Object.values(json.resource.aws_eks_node_group)) group.capacity_type = "SPOT";
  return { ...network, json };
}

describe("cost estimate of a small hand-made environment", () => {
  const stacks = readSynthesizedEnvironment(FIXTURE);
  const result = run(stacks);

  it("prices the EKS control plane at the standard rate for a version in standard support", () => {
    expect(total(result, "EKS control plane")).toBeCloseTo(73, 2);
    expect(result.warnings).toEqual([]);
  });

  it("prices node groups as instance type × desired count × 730 h, with root volumes and public IPv4 in public subnets", () => {
    expect(total(result, "node group nodes_general")).toBeCloseTo(2 * 0.0336 * 730, 2);
    expect(total(result, "node root volumes")).toBeCloseTo(2 * 30 * 0.08, 2);
    expect(total(result, "public IPv4 of nodes")).toBeCloseTo(2 * 0.005 * 730, 2);
  });

  it("prices Container Insights per assumed observation and other add-ons at nothing", () => {
    const addons = run([stack({ aws_eks_addon: { insights: { addon_name: "amazon-cloudwatch-observability" }, cni: { addon_name: "vpc-cni" } } })]);
    expect(addons.lines.map((line) => line.item)).toEqual(["Container Insights (enhanced observability)"]);
    expect(addons.lines[0].monthlyUsd).toBeCloseTo(60 * prices.cloudwatch.containerInsightsPerMillionObservations, 4);
    expect(addons.unpriced).toEqual([]);
  });

  it("prices a Spot node group at on-demand less the assumed Spot discount, and says so", () => {
    const spotStacks = stacks.map((stack) => (stack.name !== "network" ? stack : withSpotGeneralNodes(stack)));
    const line = run(spotStacks).lines.find((candidate) => candidate.item === "node group nodes_general")!;
    expect(line.monthlyUsd).toBeCloseTo(2 * 0.0336 * (1 - prices.spotDiscountAssumed) * 730, 2);
    expect(line.detail).toContain(`less an assumed ${Math.round(prices.spotDiscountAssumed * 100)}%`);
  });

  it("sizes the chart's bundled ClickHouse and Valkey volumes from the release values, skipping disabled stores", () => {
    expect(total(result, "ClickHouse data")).toBeCloseTo(20 * 0.08, 3);
    expect(total(result, "Valkey primary")).toBeCloseTo(8 * 0.08, 3);
    const items = result.lines.map((line) => line.item).join("\n");
    expect(items).not.toMatch(/ZooKeeper|PostgreSQL|MinIO/);
  });

  it("turns ingresses into ALBs, one per ingress group, with public addresses only when internet-facing", () => {
    const albs = result.lines.filter((line) => line.item.startsWith("ALB "));
    expect(albs.map(({ item, address }) => [item, address])).toEqual([
      ["ALB langfuse (internet-facing)", "ingress langfuse-public, langfuse-api"],
      ["ALB langfuse-internal (internal)", "ingress langfuse-internal"],
    ]);
    expect(albs[0].monthlyUsd).toBeCloseTo((0.0225 + 0.008) * 730, 2);
    expect(total(result, "public IPv4 of ALB langfuse (internet-facing)")).toBeCloseTo(2 * 0.005 * 730, 2);
    expect(total(result, "public IPv4 of ALB langfuse-internal")).toBe(0);
  });

  it("prices KMS keys, secrets, alarms, log groups, S3 per GB and lists Lambda at $0", () => {
    expect(total(result, "KMS key")).toBe(1);
    expect(total(result, "Secrets Manager secret")).toBeCloseTo(0.8, 5);
    expect(total(result, "CloudWatch alarm")).toBeCloseTo(0.2, 5);
    expect(total(result, "CloudWatch logs")).toBeCloseTo(0.5 + 0.03, 5);
    expect(total(result, "S3 bucket langfuse-dev-data")).toBeCloseTo(50 * 0.023, 5);
    expect(result.lines.find((line) => line.item.startsWith("Lambda"))).toMatchObject({ monthlyUsd: 0 });
  });

  it("names every resource type it counts as free in the report, with its count", () => {
    const types = Object.keys(result.freeByType);
    expect(types.length).toBeGreaterThan(0);
    expect(Object.values(result.freeByType).reduce((sum, count) => sum + count, 0)).toBe(result.freeResources);
    const report = formatReport(result);
    const freeSection = report.slice(report.indexOf("Free (configuration only"), report.indexOf("Assumptions:"));
    for (const type of types) expect(freeSection).toContain(`${type} ${result.freeByType[type]}`);
  });

  it("lists a resource type it has no rule for as unpriced instead of counting it as zero", () => {
    expect(result.unpriced).toEqual([{ stack: "deps", address: "aws_opensearch_domain.search", reason: "no price rule for resource type aws_opensearch_domain" }]);
  });

  it("adds every line to the total and compares it with the environment's goal", () => {
    const expected = 73 + 49.056 + 4.8 + 7.3 + 0.53 + 11.68 + 2.3 + 1.15 + 1 + 0.8 + 1.6 + 0.64 + 0.2 + 2 * 22.265 + 7.3;
    expect(result.totalUsd).toBeCloseTo(expected, 2);
    const report = formatReport(result);
    expect(report).toContain(`TOTAL per month`);
    expect(report).toContain(`$${expected.toFixed(2)}`);
    expect(report).toMatch(/Goal: below \$150\.00\/month .*: NOT met, \$55\.89 over/);
    expect(report).toContain("Unpriced (1, NOT in the total):\n  deps: aws_opensearch_domain.search: no price rule for resource type aws_opensearch_domain");
    expect(report).toContain("Each ALB uses 1 LCU every hour.");
    expect(report).toContain(`as of ${prices.asOf}`);
  });
});

describe("pricing rules", () => {
  it("flags a Kubernetes version in extended support and prices it at the extended rate", () => {
    const result = run([stack({ aws_eks_cluster: { cluster: { version: "1.31" } } })]);
    expect(total(result, "EKS control plane")).toBeCloseTo(0.6 * 730, 2);
    expect(result.warnings[0]).toMatch(/Kubernetes 1\.31 is in extended support on 2026-11-23: the control plane costs 6x/);
  });

  it("doubles instance and storage for a Multi-AZ RDS instance", () => {
    const result = run([stack({ aws_db_instance: { db: { instance_class: "db.t4g.small", multi_az: true, allocated_storage: 100, storage_type: "gp3" } } }, "deps")]);
    expect(total(result, "RDS db.t4g.small")).toBeCloseTo(2 * 0.032 * 730, 2);
    expect(total(result, "RDS storage")).toBeCloseTo(2 * 100 * 0.115, 2);
  });

  it("prices Aurora Serverless v2 at its minimum ACUs", () => {
    const result = run([
      stack(
        {
          aws_rds_cluster: { cluster: { engine: "aurora-postgresql", serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 2 } } },
          aws_rds_cluster_instance: { writer: { cluster_identifier: "${aws_rds_cluster.cluster.id}", instance_class: "db.serverless" } },
        },
        "deps",
      ),
    ]);
    expect(total(result, "Aurora Serverless v2")).toBeCloseTo(0.5 * 0.12 * 730, 2);
    expect(total(result, "Aurora storage")).toBeCloseTo(20 * 0.1, 2);
  });

  it("prices ElastiCache per node, Valkey 20% below Redis OSS", () => {
    const group = (engine: string) => ({ node_type: "cache.t4g.small", num_cache_clusters: 2, engine });
    const result = run([stack({ aws_elasticache_replication_group: { valkey: group("valkey"), redis: group("redis") } }, "deps")]);
    expect(total(result, "(Valkey)")).toBeCloseTo(2 * 0.032 * 0.8 * 730, 2);
    expect(total(result, "(redis)")).toBeCloseTo(2 * 0.032 * 730, 2);
  });

  it("takes a node group's root volume from its launch template", () => {
    const result = run([
      stack({
        aws_launch_template: { general: { block_device_mappings: [{ device_name: "/dev/xvda", ebs: { volume_size: 50, volume_type: "gp3" } }] } },
        aws_eks_node_group: { general: { instance_types: ["m7g.large"], scaling_config: [{ desired_size: 3 }], launch_template: { id: "${aws_launch_template.general.id}", version: "1" } } },
      }),
    ]);
    expect(total(result, "node group general")).toBeCloseTo(3 * 0.0816 * 730, 2);
    expect(total(result, "node root volumes")).toBeCloseTo(3 * 50 * 0.08, 2);
    expect(total(result, "public IPv4")).toBe(0);
  });

  it("uses the storage class of a claim to choose the EBS price", () => {
    const result = run([
      stack(
        {
          kubernetes_storage_class_v1: { gp2: { metadata: { name: "slow" }, storage_provisioner: "kubernetes.io/aws-ebs", parameters: { type: "gp2" } } },
          kubernetes_persistent_volume_claim_v1: { data: { metadata: { name: "data" }, spec: { storage_class_name: "slow", resources: { requests: { storage: "1Ti" } } } } },
        },
        "app",
      ),
    ]);
    expect(total(result, "claim data")).toBeCloseTo(1024 * 0.1, 2);
  });

  it("multiplies by a literal count and lists a count known only at apply time as unpriced", () => {
    const result = run([stack({ aws_kms_key: { fixed: { count: 3 }, dynamic: { count: "${length(var.keys)}" } } }, "deps")]);
    expect(total(result, "KMS key")).toBe(3);
    expect(result.unpriced).toEqual([{ stack: "deps", address: "aws_kms_key.dynamic", reason: "count/for_each is only known at apply time" }]);
  });

  it("lists an instance type missing from the price file as unpriced", () => {
    const result = run([stack({ aws_eks_node_group: { big: { instance_types: ["x9z.metal"], scaling_config: { desired_size: 1 } } } })]);
    expect(result.lines).toEqual([]);
    expect(result.unpriced[0]).toMatchObject({ address: "aws_eks_node_group.big", reason: "instance type x9z.metal is not in the price list" });
  });

  it("reads chart values that hold Terraform interpolations with quotes and braces", () => {
    const values = '{\n  "vpcId": "${data.tfe_outputs.up.nonsensitive_values["vpc_id"]}",\n  "clickhouse": { "replicaCount": 1, "zookeeper": { "enabled": false }, "persistence": { "size": "50Gi" } },\n  "redis": { "deploy": false }, "postgresql": { "deploy": false }, "s3": { "deploy": false }\n}';
    const result = run([stack({ helm_release: { langfuse: { chart: "langfuse", values: [values] } } }, "app")]);
    expect(result.unpriced).toEqual([]);
    expect(result.lines.map((line) => [line.item, line.monthlyUsd])).toEqual([["EBS: ClickHouse data", 50 * 0.08]]);
  });

  it("gives an internet-facing ALB a public address in every subnet tagged for load balancers", () => {
    const subnet = { map_public_ip_on_launch: false, tags: { "kubernetes.io/role/elb": "1" } };
    const ingress = { metadata: { name: "web", annotations: { "alb.ingress.kubernetes.io/scheme": "internet-facing" } }, spec: { ingress_class_name: "alb" } };
    const result = run([stack({ aws_subnet: { "public-0": subnet, "public-1": subnet, "public-2": subnet } }), stack({ kubernetes_ingress_v1: { web: ingress } }, "app")]);
    expect(total(result, "public IPv4 of ALB web")).toBeCloseTo(3 * 0.005 * 730, 2);
  });

  it("prices a LoadBalancer service as an NLB", () => {
    const service = { metadata: { name: "clickhouse-nlb" }, spec: { type: "LoadBalancer" } };
    const result = run([stack({ kubernetes_service_v1: { nlb: service, plain: { metadata: { name: "web" }, spec: { type: "ClusterIP" } } } }, "app")]);
    expect(result.lines.map((line) => [line.item, line.monthlyUsd.toFixed(3)])).toEqual([["NLB for service clickhouse-nlb (internal)", ((0.0225 + 0.006) * 730).toFixed(3)]]);
  });

  it("prices interface endpoints per AZ (one per public subnet when their subnets come from another stack) and gateway endpoints at nothing", () => {
    const subnet = { map_public_ip_on_launch: true, tags: { "kubernetes.io/role/elb": "1" } };
    const result = run([
      stack({ aws_subnet: { a: subnet, b: subnet } }),
      stack(
        {
          aws_vpc_endpoint: {
            sns: { service_name: "com.amazonaws.us-east-1.sns", vpc_endpoint_type: "Interface", subnet_ids: "${data.tfe_outputs.up.nonsensitive_values.subnet_ids}" },
            s3: { service_name: "com.amazonaws.us-east-1.s3", vpc_endpoint_type: "Gateway" },
          },
        },
        "app",
      ),
    ]);
    expect(result.lines.map((line) => [line.item, line.monthlyUsd])).toEqual([["interface endpoint sns", 2 * 0.01 * 730]]);
    expect(result.lines[0].detail).toContain("(one per AZ assumed)");
  });

  it("lists an ingress whose class is not an ALB class as unpriced", () => {
    const result = run([stack({ kubernetes_ingress_v1: { web: { metadata: { name: "web" }, spec: { ingress_class_name: "nginx" } } } }, "app")]);
    expect(result.unpriced[0]).toMatchObject({ address: "kubernetes_ingress_v1.web", reason: "ingress class nginx is not an ALB class: its load balancer is unknown" });
  });
});

describe("price file", () => {
  it("is dated and has a price for every instance type, database class and cache node type the profiles use", () => {
    expect(prices.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const profile of Object.values(PROFILES)) {
      for (const group of [profile.nodeGroups.general, profile.nodeGroups.clickhouse]) {
        group?.instanceTypes.forEach((type) => expect(prices.ec2PerHour[type], type).toBeGreaterThan(0));
      }
      expect(prices.rdsPerHour[profile.database.instanceClass]).toBeGreaterThan(0);
      expect(prices.elasticachePerHour[profile.redis.nodeType]).toBeGreaterThan(0);
    }
    for (const type of ["t4g.medium", "t4g.large", "t3.medium", "r7g.xlarge", "r7g.2xlarge", "m7g.large"]) expect(prices.ec2PerHour[type], type).toBeGreaterThan(0);
    for (const type of ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.r6g.large"]) expect(prices.rdsPerHour[type], type).toBeGreaterThan(0);
    for (const type of ["cache.t4g.micro", "cache.t4g.small"]) expect(prices.elasticachePerHour[type], type).toBeGreaterThan(0);
  });

  it("throws when a price file misses a price, naming the key", () => {
    const folder = mkdtempSync(join(tmpdir(), "cost-prices-"));
    temporaryFolders.push(folder);
    const broken = join(folder, "prices.json");
    const { kmsKeyPerMonth: _dropped, ...rest } = prices;
    writeFileSync(broken, JSON.stringify(rest));
    expect(() => loadPrices(broken)).toThrow(`${broken}: 'kmsKeyPerMonth' Invalid input: expected number, received undefined`);
  });
});

describe("the repository's environments", () => {
  const operations = readFileSync(join(__dirname, "../docs/operations.md"), "utf8");

  it.each(["dev", "prod"])("%s prices every resource, meets its goal, and has the total docs/operations.md states", (name) => {
    const result = estimate(readSynthesizedEnvironment(synthesize(environment(name)).outdir), { environment: name, prices, today: SYNTH_TODAY });
    expect(result.unpriced).toEqual([]);
    expect(result.goal).toBeDefined();
    expect(result.totalUsd).toBeLessThan(result.goal!.usdPerMonth);
    const row = operations.split("\n").find((line) => line.startsWith(`| ${name} | **$`));
    expect(row, `docs/operations.md has no figures row for ${name}`).toBeDefined();
    expect(row, `update docs/operations.md's figures with npm run cost -- --env ${name}`).toContain(`**$${result.totalUsd.toFixed(2)}**`);
  });
});

describe("npm run cost", () => {
  it("prints the report of a synthesized folder given with --dir", () => {
    // The script reads environments.yaml from its working directory: a folder holding the tests' own copy.
    const cwd = mkdtempSync(join(tmpdir(), "langfuse-cost-cli-"));
    copyFileSync(FIXTURE_ENVIRONMENTS_FILE, join(cwd, "environments.yaml"));
    const output = execFileSync(process.execPath, [...NODE_TS_ARGS, join(__dirname, "../scripts/cost.ts"), "--env", "dev", "--dir", FIXTURE], { cwd, encoding: "utf8" });
    rmSync(cwd, { recursive: true, force: true });
    expect(output).toContain("Monthly cost estimate for environment 'dev'");
    expect(output).toMatch(/^network$/m);
    expect(output).toContain("aws_opensearch_domain.search");
    expect(DEFAULT_PRICE_FILE).toMatch(/data\/prices-us-east-1\.json$/);
  });
});
