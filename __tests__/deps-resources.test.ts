import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { configErrorOf } from "./support/errors";
import { DEPS_OUTPUTS } from "../contract/outputs";
import { ValkeyCache } from "../constructs/data/elasticache";
import { ImageCache } from "../constructs/platform/image-cache";
import { loadBalancerControllerStatements } from "../constructs/identity/load-balancer-controller-policy";
import { cleanupDeps, documentOf, referenceTo, rolePolicy, synthesizeDeps, upstream } from "./support/deps-json";
import { environment, onlyResource, resources, type TfJson } from "./support/synth";

/* What the deps stack builds and publishes: the Aurora variant, ElastiCache on and off, the bucket's lifecycle, the alerts topic, the contract. */

const AURORA = { database: { engine: "aurora-serverless-v2", engineVersion: "16" } };
const deps = (name: string, overrides: object = {}) => synthesizeDeps(environment(name, overrides));

afterAll(cleanupDeps);


describe("PostgreSQL", () => {
  it("is RDS PostgreSQL 16 on the smallest Graviton class in dev, single-AZ, 20 GiB gp3", () => {
    expect(onlyResource(deps("dev"), "aws_db_instance")).toMatchObject({
      engine: "postgres",
      engine_version: "16",
      instance_class: "db.t4g.micro",
      multi_az: false,
      allocated_storage: 20,
      storage_type: "gp3",
      db_name: "langfuse",
      username: "langfuse",
      port: 5432,
    });
    expect(onlyResource(deps("dev"), "aws_db_parameter_group")).toMatchObject({ family: "postgres16", name: "langfuse-dev-db-postgres16" });
  });

  it("builds an Aurora Serverless v2 cluster with the configured capacity, a writer and (prod) a reader", () => {
    const stack = deps("prod", AURORA);
    expect(resources(stack, "aws_db_instance")).toEqual({});
    expect(onlyResource(stack, "aws_rds_cluster")).toMatchObject({
      engine: "aurora-postgresql",
      engine_mode: "provisioned",
      engine_version: "16",
      cluster_identifier: "langfuse-prod-db",
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 2 },
    });
    expect(onlyResource(stack, "aws_rds_cluster_parameter_group").family).toBe("aurora-postgresql16");
    const instances = Object.values(resources(stack, "aws_rds_cluster_instance"));
    expect(instances.map((instance) => instance.identifier).sort()).toEqual(["langfuse-prod-db-1", "langfuse-prod-db-2"]);
    for (const instance of instances) expect(instance).toMatchObject({ instance_class: "db.serverless", cluster_identifier: referenceTo(stack, "aws_rds_cluster", "id") });
  });

  it("puts Aurora's writer and reader in the network's first two availability zones, never side by side", () => {
    const zones = Object.values(resources(deps("prod", AURORA), "aws_rds_cluster_instance"))
      .sort((a, b) => a.identifier.localeCompare(b.identifier))
      .map((instance) => instance.availability_zone);
    const azs = upstream("availability_zones").slice(2, -1);
    expect(zones).toEqual([`\${element(${azs}, 0)}`, `\${element(${azs}, 1)}`]);
  });

  it("runs Aurora with a single writer when multiAz is off (dev)", () => {
    expect(Object.keys(resources(deps("dev", AURORA), "aws_rds_cluster_instance"))).toHaveLength(1);
  });

  it("publishes the Aurora writer endpoint and cluster identifier", () => {
    const stack = deps("prod", AURORA);
    expect(stack.output.database_host.value).toBe(referenceTo(stack, "aws_rds_cluster", "endpoint"));
    expect(stack.output.database_identifier.value).toBe(referenceTo(stack, "aws_rds_cluster", "cluster_identifier"));
  });

  it("refuses a minor engineVersion for either engine: RDS upgrades minors itself, so a pinned one becomes a refused downgrade", () => {
    for (const engine of ["aurora-serverless-v2", "rds-postgres"]) {
      const error = configErrorOf(() => environment("prod", { database: { engine, engineVersion: "16.6" } }));
      expect(error.key).toBe("environments.prod.database.engineVersion");
      expect(error.message).toContain('"16.6"');
      expect(error.fix).toMatch(/give the major version only \("16"\)/);
    }
  });
});

describe("ElastiCache", () => {
  it("is absent in dev (the chart's bundled Valkey), with empty Redis outputs", () => {
    const stack = deps("dev");
    for (const type of ["aws_elasticache_replication_group", "aws_elasticache_parameter_group", "aws_elasticache_subnet_group"]) expect(resources(stack, type)).toEqual({});
    expect([stack.output.redis_host.value, stack.output.redis_port.value, stack.output.redis_replication_group_id.value]).toEqual(["", "", ""]);
  });

  it("is a Valkey replication group with TLS, an auth token, KMS at rest, failover across AZs and 3 days of snapshots in prod", () => {
    const stack = deps("prod");
    expect(onlyResource(stack, "aws_elasticache_replication_group")).toMatchObject({
      replication_group_id: "langfuse-prod-valkey",
      engine: "valkey",
      engine_version: "8.0",
      node_type: "cache.t4g.micro",
      num_cache_clusters: 2,
      port: 6379,
      transit_encryption_enabled: true,
      at_rest_encryption_enabled: "true",
      kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.secrets_key_\w+\.arn\}$/),
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      snapshot_retention_limit: 3,
      parameter_group_name: referenceTo(stack, "aws_elasticache_parameter_group", "name"),
    });
  });

  it("never evicts keys (Langfuse's queues), through a valkey8 parameter group", () => {
    expect(onlyResource(deps("prod"), "aws_elasticache_parameter_group")).toMatchObject({
      family: "valkey8",
      parameter: [{ name: "maxmemory-policy", value: "noeviction" }],
    });
  });

  it("keeps daily snapshots 3 days by default in both profiles", () => {
    for (const profile of ["dev", "prod"]) {
      expect(onlyResource(deps(profile, { redis: { mode: "elasticache" } }), "aws_elasticache_replication_group").snapshot_retention_limit).toBe(3);
    }
  });

  it("picks the parameter group family from the major version (7.2 → valkey7)", () => {
    expect(onlyResource(deps("prod", { redis: { engineVersion: "7.2" } }), "aws_elasticache_parameter_group")).toMatchObject({
      family: "valkey7",
      name: "langfuse-prod-valkey-valkey7",
    });
  });

  it("has no automatic failover with a single node", () => {
    expect(onlyResource(deps("prod", { redis: { nodeCount: 1 } }), "aws_elasticache_replication_group")).toMatchObject({
      num_cache_clusters: 1,
      automatic_failover_enabled: false,
      multi_az_enabled: false,
    });
  });

  it("publishes the primary endpoint, port and group id", () => {
    const stack = deps("prod");
    expect(stack.output.redis_host.value).toBe(referenceTo(stack, "aws_elasticache_replication_group", "primary_endpoint_address"));
    expect(stack.output.redis_port.value).toBe("6379");
    expect(stack.output.redis_replication_group_id.value).toBe(referenceTo(stack, "aws_elasticache_replication_group", "replication_group_id"));
  });

  it("throws when the Valkey engineVersion is older than 7.2 or malformed", () => {
    for (const version of ["6.2", "8"]) {
      const error = configErrorOf(() => environment("prod", { redis: { engineVersion: version } }));
      expect(error.key).toBe("environments.prod.redis.engineVersion");
      expect(error.fix).toMatch(/Valkey version, 7\.2 or newer/);
    }
  });

  it("throws when the replication group id is longer than ElastiCache's 40 characters", () => {
    const outdir = mkdtempSync(join(tmpdir(), "langfuse-cache-"));
    try {
      const stack = new TerraformStack(new App({ outdir }), "cache");
      const props = { engineVersion: "8.0", nodeType: "cache.t4g.micro", nodeCount: 1, snapshotRetentionDays: 0, vpcId: "vpc", subnetIds: [], clientSecurityGroupId: "sg", authToken: "t", kmsKeyArn: "k" };
      expect(() => new ValkeyCache(stack, "cache", { ...props, replicationGroupId: "x".repeat(41) })).toThrow(
        /'replicationGroupId' \(x{41}\) has 41 characters; ElastiCache allows 40: shorten namePrefix/,
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("image cache", () => {
  it("throws when the repository prefix is longer than ECR's 30 characters", () => {
    const outdir = mkdtempSync(join(tmpdir(), "langfuse-image-cache-"));
    try {
      const stack = new TerraformStack(new App({ outdir }), "image-cache");
      const dockerHubCredentialArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub";
      expect(() => new ImageCache(stack, "ok", { repositoryPrefix: "x".repeat(30), dockerHubCredentialArn })).not.toThrow();
      expect(() => new ImageCache(stack, "long", { repositoryPrefix: "x".repeat(31), dockerHubCredentialArn })).toThrow(
        /'repositoryPrefix' \(x{31}\) has 31 characters; ECR allows 30: shorten namePrefix/,
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("bucket", () => {
  const rules = (profile: string) => onlyResource(deps(profile), "aws_s3_bucket_lifecycle_configuration").rule as TfJson[];
  const rule = (profile: string, id: string) => rules(profile).find((r) => r.id === id);

  it("is named <prefix>-<env>-data-<account id>, unique across accounts", () => {
    expect(onlyResource(deps("prod"), "aws_s3_bucket").bucket).toBe("langfuse-prod-data-${data.aws_caller_identity.caller.account_id}");
  });

  it("expires exports/ after the configured days (dev 7, prod 30)", () => {
    expect(rule("dev", "expire-exports")).toMatchObject({ status: "Enabled", filter: [{ prefix: "exports/" }], expiration: [{ days: 7 }] });
    expect(rule("prod", "expire-exports")?.expiration).toEqual([{ days: 30 }]);
    expect(rule("prod", "expire-exports")?.filter).toEqual([{ prefix: "exports/" }]);
  });

  it("aborts incomplete multipart uploads after 7 days on every prefix", () => {
    for (const profile of ["dev", "prod"]) {
      expect(rule(profile, "abort-incomplete-multipart-uploads")).toMatchObject({
        status: "Enabled",
        filter: [{ prefix: "" }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      });
    }
  });

  it("versions objects in prod and expires non-current versions after the configured days", () => {
    const stack = deps("prod");
    expect(onlyResource(stack, "aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
    expect(rule("prod", "expire-noncurrent-versions")).toMatchObject({ filter: [{ prefix: "" }], noncurrent_version_expiration: [{ noncurrent_days: 30 }] });
    expect(onlyResource(stack, "aws_s3_bucket_lifecycle_configuration").depends_on).toEqual([`aws_s3_bucket_versioning.${Object.keys(resources(stack, "aws_s3_bucket_versioning"))[0]}`]);
  });

  it("has no versioning and no version rule in dev", () => {
    expect(resources(deps("dev"), "aws_s3_bucket_versioning")).toEqual({});
    expect(rules("dev").map((r) => r.id)).toEqual(["expire-exports", "abort-incomplete-multipart-uploads"]);
  });

  it("publishes the bucket key in prod and an empty string with SSE-S3 (dev)", () => {
    expect(deps("prod").output.bucket_kms_key_arn.value).toMatch(/^\$\{aws_kms_key\.bucket_key_\w+\.arn\}$/);
    expect(deps("dev").output.bucket_kms_key_arn.value).toBe("");
  });
});

describe("alerts topic", () => {
  const statementsOf = (stack: TfJson, type: string, attribute: string) => documentOf(stack, onlyResource(stack, type)[attribute]);

  it("is encrypted with its own key, which CloudWatch and EventBridge may use", () => {
    const stack = deps("prod");
    const topic = onlyResource(stack, "aws_sns_topic");
    expect(topic).toMatchObject({ name: "langfuse-prod-alerts", kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.alerts_key_\w+\.arn\}$/) });
    const keyId = /aws_kms_key\.([\w-]+)\.arn/.exec(topic.kms_master_key_id)?.[1] as string;
    const keyPolicy = documentOf(stack, resources(stack, "aws_kms_key")[keyId].policy);
    expect(keyPolicy).toContainEqual(
      expect.objectContaining({ principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] }], actions: ["kms:Decrypt", "kms:GenerateDataKey*"] }),
    );
  });

  it("lets only this account's alarms and rules publish, over TLS", () => {
    const stack = deps("prod");
    const statements = statementsOf(stack, "aws_sns_topic_policy", "policy");
    expect(statements).toContainEqual(
      expect.objectContaining({
        effect: "Allow",
        actions: ["sns:Publish"],
        resources: [referenceTo(stack, "aws_sns_topic", "arn")],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["${data.aws_caller_identity.caller.account_id}"] }],
      }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ effect: "Deny", condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] }));
  });

  it("subscribes alerts.email, and nobody when it is null (dev)", () => {
    expect(onlyResource(deps("prod"), "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "ops@example.com" });
    expect(resources(deps("dev"), "aws_sns_topic_subscription")).toEqual({});
  });
});

describe("load balancer controller policy", () => {
  const statements = loadBalancerControllerStatements("aws");

  it("is the role's inline policy", () => {
    const inline = rolePolicy(deps("prod"), "langfuse-prod-lb-controller");
    expect(inline.map((s) => s.sid)).toEqual(statements.map((s) => s.sid));
  });

  it("creates load balancers, target groups and security groups only with the cluster tag, and changes only tagged ones", () => {
    const create = statements.find((s) => s.actions?.includes("elasticloadbalancing:CreateLoadBalancer"));
    expect(create?.condition).toEqual([{ test: "Null", variable: "aws:RequestTag/elbv2.k8s.aws/cluster", values: ["false"] }]);
    for (const action of ["elasticloadbalancing:DeleteLoadBalancer", "ec2:DeleteSecurityGroup", "elasticloadbalancing:ModifyLoadBalancerAttributes"]) {
      const statement = statements.find((s) => s.actions?.includes(action));
      expect(statement?.condition, action).toContainEqual({ test: "Null", variable: "aws:ResourceTag/elbv2.k8s.aws/cluster", values: ["false"] });
    }
  });

  it("may only create the Elastic Load Balancing service-linked role", () => {
    const linked = statements.filter((s) => s.actions?.includes("iam:CreateServiceLinkedRole"));
    expect(linked).toHaveLength(1);
    expect(linked[0].condition).toEqual([{ test: "StringEquals", variable: "iam:AWSServiceName", values: ["elasticloadbalancing.amazonaws.com"] }]);
  });

  it("fits IAM's 10,240-character limit for a role's inline policies", () => {
    const json = JSON.stringify({
      Version: "2012-10-17",
      Statement: statements.map((s) => ({ Sid: s.sid, Effect: s.effect, Action: s.actions, Resource: s.resources, Condition: s.condition })),
    });
    expect(json.length).toBeLessThan(10_240);
  });
});

describe("outputs", () => {
  it.each(["dev", "prod"])("%s: publishes every DEPS_OUTPUTS key, non-sensitive, with its description", (profile) => {
    const outputs = deps(profile).output;
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(DEPS_OUTPUTS).sort());
    for (const [name, spec] of Object.entries(DEPS_OUTPUTS)) {
      expect(outputs[name], name).toMatchObject({ description: spec.description });
      expect(outputs[name].sensitive ?? false, name).toBe(false);
    }
  });

  it("gives app the endpoints, names, roles and secret references", () => {
    const stack = deps("prod");
    const values = Object.fromEntries(Object.entries(stack.output as Record<string, TfJson>).map(([name, output]) => [name, output.value]));
    expect(values).toMatchObject({
      database_host: referenceTo(stack, "aws_db_instance", "address"),
      database_port: "5432",
      database_name: "langfuse",
      database_username: "langfuse",
      database_identifier: referenceTo(stack, "aws_db_instance", "identifier"),
      bucket_name: referenceTo(stack, "aws_s3_bucket", "bucket"),
      bucket_region: "us-east-1",
      alerts_topic_arn: referenceTo(stack, "aws_sns_topic", "arn"),
    });
    expect(values.langfuse_secrets_arn).toMatch(/^\$\{aws_secretsmanager_secret\.secrets_langfuse_\w+\.arn\}$/);
    expect(values.clickhouse_secret_arn).toMatch(/^\$\{aws_secretsmanager_secret\.secrets_clickhouse_\w+\.arn\}$/);
    for (const role of ["langfuse", "load-balancer-controller", "keda-operator", "clickhouse-maintenance"]) {
      expect(Object.values(values)).toContainEqual(expect.stringMatching(new RegExp(`^\\$\\{aws_iam_role\\.roles_${role}_role_\\w+\\.arn\\}$`)));
    }
  });

  it("places the security groups in the network stack's VPC, read through the contract", () => {
    const groups = Object.values(resources(deps("prod"), "aws_security_group"));
    expect(groups).toHaveLength(2);
    for (const group of groups) expect(group.vpc_id).toBe(upstream("vpc_id"));
  });
});
