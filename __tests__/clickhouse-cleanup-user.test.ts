import { afterAll, describe, expect, it } from "vitest";
import { cleanupRoleConfig, cleanupUserStatements } from "../constructs/clickhouse/cleanup-user";
import { CLEANUP_CLICKHOUSE_USER } from "../contract/clickhouse-cleanup-user";
import { CLICKHOUSE_CLEANUP_PASSWORD_KEY, KUBERNETES_SECRET_NAME } from "../contract/secret-keys";
import { cleanupGrants } from "../lambda/clickhouse-cleanup/grants";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

/*
 * The cleanup function's own ClickHouse user in the synthesized stacks: where the server gets it (v3: the bitnami
 * subchart's users.d override and environment; v4: the ClickHouseCluster's users configuration and the retention
 * job), that no password or hash is ever a literal, and that the function and its role name only that user's secret.
 * That the grants cover what the function runs is lambda/clickhouse-cleanup/grants.test.ts (in chdb).
 */

afterAll(cleanupSynth);

const v3 = { langfuse: { line: "v3" } };
const SECRET_MATERIAL = /password_sha256_hex|password_double_sha1_hex|sha256_hash BY '[0-9a-f]{64}'|IDENTIFIED BY/;

const valuesOf = (app: TfJson): TfJson => {
  const release = Object.values(resources(app, "helm_release")).find((r) => r.name === "langfuse")!;
  return JSON.parse((release.values[0] as string).replace(/\$\{([^}]*)\}/g, (_m, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
};
const retentionJob = (app: TfJson) => Object.values(resources(app, "kubernetes_job_v1")).find((job) => String(job.metadata.name).startsWith("clickhouse-retention-"))!;
const envOf = (job: TfJson): TfJson[] => job.spec.template.spec.container[0].env;
const retentionScript = (app: TfJson): string => Object.values(resources(app, "kubernetes_config_map_v1")).find((map) => map.metadata.name === "clickhouse-retention")!.data["retention.sh"];
const cleanupFunction = (app: TfJson) => Object.values(resources(app, "aws_lambda_function"))[0];

describe("v3 (bitnami subchart): the cleanup user is a users.d override whose password comes from the Secret", () => {
  const config = environment("prod", v3);
  const { app } = synthesize(config);
  const clickhouse = valuesOf(app).clickhouse;

  it("defines the user under the subchart's usersExtraOverrides with the grants of grants.ts, from the VPC only", () => {
    const xml: string = clickhouse.usersExtraOverrides;
    expect(xml).toContain(`<${CLEANUP_CLICKHOUSE_USER.userName}>`);
    expect(xml).toContain(`<password from_env="${CLEANUP_CLICKHOUSE_USER.passwordEnv}"/>`);
    expect([...xml.matchAll(/<ip>([^<]+)<\/ip>/g)].map((m) => m[1])).toEqual([config.network.vpcCidr]);
    expect([...xml.matchAll(/<query>([^<]+)<\/query>/g)].map((m) => m[1])).toEqual(cleanupGrants({ schema: "v3" }));
    expect(xml).not.toMatch(/access_management|<password>/);
    expect(xml).not.toMatch(SECRET_MATERIAL);
  });

  it("gives the ClickHouse container the password as a reference into the Kubernetes Secret, never a value", () => {
    expect(clickhouse.extraEnvVars).toEqual([
      { name: CLEANUP_CLICKHOUSE_USER.passwordEnv, valueFrom: { secretKeyRef: { name: KUBERNETES_SECRET_NAME, key: CLICKHOUSE_CLEANUP_PASSWORD_KEY } } },
    ]);
    expect(JSON.stringify(app)).not.toMatch(SECRET_MATERIAL);
  });

  it("leaves the retention job to the admin user: no user is made in SQL on this line", () => {
    expect(envOf(retentionJob(app)).map((variable) => variable.name)).not.toContain("CLEANUP_PASSWORD");
    expect(retentionScript(app)).not.toContain("CREATE USER");
  });

  it("makes the function connect as that user, reading only that user's secret", () => {
    const variables = cleanupFunction(app).environment.variables;
    expect(variables.CLICKHOUSE_USER).toBe(CLEANUP_CLICKHOUSE_USER.userName);
    expect(variables.CLICKHOUSE_SECRET_ARN).toMatch(/clickhouse_cleanup_secret_arn/);
    expect(JSON.stringify(app)).not.toMatch(/"CLICKHOUSE_PASSWORD"\s*:/);
  });
});

describe("v4 (operator): the grants are a role of the ClickHouseCluster, the user is made by the retention job", () => {
  const config = environment("prod");
  const { app } = synthesize(config);
  const clickhouse = valuesOf(app).clickhouse;

  it("puts the role in clickhouse.cluster.profileSettings (the chart's extraUsersConfig), with the grants of grants.ts", () => {
    expect(clickhouse.cluster.profileSettings).toEqual(cleanupRoleConfig({ schema: "v4" }));
    const queries = clickhouse.cluster.profileSettings.roles[CLEANUP_CLICKHOUSE_USER.roleName].grants.map((grant: TfJson) => grant.query);
    expect(queries).toEqual(cleanupGrants({ schema: "v4" }));
    expect(clickhouse.cluster).not.toHaveProperty("extraEnvVars");
  });

  it("has the retention job create the user from the Secret and the VPC, with statements it keeps off the command line", () => {
    const env = envOf(retentionJob(app));
    expect(env).toContainEqual({ name: "CLEANUP_PASSWORD", value_from: { secret_key_ref: { name: KUBERNETES_SECRET_NAME, key: CLICKHOUSE_CLEANUP_PASSWORD_KEY } } });
    expect(env).toContainEqual({ name: "CLEANUP_NETWORK", value: expect.stringContaining("vpc_cidr") });
    const script = retentionScript(app);
    for (const statement of cleanupUserStatements()) expect(script).toContain(statement.replace(/'/g, `'\\''`));
    expect(script).toMatch(/printf "%s" "\$CLEANUP_PASSWORD" \| sha256sum/);
    expect(script).not.toMatch(/--password|--param/);
    expect(JSON.stringify(app)).not.toMatch(SECRET_MATERIAL);
  });

  it("makes the function connect as that user", () => {
    expect(cleanupFunction(app).environment.variables.CLICKHOUSE_USER).toBe(CLEANUP_CLICKHOUSE_USER.userName);
  });
});

describe("without the emergency cleanup there is no cleanup user", () => {
  it.each([
    ["v3", environment("dev", v3)],
    ["v4", environment("dev")],
  ])("%s dev", (_line, config) => {
    expect(config.clickhouse.emergencyCleanup).toBe(false);
    const { app } = synthesize(config);
    const clickhouse = valuesOf(app).clickhouse;
    expect(clickhouse).not.toHaveProperty("usersExtraOverrides");
    expect(clickhouse.cluster ?? {}).not.toHaveProperty("profileSettings");
    expect(JSON.stringify(app)).not.toContain(CLICKHOUSE_CLEANUP_PASSWORD_KEY);
  });
});
