import { afterAll, describe, expect, it } from "vitest";
import { DISK_METRICS_NAMESPACE } from "../contract/metrics";
import { LANGFUSE_SECRET_KEYS } from "../contract/secret-keys";
import {
  CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT,
  CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
  KEDA_OPERATOR_SERVICE_ACCOUNT,
  LANGFUSE_SERVICE_ACCOUNT,
  LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
} from "../contract/service-accounts";
import { cleanupDeps, documentOf, isGeneratedReference, literalSecrets, policyStatements, referenceTo, rolePolicy, synthesizeDeps, upstream } from "./support/deps-json";
import { environment, onlyResource, resources, type TfJson } from "./support/synth";

/*
 * The security properties of issue 3, each on dev and prod: nothing public, everything encrypted, TLS only,
 * network access from the cluster alone, one service account per role, no wildcard admin, no literal secret,
 * and prod's guards against losing data.
 */

const AURORA = { database: { engine: "aurora-serverless-v2", engineVersion: "16" } };
const deps = (name: string, overrides: object = {}) => synthesizeDeps(environment(name, overrides));
const PROFILES = ["dev", "prod"] as const;

afterAll(cleanupDeps);

describe.each(PROFILES)("%s: nothing is public", (profile) => {
  it("keeps the RDS instance and every Aurora instance off the internet", () => {
    expect(onlyResource(deps(profile), "aws_db_instance").publicly_accessible).toBe(false);
    for (const instance of Object.values(resources(deps(profile, AURORA), "aws_rds_cluster_instance"))) {
      expect(instance.publicly_accessible).toBe(false);
    }
  });

  it("blocks every form of public bucket access and turns ACLs off", () => {
    const stack = deps(profile);
    expect(onlyResource(stack, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(stack, "aws_s3_bucket_ownership_controls").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  });
});

describe.each(PROFILES)("%s: data is encrypted at rest", (profile) => {
  it("encrypts PostgreSQL (RDS and Aurora) with the environment's key", () => {
    const stack = deps(profile);
    const instance = onlyResource(stack, "aws_db_instance");
    expect(instance).toMatchObject({ storage_encrypted: true, storage_type: "gp3" });
    expect(instance.kms_key_id).toMatch(/^\$\{aws_kms_key\.secrets_key_\w+\.arn\}$/);
    expect(onlyResource(deps(profile, AURORA), "aws_rds_cluster")).toMatchObject({ storage_encrypted: true, kms_key_id: instance.kms_key_id });
  });

  it("encrypts the bucket: a dedicated KMS key with a bucket key in prod, SSE-S3 in dev", () => {
    const stack = deps(profile);
    const [rule] = onlyResource(stack, "aws_s3_bucket_server_side_encryption_configuration").rule;
    if (profile === "prod") {
      expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "aws:kms", kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.bucket_key_\w+\.arn\}$/) });
      expect(rule.bucket_key_enabled).toBe(true);
    } else {
      expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "AES256" });
    }
  });

  it("encrypts every secret (Langfuse's, ClickHouse's admin and cleanup passwords) with the rotating secrets key", () => {
    const stack = deps(profile);
    const secretsKey = Object.entries(resources(stack, "aws_kms_key")).find(([id]) => id.startsWith("secrets_key"));
    expect(secretsKey?.[1].enable_key_rotation).toBe(true);
    const secrets = Object.values(resources(stack, "aws_secretsmanager_secret"));
    expect(secrets).toHaveLength(3);
    for (const secret of secrets) expect(secret.kms_key_id).toBe(`\${aws_kms_key.${secretsKey?.[0]}.arn}`);
  });

  it("encrypts ElastiCache at rest with the environment's key", () => {
    const stack = deps(profile, { redis: { mode: "elasticache" } });
    expect(onlyResource(stack, "aws_elasticache_replication_group")).toMatchObject({
      at_rest_encryption_enabled: "true",
      kms_key_id: onlyResource(stack, "aws_db_instance").kms_key_id,
    });
  });

  it("rotates every KMS key yearly", () => {
    const keys = Object.values(resources(deps(profile), "aws_kms_key"));
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) expect(key.enable_key_rotation).toBe(true);
  });
});

describe.each(PROFILES)("%s: TLS only", (profile) => {
  it("forces TLS in the PostgreSQL parameter group (RDS and Aurora)", () => {
    const stack = deps(profile);
    expect(onlyResource(stack, "aws_db_parameter_group").parameter).toContainEqual({ name: "rds.force_ssl", value: "1" });
    expect(onlyResource(stack, "aws_db_instance").parameter_group_name).toBe(referenceTo(stack, "aws_db_parameter_group", "name"));
    const aurora = deps(profile, AURORA);
    expect(onlyResource(aurora, "aws_rds_cluster_parameter_group").parameter).toContainEqual({ name: "rds.force_ssl", value: "1" });
    expect(onlyResource(aurora, "aws_rds_cluster").db_cluster_parameter_group_name).toBe(referenceTo(aurora, "aws_rds_cluster_parameter_group", "name"));
  });

  it("requires TLS and a generated AUTH token on ElastiCache, with the rotation strategy provider 6 demands", () => {
    const group = onlyResource(deps(profile, { redis: { mode: "elasticache" } }), "aws_elasticache_replication_group");
    expect(group.transit_encryption_enabled).toBe(true);
    // "preferred" would also admit plain-text clients; unset means "required" when transit encryption is on.
    expect(group.transit_encryption_mode ?? "required").toBe("required");
    expect(isGeneratedReference(group.auth_token)).toBe(true);
    expect(group.auth_token_update_strategy).toBe("ROTATE");
  });

  it("denies any bucket request not made over TLS", () => {
    const stack = deps(profile);
    const statements = documentOf(stack, onlyResource(stack, "aws_s3_bucket_policy").policy);
    const bucket = referenceTo(stack, "aws_s3_bucket", "arn");
    expect(statements).toContainEqual(
      expect.objectContaining({
        effect: "Deny",
        actions: ["s3:*"],
        resources: [bucket, `${bucket}/*`],
        principals: [{ type: "*", identifiers: ["*"] }],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }),
    );
  });
});

describe.each(PROFILES)("%s: network access from the cluster alone", (profile) => {
  const stack = () => deps(profile, { redis: { mode: "elasticache" } });

  it("opens PostgreSQL and Valkey only to the cluster security group, on their port alone", () => {
    const rules = Object.values(resources(stack(), "aws_vpc_security_group_ingress_rule"));
    expect(rules.map((rule) => rule.from_port).sort()).toEqual([5432, 6379]);
    for (const rule of rules) {
      expect(rule).toMatchObject({ ip_protocol: "tcp", to_port: rule.from_port, referenced_security_group_id: upstream("cluster_security_group_id") });
      expect(rule.cidr_ipv4 ?? rule.cidr_ipv6 ?? rule.prefix_list_id).toBeUndefined();
    }
  });

  it("adds no inline or egress rules (the data stores never initiate connections)", () => {
    for (const group of Object.values(resources(stack(), "aws_security_group"))) {
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
    }
    expect(resources(stack(), "aws_vpc_security_group_egress_rule")).toEqual({});
  });

  it("places the database and the cache in the workload subnets", () => {
    expect(onlyResource(stack(), "aws_db_subnet_group").subnet_ids).toBe(upstream("workload_subnet_ids"));
    expect(onlyResource(stack(), "aws_elasticache_subnet_group").subnet_ids).toBe(upstream("workload_subnet_ids"));
  });
});

describe.each(PROFILES)("%s: every role trusts exactly one service account", (profile) => {
  const accounts = [
    LANGFUSE_SERVICE_ACCOUNT,
    LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
    KEDA_OPERATOR_SERVICE_ACCOUNT,
    CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT,
    CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
  ];

  it("checks subject and audience against the cluster's OIDC provider", () => {
    const stack = deps(profile);
    const roles = Object.values(resources(stack, "aws_iam_role"));
    expect(roles).toHaveLength(accounts.length);
    const subjects = roles.map((role) => {
      const [statement, ...others] = documentOf(stack, role.assume_role_policy);
      expect(others).toEqual([]);
      expect(statement.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
      expect(statement.principals).toEqual([{ type: "Federated", identifiers: [upstream("oidc_provider_arn")] }]);
      expect(statement.condition).toContainEqual({ test: "StringEquals", variable: `${upstream("oidc_provider_url")}:aud`, values: ["sts.amazonaws.com"] });
      const subject = statement.condition.find((condition: TfJson) => condition.variable === `${upstream("oidc_provider_url")}:sub`);
      expect(subject.test).toBe("StringEquals");
      expect(subject.values).toHaveLength(1);
      return subject.values[0];
    });
    expect(subjects.sort()).toEqual(accounts.map((account) => `system:serviceaccount:${account.namespace}:${account.name}`).sort());
  });
});

describe.each(PROFILES)("%s: least privilege", (profile) => {
  it("has no '*' action in any policy document", () => {
    for (const statement of policyStatements(deps(profile))) {
      expect(statement.actions ?? [], statement.document).not.toContain("*");
      expect(statement.not_actions, statement.document).toBeUndefined();
    }
  });

  it("allows no whole service ('svc:*') anywhere, key policies included (no default kms:* delegation)", () => {
    const broad = policyStatements(deps(profile)).filter((s) => s.effect === "Allow" && (s.actions ?? []).some((a: string) => a.endsWith(":*")));
    expect(broad.map((s) => [s.document, s.sid, s.actions])).toEqual([]);
  });

  it("gives Langfuse objects under its bucket, listing of that bucket, and the bucket key only when SSE-KMS is on", () => {
    const stack = deps(profile);
    const bucket = referenceTo(stack, "aws_s3_bucket", "arn");
    const statements = rolePolicy(stack, `langfuse-${profile}-langfuse`);
    expect(statements).toContainEqual(expect.objectContaining({ actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: [`${bucket}/*`] }));
    expect(statements).toContainEqual(expect.objectContaining({ actions: ["s3:ListBucket"], resources: [bucket] }));
    const kms = statements.filter((s) => s.actions.some((a: string) => a.startsWith("kms:")));
    if (profile === "prod") {
      expect(kms).toEqual([expect.objectContaining({ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [expect.stringMatching(/^\$\{aws_kms_key\.bucket_key_\w+\.arn\}$/)] })]);
    } else {
      expect(kms).toEqual([]);
    }
    expect(statements).toHaveLength(profile === "prod" ? 3 : 2);
  });

  it("lets the ClickHouse maintenance job only put metrics, into the disk metrics namespace", () => {
    expect(rolePolicy(deps(profile), `langfuse-${profile}-clickhouse-maintenance`)).toEqual([
      expect.objectContaining({
        actions: ["cloudwatch:PutMetricData"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [DISK_METRICS_NAMESPACE] }],
      }),
    ]);
  });

  it("lets KEDA read metrics and nothing else", () => {
    const [statement, ...others] = rolePolicy(deps(profile), `langfuse-${profile}-keda-operator`);
    expect(others).toEqual([]);
    expect(statement.actions.sort()).toEqual(["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"]);
  });

  describe("the Cluster Autoscaler", () => {
    const role = () => Object.values(resources(deps(profile), "aws_iam_role")).find((r) => r.name === `langfuse-${profile}-cluster-autoscaler`)!;
    const statements = () => rolePolicy(deps(profile), `langfuse-${profile}-cluster-autoscaler`);
    const MUTATING = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"];

    it("trusts only kube-system/cluster-autoscaler tokens minted for STS", () => {
      const [trust] = documentOf(deps(profile), role().assume_role_policy);
      expect(trust.condition).toEqual([
        { test: "StringEquals", variable: `${upstream("oidc_provider_url")}:sub`, values: ["system:serviceaccount:kube-system:cluster-autoscaler"] },
        { test: "StringEquals", variable: `${upstream("oidc_provider_url")}:aud`, values: ["sts.amazonaws.com"] },
      ]);
    });

    it("resizes or terminates only in Auto Scaling groups tagged as owned by this cluster", () => {
      const mutating = statements().filter((s) => s.actions.some((action: string) => MUTATING.includes(action)));
      expect(mutating).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: MUTATING,
          condition: [{ test: "StringEquals", variable: `aws:ResourceTag/k8s.io/cluster-autoscaler/${upstream("cluster_name")}`, values: ["owned"] }],
        }),
      ]);
    });

    it("reads without conditions only through Describe/Get actions, and holds nothing else", () => {
      const unconditioned = statements().filter((s) => s.condition === undefined);
      expect(unconditioned).toHaveLength(1);
      const reads: string[] = unconditioned[0].actions;
      expect(reads.every((action) => /^(autoscaling|ec2|eks):(Describe|Get)/.test(action))).toBe(true);
      expect(reads).toEqual(expect.arrayContaining(["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeTags", "eks:DescribeNodegroup", "ec2:DescribeInstanceTypes"]));
      expect(statements().flatMap((s) => s.actions)).toHaveLength(reads.length + MUTATING.length);
      expect(statements().flatMap((s) => s.actions)).not.toContain("*");
    });
  });
});

describe.each(PROFILES)("%s: no literal secret", (profile) => {
  it("finds nothing that looks like a password, key or API key in the synthesized JSON (Aurora and ElastiCache too)", () => {
    for (const variant of [{}, AURORA, { redis: { mode: "elasticache" } }]) expect(literalSecrets(deps(profile, variant))).toEqual([]);
  });

  it("takes the database password and the Redis auth token from generated values", () => {
    const stack = deps(profile, { redis: { mode: "elasticache" } });
    expect(isGeneratedReference(onlyResource(stack, "aws_db_instance").password)).toBe(true);
    expect(isGeneratedReference(onlyResource(stack, "aws_elasticache_replication_group").auth_token)).toBe(true);
    expect(isGeneratedReference(onlyResource(deps(profile, AURORA), "aws_rds_cluster").master_password)).toBe(true);
  });

  it("builds the Langfuse secret from generated values only, under exactly the contract's keys", () => {
    const versions = Object.entries(resources(deps(profile), "aws_secretsmanager_secret_version"));
    const langfuse = versions.find(([id]) => id.startsWith("secrets_langfuse-value"))?.[1].secret_string as string;
    const entries = [...langfuse.matchAll(/"([a-z-]+)" = ("[^"]*\$\{[^}]+\}"|[\w.-]+)/g)].map((match) => [match[1], match[2]]);
    expect(entries.map(([key]) => key).sort()).toEqual(Object.values(LANGFUSE_SECRET_KEYS).sort());
    for (const [key, value] of entries) {
      const reference = value.replace(/^"(pk-lf-|sk-lf-)?\$\{(.+)\}"$/, "$2");
      expect(isGeneratedReference(`\${${reference}}`), key).toBe(true);
    }
    const clickhouse = versions.find(([id]) => id.startsWith("secrets_clickhouse-value"))?.[1].secret_string;
    expect(isGeneratedReference(clickhouse)).toBe(true);
  });

  it("catches a secret written as a literal (the scanner is not blind)", () => {
    const leaked = structuredClone(deps(profile));
    const instance = Object.values(leaked.resource.aws_db_instance)[0] as TfJson;
    for (const secret of ["Xk9vR2pQ7mZ4wL8nB3cT6y", "a3f1c2e4b5d6a7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70", "sk-lf-1234abcd"]) {
      instance.password = secret;
      expect(literalSecrets(leaked)).toEqual([secret]);
    }
  });
});

/** Logical ids (per resource type) of every resource with lifecycle.prevent_destroy. */
function guarded(stack: TfJson): string[] {
  return Object.entries(stack.resource as Record<string, Record<string, TfJson>>).flatMap(([type, byId]) =>
    Object.entries(byId)
      .filter(([, resource]) => resource.lifecycle?.prevent_destroy === true)
      .map(([id]) => `${type}.${id.replace(/_[0-9A-F]{8}$/, "")}`),
  );
}

describe("prod guards against losing data", () => {
  it("puts prevent_destroy on the database, the bucket, their keys, SALT and ENCRYPTION_KEY", () => {
    expect(guarded(deps("prod")).sort()).toEqual([
      "aws_db_instance.database_instance",
      "aws_kms_key.bucket_key",
      "aws_kms_key.secrets_key",
      "aws_s3_bucket.bucket",
      "random_id.secrets_encryption-key",
      "random_password.secrets_salt",
    ]);
    expect(guarded(deps("prod", AURORA))).toContain("aws_rds_cluster.database_cluster");
  });

  it("turns on deletion protection and takes a final snapshot (RDS and Aurora)", () => {
    for (const database of [onlyResource(deps("prod"), "aws_db_instance"), onlyResource(deps("prod", AURORA), "aws_rds_cluster")]) {
      expect(database).toMatchObject({ deletion_protection: true, skip_final_snapshot: false, final_snapshot_identifier: "langfuse-prod-db-final" });
    }
  });

  it("keeps automated backups at least 7 days, Multi-AZ, Performance Insights and a storage ceiling", () => {
    const instance = onlyResource(deps("prod"), "aws_db_instance");
    expect(instance.backup_retention_period).toBeGreaterThanOrEqual(7);
    expect(instance).toMatchObject({ multi_az: true, performance_insights_enabled: true, max_allocated_storage: 200 });
    expect(onlyResource(deps("prod", AURORA), "aws_rds_cluster").backup_retention_period).toBeGreaterThanOrEqual(7);
  });

  it("keeps deleted secrets recoverable for 30 days and never force-destroys the bucket", () => {
    for (const secret of Object.values(resources(deps("prod"), "aws_secretsmanager_secret"))) expect(secret.recovery_window_in_days).toBe(30);
    expect(onlyResource(deps("prod"), "aws_s3_bucket").force_destroy).toBe(false);
  });
});

describe("dev can be torn down", () => {
  it("has no prevent_destroy anywhere (Aurora and ElastiCache too)", () => {
    for (const variant of [{}, AURORA, { redis: { mode: "elasticache" } }]) expect(guarded(deps("dev", variant))).toEqual([]);
  });

  it("skips deletion protection and the final snapshot, deletes secrets at once and empties the bucket on destroy", () => {
    for (const database of [onlyResource(deps("dev"), "aws_db_instance"), onlyResource(deps("dev", AURORA), "aws_rds_cluster")]) {
      expect(database).toMatchObject({ deletion_protection: false, skip_final_snapshot: true });
      expect(database.final_snapshot_identifier).toBeUndefined();
    }
    for (const secret of Object.values(resources(deps("dev"), "aws_secretsmanager_secret"))) expect(secret.recovery_window_in_days).toBe(0);
    expect(onlyResource(deps("dev"), "aws_s3_bucket").force_destroy).toBe(true);
  });
});

describe("generated values fit their consumers", () => {
  const passwords = () => resources(deps("prod"), "random_password");
  const byName = (name: string) => Object.entries(passwords()).find(([id]) => id.startsWith(`secrets_${name}_`))?.[1];

  it("makes ENCRYPTION_KEY 32 random bytes, i.e. exactly 64 hex characters", () => {
    const stack = deps("prod");
    const [id, key] = Object.entries(resources(stack, "random_id"))[0];
    expect(key.byte_length).toBe(32);
    const langfuse = Object.entries(resources(stack, "aws_secretsmanager_secret_version")).find(([name]) => name.startsWith("secrets_langfuse-value"));
    expect(langfuse?.[1].secret_string).toContain(`"${LANGFUSE_SECRET_KEYS.encryptionKey}" = random_id.${id}.hex`);
  });

  it("keeps % @ : & # ? $ out of the ClickHouse password", () => {
    const clickhouse = byName("clickhouse-password");
    // Without override_special, random_password draws from its default specials, which include all seven.
    const alphabet = clickhouse?.special === false ? "" : (clickhouse?.override_special ?? "!@#$%&*()-_=+[]{}<>:?");
    expect(alphabet).not.toMatch(/[%@:&#?$]/);
  });

  it("makes the Redis auth token valid for ElastiCache: 16-128 characters without @ \" /", () => {
    const redis = byName("redis-password");
    expect(redis?.length).toBeGreaterThanOrEqual(16);
    expect(redis?.length).toBeLessThanOrEqual(128);
    expect(redis?.special === false || !/[@"/]/.test(redis?.override_special ?? "@")).toBe(true);
  });

  it("keeps the database password URL-safe (the chart puts it in a connection URL)", () => {
    expect(byName("database-password")?.override_special).toMatch(/^[-_.~]*$/);
  });

  it("keeps the database password within 8-41 characters, the limit Aurora sets on master passwords", () => {
    expect(byName("database-password")?.length).toBeGreaterThanOrEqual(8);
    expect(byName("database-password")?.length).toBeLessThanOrEqual(41);
  });
});
