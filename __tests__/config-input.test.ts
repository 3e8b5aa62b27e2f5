import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EC2, ELASTICACHE, instanceTypeProblem, RDS } from "../config/instance-types";
import { deepMerge } from "../config/load";
import { PROFILES } from "../config/profiles";
import { environmentSchema } from "../config/schema";
import { configErrorOf } from "./support/errors";
import { FIXTURE_ENVIRONMENTS_FILE, loadInline } from "./support/synth";

/*
 * Values AWS, Terraform Cloud, Kubernetes or ClickHouse would reject or misread at apply are refused at synth,
 * with the key, the value and the fix. Documents are inline: these tests own their inputs.
 */

const dev = (settings: object) => ({ environments: { dev: settings } });
const errorOf = (settings: object) => configErrorOf(() => loadInline(dev(settings)));
const CREDENTIAL_ARN = (region: string) => `arn:aws:secretsmanager:${region}:123456789012:secret:ecr-pullthroughcache/docker-hub`;
const prod = (settings: object = {}) => ({
  environments: {
    prod: deepMerge(
      { profile: "prod", langfuse: { domain: "langfuse.example.com" }, ingress: { hostedZoneId: "Z0123456789ABCDEFGHIJ" }, imageCache: { dockerHubCredentialArn: CREDENTIAL_ARN("us-east-1") } },
      settings,
    ),
  },
});
const prodErrorOf = (settings: object) => configErrorOf(() => loadInline(prod(settings), "prod"));

describe("regions and availability zones", () => {
  it("refuses a region that matches the pattern but does not exist, suggesting real ones", () => {
    const error = errorOf({ region: "us-east-9" });
    expect(error.key).toBe("environments.dev.region");
    expect(error.fix).toMatch(/not an AWS region.*us-east-1, us-east-2, us-west-1, us-west-2/);
  });

  it("refuses an unknown region of the S3 state backend", () => {
    const error = errorOf({ backend: { type: "s3", bucket: "my-state", region: "eu-west-7", keyPrefix: "langfuse" } });
    expect(error.key).toBe("environments.dev.backend.region");
  });

  it("refuses more availability zones than EKS can use in the region", () => {
    const error = errorOf({ region: "us-west-1", network: { azCount: 3 } });
    expect(error.key).toBe("environments.dev.network.azCount");
    expect(error.fix).toMatch(/us-west-1 has 2 availability zones EKS can use/);
  });

  it("accepts as many zones as the region offers", () => {
    expect(loadInline(dev({ region: "us-east-1", network: { azCount: 5 } })).config.network.azCount).toBe(5);
  });

  it("warns that an opt-in region must be enabled first", () => {
    expect(loadInline(dev({ region: "af-south-1" })).warnings.join()).toMatch(/af-south-1 is an opt-in region/);
  });
});

describe("values the services accept", () => {
  it("refuses a log retention CloudWatch does not offer, naming the closest", () => {
    const error = errorOf({ cluster: { logRetentionDays: 45 } });
    expect(error.key).toBe("environments.dev.cluster.logRetentionDays");
    expect(error.fix).toMatch(/accepts only 1, 3, 5, 7, 14, 30, 60, 90, .* 3653 days; the closest is 30/);
  });

  it.each([
    ["a misspelled size", "t4g.medum", /t4g comes in nano, micro, small, medium/],
    ["a size the family does not have", "r7g.3xlarge", /'3xlarge' does not exist/],
    ["a family this project does not know", "x9z.large", /not a type this project knows; use one of the families t3, t3a, t4g/],
  ])("refuses %s as a node instance type", (_, type, fix) => {
    const error = errorOf({ nodeGroups: { general: { instanceTypes: ["t4g.medium", type] } } });
    expect(error.key).toBe("environments.dev.nodeGroups.general.instanceTypes.1");
    expect(error.value).toBe(type);
    expect(error.fix).toMatch(fix);
  });

  it("refuses an RDS class that does not exist", () => {
    const error = errorOf({ database: { instanceClass: "db.t4g.tiny" } });
    expect(error.key).toBe("environments.dev.database.instanceClass");
    expect(error.fix).toMatch(/db\.t4g comes in micro, small/);
  });

  it("refuses an ElastiCache node type that does not exist", () => {
    const error = errorOf({ redis: { mode: "elasticache", nodeType: "cache.t4g.large" } });
    expect(error.key).toBe("environments.dev.redis.nodeType");
  });

  it.each([
    ["upper case and underscores", "My_State"],
    ["two dots in a row", "state..files"],
    ["an IP address", "192.168.5.4"],
    ["a reserved prefix", "xn--state"],
    ["a reserved suffix", "state-s3alias"],
    ["too short", "ab"],
  ])("refuses an S3 state bucket name with %s", (_, bucket) => {
    const error = errorOf({ backend: { type: "s3", bucket, region: "us-east-1", keyPrefix: "langfuse" } });
    expect(error.key).toBe("environments.dev.backend.bucket");
  });

  it("refuses a Terraform Cloud organization name with characters it does not allow", () => {
    const error = errorOf({ backend: { organization: "my org!" } });
    expect(error.key).toBe("environments.dev.backend.organization");
  });

  it("refuses a Terraform Cloud hostname given as a URL", () => {
    expect(errorOf({ backend: { hostname: "https://app.terraform.io" } }).key).toBe("environments.dev.backend.hostname");
  });

  it("refuses a local state folder inside the generated output, which every synth clears", () => {
    const error = errorOf({ backend: { type: "local", directory: "cdktf.out/state" } });
    expect(error.key).toBe("environments.dev.backend.directory");
  });

  it.each([
    ["memory with a lowercase m (millibytes)", { memoryRequest: "512m" }, "memoryRequest"],
    ["CPU with a unit of memory", { cpuRequest: "250Mi" }, "cpuRequest"],
    ["a request above its limit", { cpuRequest: "2", cpuLimit: "500m" }, "cpuRequest"],
  ])("refuses %s for a pod", (_, resources, field) => {
    const error = errorOf({ langfuse: { web: { resources } } });
    expect(error.key).toBe(`environments.dev.langfuse.web.resources.${field}`);
  });

  it("refuses tags AWS reserves", () => {
    expect(errorOf({ tags: { "aws:owner": "me" } }).key).toBe("environments.dev.tags.aws:owner");
  });
});

describe("upper bounds on day counts and sizes", () => {
  it.each([
    ["clickhouse.retentionDays", { clickhouse: { retentionDays: 30_000 } }],
    ["clickhouse.systemLogRetentionDays", { clickhouse: { systemLogRetentionDays: 3650 } }],
    ["clickhouse.storageGiB", { clickhouse: { storageGiB: 200_000 } }],
    ["bucket.exportsExpireDays", { bucket: { exportsExpireDays: 100_000 } }],
    ["bucket.noncurrentVersionExpireDays", { bucket: { noncurrentVersionExpireDays: 100_000 } }],
    ["cluster.logRetentionDays", { cluster: { logRetentionDays: 7300 } }],
    ["database.allocatedStorageGiB", { database: { allocatedStorageGiB: 100_000 } }],
    ["database.auroraMaxCapacityAcu", { database: { auroraMaxCapacityAcu: 512 } }],
    ["nodeGroups.general.diskSizeGiB", { nodeGroups: { general: { diskSizeGiB: 20_000 } } }],
    ["nodeGroups.general.maxSize", { nodeGroups: { general: { maxSize: 1000 } } }],
    ["langfuse.web.maxReplicas", { langfuse: { web: { maxReplicas: 1000 } } }],
  ])("refuses an out-of-range %s", (path, settings) => {
    expect(errorOf(settings).key).toBe(`environments.dev.${path}`);
  });
});

describe("ARNs in the environment's region", () => {
  it("refuses an ALB certificate from another region (ACM certificates are regional)", () => {
    const error = prodErrorOf({ region: "us-east-1", ingress: { hostedZoneId: null, certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123" } });
    expect(error.key).toBe("environments.prod.ingress.certificateArn");
    expect(error.fix).toMatch(/is in eu-west-1, the environment in us-east-1.*create it in us-east-1/);
  });

  it("refuses a pull-through cache credential from another region", () => {
    const error = prodErrorOf({ region: "eu-west-1", imageCache: { dockerHubCredentialArn: CREDENTIAL_ARN("us-east-1") } });
    expect(error.key).toBe("environments.prod.imageCache.dockerHubCredentialArn");
  });

  it("refuses an admin ARN of another partition", () => {
    const error = errorOf({ cluster: { adminPrincipalArns: ["arn:aws-us-gov:iam::123456789012:role/admin"] } });
    expect(error.key).toBe("environments.dev.cluster.adminPrincipalArns.0");
  });

  it("loads the README's example of a second-region environment beside the fixture's dev and prod", () => {
    const readme = readFileSync(join(__dirname, "../README.md"), "utf8");
    const block = /```yaml\n(environments:\n {2}eu:[\s\S]*?)```/.exec(readme);
    expect(block, "README's eu example").not.toBeNull();
    // As a user adds it: into a file whose defaults hold the cluster admins and a us-east-1 pull-through credential.
    const fixture = parseYaml(readFileSync(FIXTURE_ENVIRONMENTS_FILE, "utf8"));
    const document = deepMerge(fixture, parseYaml(block![1]));
    const { config } = loadInline(document as object, "eu");
    expect(config.region).toBe("eu-west-1");
    expect(config.imageCache.dockerHubCredentialArn).toContain(":eu-west-1:");
  });
});

describe("secrets in the configuration", () => {
  it("refuses credentials inside a URL without echoing the password", () => {
    const error = errorOf({ clickhouse: { mode: "external", externalUrl: "https://langfuse:S3cr3t-P4ss@ch.example.com:8443" } });
    expect(error.key).toBe("environments.dev.clickhouse.externalUrl");
    expect(error.fix).toMatch(/must not carry a user or password/);
    expect(error.message).not.toContain("S3cr3t-P4ss");
  });

  it("never echoes a password given where the secret's ARN belongs", () => {
    const error = errorOf({
      clickhouse: { mode: "external", externalUrl: "https://ch.example.com:8443", externalMigrationUrl: "clickhouse://ch.example.com:9440", externalUser: "langfuse", externalPasswordSecretArn: "hunter2-hunter2" },
    });
    expect(error.key).toBe("environments.dev.clickhouse.externalPasswordSecretArn");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("<hidden: 15 characters");
  });

  it("never echoes a token-shaped value under an unknown key", () => {
    const token = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z";
    const error = errorOf({ workspaces: { githubToken: token } });
    expect(error.key).toBe("environments.dev.workspaces.githubToken");
    expect(error.message).not.toContain(token);
  });

  it("still shows ordinary rejected values", () => {
    expect(errorOf({ region: "us-east-9" }).message).toContain('"us-east-9"');
  });
});

describe("names derived from namePrefix and the environment", () => {
  // The binding limits: EKS node group name prefixes (37) and the ECR pull-through prefix (30); the others are
  // looser for the same prefix and environment (the synthesized-names test covers every one of them).
  it("refuses a prefix and environment whose node group name prefix would exceed EKS's 37 characters", () => {
    const document = { environments: { staging: prod().environments.prod } };
    const error = configErrorOf(() => loadInline(deepMerge(document, { environments: { staging: { namePrefix: "observability-team1" } } }) as object, "staging"));
    expect(error.key).toBe("environments.staging.namePrefix");
    expect(error.value).toBe("observability-team1");
    expect(error.fix).toMatch(/^the EKS node group name prefix 'observability-team1-staging-clickhouse-' is 39 characters, over the 37 allowed .*shorten namePrefix \(19 characters\) or the environment name 'staging' \(7\)/);
  });

  it("refuses a prefix and environment whose ECR pull-through prefix would exceed 30 characters", () => {
    const document = { environments: { "prod-eu": deepMerge(prod().environments.prod, { namePrefix: "llm-observability", nodeGroups: { clickhouse: null } }) } };
    const error = configErrorOf(() => loadInline(document, "prod-eu"));
    expect(error.fix).toMatch(/^the ECR pull-through cache repository prefix 'llm-observability-prod-eu-cache' is 31 characters, over the 30 allowed/);
  });

  it("refuses two hyphens in a row, which RDS and ElastiCache identifiers forbid", () => {
    const error = errorOf({ namePrefix: "lang--fuse" });
    expect(error.key).toBe("environments.dev.namePrefix");
    expect(error.fix).toMatch(/RDS DB identifier 'lang--fuse-dev-db' must be a letter first/);
  });

  it("refuses an environment name ending in a hyphen", () => {
    const error = configErrorOf(() => loadInline({ environments: { "qa-": { profile: "dev" } } }, "qa-"));
    expect(error.fix).toMatch(/RDS DB identifier 'langfuse-qa--db'/);
  });
});

describe("properties over every key of the schema", () => {
  type Schema = { type?: string | string[]; maximum?: number; const?: unknown; properties?: Record<string, Schema>; anyOf?: Schema[]; oneOf?: Schema[]; items?: Schema };
  /** Every leaf of the JSON schema with its dotted path. */
  function leaves(schema: Schema, path: string[] = []): [string[], Schema][] {
    const variants = schema.oneOf ?? schema.anyOf;
    if (variants) return variants.flatMap((variant) => leaves(variant, path));
    if (schema.properties) return Object.entries(schema.properties).flatMap(([name, child]) => leaves(child, [...path, name]));
    return [[path, schema]];
  }
  const all = leaves(z.toJSONSchema(environmentSchema) as Schema);
  /** A nullable key's leaf has the type [type, "null"]. */
  const isOfType = (schema: Schema, ...types: string[]) => [schema.type].flat().some((type) => type !== undefined && types.includes(type));
  /** A literal (keeperReplicas: 1, 3 or 5) is its own upper bound. */
  const maximumOf = (schema: Schema) => schema.maximum ?? (typeof schema.const === "number" ? schema.const : undefined);

  it("bounds every number from above (day counts, sizes, counts)", () => {
    const numeric = all.filter(([, schema]) => isOfType(schema, "integer", "number"));
    expect(numeric.length).toBeGreaterThan(30);
    const unbounded = numeric.filter(([, schema]) => (maximumOf(schema) ?? Number.MAX_SAFE_INTEGER) >= Number.MAX_SAFE_INTEGER).map(([path]) => path.join("."));
    expect(unbounded).toEqual([]);
  });

  it("tells to quote every version key given an unquoted number", () => {
    const versions = all.filter(([path, schema]) => isOfType(schema, "string") && /Version$/.test(path[path.length - 1])).map(([path]) => path);
    expect(versions.map((path) => path.join("."))).toEqual(expect.arrayContaining(["cluster.kubernetesVersion", "database.engineVersion", "redis.engineVersion", "langfuse.chartVersion", "workspaces.terraformVersion"]));
    for (const path of versions) {
      const settings = path.reduceRight<unknown>((value, key) => ({ [key]: value }), 1.3) as object;
      const error = errorOf(settings);
      expect(error.key).toBe(`environments.dev.${path.join(".")}`);
      expect(error.fix).toMatch(/YAML read 1\.3 as the number 1\.3; write it in quotes/);
    }
  });
});

describe("the instance type catalogue", () => {
  const prices = JSON.parse(readFileSync(join(__dirname, "../data/prices-us-east-1.json"), "utf8"));

  it.each([
    ["ec2PerHour", EC2],
    ["rdsPerHour", RDS],
    ["elasticachePerHour", ELASTICACHE],
  ] as const)("accepts every type %s of the price list prices (npm run cost never meets a type validation refuses)", (table, catalogue) => {
    const types = Object.keys(prices[table]);
    expect(types.length).toBeGreaterThan(5);
    expect(types.filter((type) => instanceTypeProblem(type, catalogue) !== undefined)).toEqual([]);
  });

  it("accepts the profiles' own types", () => {
    for (const profile of ["dev", "prod"] as const) {
      const { nodeGroups, database, redis } = PROFILES[profile];
      for (const type of [...nodeGroups.general.instanceTypes, ...(nodeGroups.clickhouse?.instanceTypes ?? [])]) expect(instanceTypeProblem(type, EC2)).toBeUndefined();
      expect(instanceTypeProblem(database.instanceClass, RDS)).toBeUndefined();
      expect(instanceTypeProblem(redis.nodeType, ELASTICACHE)).toBeUndefined();
    }
  });
});
