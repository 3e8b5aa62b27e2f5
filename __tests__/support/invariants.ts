import { parse as parseYaml } from "yaml";
import { DEPLOYED_STACKS, Naming } from "../../config/naming";
import type { EnvironmentConfig } from "../../config/schema";
import { X509Certificate } from "node:crypto";
import { DATABASE_CA_CONFIG_MAP, DATABASE_CA_FILE, DATABASE_CA_MOUNT_PATH, DATABASE_CA_PATH } from "../../constructs/langfuse/database-tls";
import { LANGFUSE_RELEASE_NAME } from "../../constructs/langfuse/release";
import { commonName, RDS_CA_IDENTIFIER, rdsRootCommonName } from "../../contract/rds-ca";
import { chartKeys, hasChartKeys } from "./chart-keys";
import { documentOf, literalCredentials, literalSecrets } from "./deps-json";
import { resources, type SynthesizedStacks, type TfJson } from "./synth";

/*
 * Properties every deployment must keep, whatever its configuration: each check takes one environment's
 * configuration and synthesized stacks and returns its violations, one line each, naming the environment and the
 * resource. __tests__/invariants/ runs them on every environment of the user's environments.yaml; behaviour tests
 * prove each one catches what it claims to.
 */

/** One environment as the checks see it. */
export interface Deployment {
  readonly config: EnvironmentConfig;
  readonly stacks: Pick<SynthesizedStacks, "network" | "deps" | "app" | "workspaces">;
}

export type Invariant = (deployment: Deployment) => string[];

const entries = (stack: TfJson, type: string) => Object.entries(resources(stack, type));

/** True when an environment stores data that must outlive mistakes: a prod profile, or a name that says prod. */
export const holdsProductionData = (config: EnvironmentConfig) => config.profile === "prod" || /prod/.test(config.name);

/** Collects `message` when `ok` is false. */
function checker(name: string) {
  const violations: string[] = [];
  return {
    violations,
    expect: (ok: boolean, message: string) => {
      if (!ok) violations.push(`${name}: ${message}`);
    },
  };
}

export const databaseIsPrivateEncryptedAndTlsOnly: Invariant = ({ config, stacks: { deps } }) => {
  const { violations, expect } = checker(config.name);
  const instances = [...entries(deps, "aws_db_instance"), ...entries(deps, "aws_rds_cluster_instance")];
  expect(instances.length > 0, "no PostgreSQL instance");
  for (const [id, instance] of instances) expect(instance.publicly_accessible === false, `${id} is publicly accessible`);
  for (const [id, storage] of [...entries(deps, "aws_db_instance"), ...entries(deps, "aws_rds_cluster")]) {
    expect(storage.storage_encrypted === true, `${id} is not encrypted at rest`);
  }
  const groups = [...entries(deps, "aws_db_parameter_group"), ...entries(deps, "aws_rds_cluster_parameter_group")];
  expect(groups.length > 0, "no parameter group forces TLS");
  for (const [id, group] of groups) {
    expect((group.parameter ?? []).some((p: TfJson) => p.name === "rds.force_ssl" && p.value === "1"), `${id} does not force TLS (rds.force_ssl)`);
  }
  return violations;
};

export const bucketIsBlockedEncryptedAndTlsOnly: Invariant = ({ config, stacks: { deps } }) => {
  const { violations, expect } = checker(config.name);
  const buckets = entries(deps, "aws_s3_bucket").length;
  expect(entries(deps, "aws_s3_bucket_public_access_block").length === buckets, "a bucket has no public access block");
  expect(entries(deps, "aws_s3_bucket_server_side_encryption_configuration").length === buckets, "a bucket has no default encryption");
  expect(entries(deps, "aws_s3_bucket_policy").length === buckets, "a bucket has no policy denying plain HTTP");
  for (const [id, block] of entries(deps, "aws_s3_bucket_public_access_block")) {
    for (const flag of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) expect(block[flag] === true, `${id}.${flag} is not true`);
  }
  for (const [id, policy] of entries(deps, "aws_s3_bucket_policy")) {
    const deniesPlainHttp = documentOf(deps, policy.policy).some(
      (statement) => statement.effect === "Deny" && (statement.condition ?? []).some((c: TfJson) => c.variable === "aws:SecureTransport" && c.values?.[0] === "false"),
    );
    expect(deniesPlainHttp, `${id} does not deny requests without TLS`);
  }
  return violations;
};

export const irsaRolesTrustOneServiceAccount: Invariant = ({ config, stacks: { deps } }) => {
  const { violations, expect } = checker(config.name);
  for (const [id, role] of entries(deps, "aws_iam_role")) {
    for (const statement of documentOf(deps, role.assume_role_policy)) {
      if (!(statement.actions ?? []).includes("sts:AssumeRoleWithWebIdentity")) continue;
      const conditions: TfJson[] = statement.condition ?? [];
      const subject = conditions.find((c) => String(c.variable).endsWith(":sub"));
      const audience = conditions.find((c) => String(c.variable).endsWith(":aud"));
      expect(subject?.test === "StringEquals" && subject.values?.length === 1, `${id} trusts web identities without one exact subject`);
      expect(/^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$/.test(subject?.values?.[0] ?? ""), `${id} trusts something else than one service account`);
      expect(audience?.test === "StringEquals" && JSON.stringify(audience.values) === '["sts.amazonaws.com"]', `${id} does not check the STS audience`);
    }
  }
  return violations;
};

export const noLiteralSecrets: Invariant = ({ config, stacks }) => {
  const { violations, expect } = checker(config.name);
  for (const stack of ["network", "deps", "app", "workspaces"] as const) {
    for (const found of literalCredentials(stacks[stack])) expect(false, `literal credential in the ${stack} stack at ${found}`);
  }
  // The app stack embeds scripts and bundled code whose strings look like anything: it is read by names only.
  for (const stack of ["network", "deps", "workspaces"] as const) {
    for (const found of literalSecrets(stacks[stack])) expect(false, `secret-shaped literal in the ${stack} stack: ${found.slice(0, 60)}`);
  }
  return violations;
};

export const runRolesTrustTheirOwnWorkspace: Invariant = ({ config, stacks: { workspaces } }) => {
  const { violations, expect } = checker(config.name);
  if (config.backend.type !== "cloud") return violations;
  const naming = new Naming(config.namePrefix, config.name);
  for (const stack of DEPLOYED_STACKS) {
    const workspace = naming.workspace(stack);
    const roles = entries(workspaces, "aws_iam_role").filter(([, role]) => String(role.name).startsWith(naming.runRole(stack)));
    expect(roles.length > 0, `no run role for workspace ${workspace}`);
    for (const [id, role] of roles) {
      const subjects: string[] = documentOf(workspaces, role.assume_role_policy).flatMap((statement) =>
        (statement.condition ?? []).filter((c: TfJson) => String(c.variable).endsWith(":sub")).flatMap((c: TfJson) => c.values as string[]),
      );
      expect(subjects.length > 0, `${id} trusts any workspace`);
      for (const subject of subjects) expect(subject.includes(`:workspace:${workspace}:`), `${id} trusts ${subject}, not only ${workspace}`);
    }
  }
  return violations;
};

/** Parses a helm_release values document (JSON with ${…} interpolations, which may hold quotes). */
function releaseValues(release: TfJson): unknown {
  const text = release.values[0] as string;
  return parseYaml(text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
}

/** The Langfuse helm_release of an app stack, if there is one. */
const langfuseRelease = (app: TfJson): TfJson | undefined => Object.values(resources(app, "helm_release")).find((each) => each.name === LANGFUSE_RELEASE_NAME);

export const chartValuesUseKnownKeys: Invariant = ({ config, stacks: { app } }) => {
  const { violations, expect } = checker(config.name);
  const release = langfuseRelease(app);
  expect(release !== undefined, "no Langfuse release");
  if (!release) return violations;
  // Each chart version has its own keys (2.x dropped the bitnami subcharts): check against the one the release runs.
  const version = String(release.version);
  expect(hasChartKeys(version), `no key index for the Langfuse chart ${version} the release runs (npm run chart-keys -- ${version})`);
  if (!hasChartKeys(version)) return violations;
  for (const path of chartKeys(version).unknownKeyPaths(releaseValues(release))) expect(false, `the Langfuse chart ${version} has no key ${path}: the setting would be ignored`);
  return violations;
};

/**
 * With `database.tlsVerification` (the default), web and worker verify PostgreSQL's certificate: the database is
 * pinned to the CA whose regional root ships in the ConfigMap, which both pods mount where Prisma's URL points.
 * Without it, the connection is still encrypted.
 */
export const databaseServerIsVerified: Invariant = ({ config, stacks: { deps, app } }) => {
  const { violations, expect } = checker(config.name);
  const release = langfuseRelease(app);
  expect(release !== undefined, "no Langfuse release");
  if (!release) return violations;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const values = releaseValues(release) as any;
  const args = new URLSearchParams(String(values?.postgresql?.args ?? ""));
  expect(args.get("sslmode") === "require", `the Langfuse release's postgresql.args (${values?.postgresql?.args}) does not require TLS`);
  if (!config.database.tlsVerification) return violations;
  expect(args.get("sslaccept") === "strict" && args.get("sslcert") === DATABASE_CA_PATH, `the Langfuse release's postgresql.args (${values?.postgresql?.args}) does not verify the server against ${DATABASE_CA_PATH}`);
  for (const [id, instance] of [...entries(deps, "aws_db_instance"), ...entries(deps, "aws_rds_cluster_instance")]) {
    expect(instance.ca_cert_identifier === RDS_CA_IDENTIFIER, `${id} is not pinned to ${RDS_CA_IDENTIFIER} (ca_cert_identifier ${instance.ca_cert_identifier})`);
  }
  const configMap = entries(app, "kubernetes_config_map_v1").find(([, each]) => each.metadata?.name === DATABASE_CA_CONFIG_MAP)?.[1];
  const pems = String(configMap?.data?.[DATABASE_CA_FILE] ?? "").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  expect(pems.length === 1, `the ConfigMap ${DATABASE_CA_CONFIG_MAP} holds ${pems.length} certificates, not the one Prisma reads`);
  if (pems.length === 1) {
    const name = commonName(new X509Certificate(pems[0]).subject);
    expect(name === rdsRootCommonName(config.region), `the ConfigMap ${DATABASE_CA_CONFIG_MAP} holds "${name}", not the root of ${RDS_CA_IDENTIFIER} in ${config.region}`);
  }
  const mounted = (values?.langfuse?.extraVolumes ?? []).some((volume: TfJson) => volume.configMap?.name === DATABASE_CA_CONFIG_MAP) &&
    (values?.langfuse?.extraVolumeMounts ?? []).some((mount: TfJson) => mount.mountPath === DATABASE_CA_MOUNT_PATH);
  expect(mounted, `web and worker do not mount ${DATABASE_CA_CONFIG_MAP} at ${DATABASE_CA_MOUNT_PATH}`);
  return violations;
};

/** Logical ids (type.id) of every resource of the stack with lifecycle.prevent_destroy. */
function preventDestroy(stack: TfJson): Set<string> {
  return new Set(
    Object.entries((stack.resource ?? {}) as Record<string, Record<string, TfJson>>).flatMap(([type, byId]) =>
      Object.entries(byId)
        .filter(([, body]) => body.lifecycle?.prevent_destroy === true)
        .map(([id]) => `${type}.${id}`),
    ),
  );
}

export const productionDataIsGuarded: Invariant = ({ config, stacks: { deps, app } }) => {
  const { violations, expect } = checker(config.name);
  if (!holdsProductionData(config)) return violations;
  expect(config.profile === "prod", `named like production but uses the ${config.profile} profile, which has no data guards; set profile: prod`);
  const guarded = preventDestroy(deps);
  for (const type of ["aws_db_instance", "aws_rds_cluster"]) {
    for (const [id, database] of entries(deps, type)) {
      expect(database.deletion_protection === true, `${type}.${id} has no deletion protection`);
      expect(database.skip_final_snapshot === false, `${type}.${id} skips its final snapshot`);
      expect(database.backup_retention_period >= 7, `${type}.${id} keeps backups ${database.backup_retention_period} days, under 7`);
      expect(guarded.has(`${type}.${id}`), `${type}.${id} lacks prevent_destroy`);
    }
  }
  for (const [id, instance] of entries(deps, "aws_db_instance")) expect(instance.multi_az === true, `aws_db_instance.${id} is not Multi-AZ (database.multiAz)`);
  for (const [id, bucket] of entries(deps, "aws_s3_bucket")) {
    expect(bucket.force_destroy === false, `aws_s3_bucket.${id} is force-destroyed`);
    expect(guarded.has(`aws_s3_bucket.${id}`), `aws_s3_bucket.${id} lacks prevent_destroy`);
  }
  for (const [id, secret] of entries(deps, "aws_secretsmanager_secret")) {
    expect(secret.recovery_window_in_days >= 7, `aws_secretsmanager_secret.${id} is deleted without a recovery window`);
  }
  for (const [id, storageClass] of entries(app, "kubernetes_storage_class_v1")) {
    if (storageClass.metadata?.name === "clickhouse") expect(storageClass.reclaim_policy === "Retain", `kubernetes_storage_class_v1.${id} deletes the ClickHouse volume with its claim`);
  }
  return violations;
};

/** Every invariant, by what it guarantees. */
export const INVARIANTS: Readonly<Record<string, Invariant>> = {
  "keeps PostgreSQL off the internet, encrypted at rest and TLS-only": databaseIsPrivateEncryptedAndTlsOnly,
  "has web and worker verify PostgreSQL's certificate (unless database.tlsVerification is off)": databaseServerIsVerified,
  "blocks public access to the data bucket, encrypts it and refuses plain HTTP": bucketIsBlockedEncryptedAndTlsOnly,
  "binds every IRSA role to one service account and the STS audience": irsaRolesTrustOneServiceAccount,
  "writes no secret as a literal into any stack": noLiteralSecrets,
  "binds each Terraform Cloud run role to its own workspace only": runRolesTrustTheirOwnWorkspace,
  "gives the Langfuse chart only keys it has": chartValuesUseKnownKeys,
  "guards production data (deletion protection, snapshots, backups, Multi-AZ, prevent_destroy, retained volume)": productionDataIsGuarded,
};
