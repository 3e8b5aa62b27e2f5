import { afterAll, describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../config/schema";
import { LANGFUSE_LINES } from "../contract/langfuse-lines";
import {
  bucketIsBlockedEncryptedAndTlsOnly,
  chartValuesUseKnownKeys,
  databaseIsPrivateEncryptedAndTlsOnly,
  databaseServerIsVerified,
  INVARIANTS,
  irsaRolesTrustOneServiceAccount,
  noLiteralSecrets,
  productionDataIsGuarded,
  runRolesTrustTheirOwnWorkspace,
  type Deployment,
} from "./support/invariants";
import { literalCredentials } from "./support/deps-json";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

/*
 * The invariants run on the user's environments (__tests__/invariants/); here each is proven to hold on the
 * fixture's environments and to catch the breach it is about, with a message that names the environment.
 */

afterAll(cleanupSynth);

const deploymentOf = (config: EnvironmentConfig): Deployment => ({ config, stacks: synthesize(config) });
/** A deep copy of a deployment's stacks, for tampering. */
const tampered = (deployment: Deployment, change: (stacks: Deployment["stacks"]) => void): Deployment => {
  const stacks = structuredClone({ network: deployment.stacks.network, deps: deployment.stacks.deps, app: deployment.stacks.app, workspaces: deployment.stacks.workspaces });
  change(stacks);
  return { config: deployment.config, stacks };
};
const first = (stack: TfJson, type: string): TfJson => Object.values(resources(stack, type))[0];

describe.each(["dev", "prod"])("the invariants on the fixture's %s", (name) => {
  it.each(Object.entries(INVARIANTS))("hold: %s", (_title, invariant) => {
    expect(invariant(deploymentOf(environment(name)))).toEqual([]);
  });
});

describe("each invariant catches its breach and names the environment", () => {
  const prod = () => deploymentOf(environment("prod"));

  it("a public or plain-text database", () => {
    const broken = tampered(prod(), ({ deps }) => {
      first(deps, "aws_db_instance").publicly_accessible = true;
      first(deps, "aws_db_parameter_group").parameter = [];
    });
    expect(databaseIsPrivateEncryptedAndTlsOnly(broken)).toEqual([
      expect.stringMatching(/^prod: database_instance_\S+ is publicly accessible$/),
      expect.stringMatching(/^prod: \S+ does not force TLS \(rds\.force_ssl\)$/),
    ]);
  });

  it("a database whose certificate web and worker do not verify", () => {
    const broken = tampered(prod(), ({ deps, app }) => {
      delete first(deps, "aws_db_instance").ca_cert_identifier;
      const release = Object.values(resources(app, "helm_release")).find((each) => each.name === "langfuse")!;
      release.values = [(release.values[0] as string).replace("sslaccept=strict", "sslaccept=accept_invalid_certs")];
      const configMap = Object.values(resources(app, "kubernetes_config_map_v1")).find((each) => each.metadata.name === "langfuse-database-ca")!;
      const pem = Object.values(configMap.data as Record<string, string>)[0];
      configMap.data = { "rds-ca.pem": `${pem}\n${pem}` };
    });
    expect(databaseServerIsVerified(broken)).toEqual([
      expect.stringMatching(/^prod: the Langfuse release's postgresql\.args \(.*sslaccept=accept_invalid_certs.*\) does not verify the server/),
      expect.stringMatching(/^prod: database_instance_\S+ is not pinned to rds-ca-rsa2048-g1/),
      expect.stringMatching(/^prod: the ConfigMap langfuse-database-ca holds 2 certificates/),
    ]);
  });

  it("a bucket open to public ACLs", () => {
    const broken = tampered(prod(), ({ deps }) => {
      first(deps, "aws_s3_bucket_public_access_block").block_public_acls = false;
    });
    expect(bucketIsBlockedEncryptedAndTlsOnly(broken)).toEqual([expect.stringMatching(/^prod: \S+\.block_public_acls is not true$/)]);
  });

  it("an IRSA role that trusts every service account", () => {
    const broken = tampered(prod(), ({ deps }) => {
      const document = Object.values(deps.data.aws_iam_policy_document as Record<string, TfJson>).find((doc) => doc.statement[0].actions?.includes("sts:AssumeRoleWithWebIdentity"))!;
      const subject = document.statement[0].condition.find((c: TfJson) => String(c.variable).endsWith(":sub"));
      subject.test = "StringLike";
      subject.values = ["system:serviceaccount:*:*"];
    });
    expect(irsaRolesTrustOneServiceAccount(broken).join("\n")).toMatch(/^prod: \S+ trusts web identities without one exact subject/);
  });

  it("a password written as a literal, in a resource or an env entry", () => {
    const broken = tampered(prod(), ({ app }) => {
      first(app, "kubernetes_secret_v1").data = { DATABASE_PASSWORD: "hunter2hunter2" };
      first(app, "helm_release").set_sensitive = [{ name: "auth.password", value: "correct-horse" }];
    });
    expect(noLiteralSecrets(broken).join("\n")).toMatch(/^prod: literal credential in the app stack at .*DATABASE_PASSWORD/m);
    expect(noLiteralSecrets(broken).join("\n")).toMatch(/auth\.password/);
  });

  it("reads names, not shapes: references and pointers to secrets pass", () => {
    const stack = { resource: { x: { a: { password: "${random_password.p.result}", secret_name: "langfuse-secrets", env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] } } } };
    expect(literalCredentials(stack)).toEqual([]);
    expect(literalCredentials({ resource: { x: { a: { env: [{ name: "REDIS_PASSWORD", value: "plain" }] } } } })).toEqual(["resource.x.a.env[0].value (REDIS_PASSWORD)"]);
  });

  it("a run role that trusts every workspace of the organization", () => {
    const broken = tampered(prod(), ({ workspaces }) => {
      for (const document of Object.values(workspaces.data.aws_iam_policy_document as Record<string, TfJson>)) {
        for (const condition of document.statement?.[0]?.condition ?? []) if (String(condition.variable).endsWith(":sub")) condition.values = ["organization:my-org:*"];
      }
    });
    expect(runRolesTrustTheirOwnWorkspace(broken).join("\n")).toMatch(/^prod: \S+ trusts organization:my-org:\*, not only langfuse-prod-network/m);
  });

  it("a chart key the Langfuse chart does not have", () => {
    const broken = tampered(prod(), ({ app }) => {
      const release = Object.values(resources(app, "helm_release")).find((each) => each.name === "langfuse")!;
      const document = release.values[0] as string;
      expect(document).toContain('"langfuse": {');
      release.values = [document.replace('"langfuse": {', '"langfuse": { "webb": { "replicas": 3 },')];
    });
    // prod runs the v4 line's chart (2.0.0), whose index is the one the check reads.
    expect(chartValuesUseKnownKeys(broken)).toEqual([`prod: the Langfuse chart ${LANGFUSE_LINES.v4.chartVersion} has no key langfuse.webb: the setting would be ignored`]);
  });

  it("a Langfuse chart version no key index is committed for", () => {
    const unindexed = tampered(prod(), ({ app }) => {
      Object.values(resources(app, "helm_release")).find((each) => each.name === "langfuse")!.version = "2.0.9";
    });
    expect(chartValuesUseKnownKeys(unindexed)).toEqual(["prod: no key index for the Langfuse chart 2.0.9 the release runs (npm run chart-keys -- 2.0.9)"]);
  });

  it("checks a v3 release against chart 1.5.41's keys", () => {
    expect(chartValuesUseKnownKeys(deploymentOf(environment("prod", { langfuse: { line: "v3" } })))).toEqual([]);
  });

  it("a production environment whose data guards are turned off where the schema allows it", () => {
    const weakened = deploymentOf(environment("prod", { database: { multiAz: false } }));
    expect(productionDataIsGuarded(weakened)).toEqual([expect.stringMatching(/^prod: aws_db_instance\.\S+ is not Multi-AZ \(database\.multiAz\)$/)]);
  });

  it("an environment named like production on the dev profile", () => {
    const config = { ...environment("dev"), name: "prod-eu" } as EnvironmentConfig;
    const violations = productionDataIsGuarded({ config, stacks: synthesize(environment("dev")) });
    expect(violations[0]).toBe("prod-eu: named like production but uses the dev profile, which has no data guards; set profile: prod");
    expect(violations.some((line) => /deletion protection/.test(line))).toBe(true);
  });
});
