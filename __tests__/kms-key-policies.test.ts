import { afterAll, describe, expect, it } from "vitest";
import { KEY_ADMINISTRATION_ACTIONS } from "../constructs/identity/key-policy";
import { Naming } from "../config/naming";
import { cleanupSynth, dataSources, environment, resources, synthesize, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

/** Actions that read or write data with a key, or let someone else do so. */
const CRYPTO = /^kms:(\*|Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant)/;

/** The policy document of every KMS key of a stack, by the key's logical name. */
function keyPolicies(stack: TfJson): Record<string, TfJson[]> {
  const documents = dataSources(stack, "aws_iam_policy_document");
  const documentOf = (reference: string) => {
    const name = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(reference)?.[1];
    return name ? (documents[name].statement as TfJson[]) : undefined;
  };
  const policies: Record<string, TfJson[]> = {};
  for (const [logical, key] of Object.entries(resources(stack, "aws_kms_key"))) {
    if (key.policy) policies[logical] = documentOf(key.policy)!;
  }
  for (const policy of Object.values(resources(stack, "aws_kms_key_policy"))) {
    const logical = /^\$\{aws_kms_key\.([^.]+)\.key_id\}$/.exec(policy.key_id)![1];
    policies[logical] = documentOf(policy.policy)!;
  }
  return policies;
}

const principalsOf = (statement: TfJson) => (statement.principals ?? []).flatMap((p: TfJson) => p.identifiers as string[]);
const conditionValues = (statement: TfJson, variable: string) => (statement.condition ?? []).filter((c: TfJson) => c.variable === variable).flatMap((c: TfJson) => c.values);
const usersOf = (statements: TfJson[]) => statements.filter((s) => s.sid === "KeyUse").flatMap((s) => conditionValues(s, "aws:PrincipalArn"));

const VARIANTS = [
  ["dev", environment("dev", { bucket: { kmsKey: true }, cluster: { secretsEncryption: true } })],
  ["prod", environment("prod")],
] as const;

describe.each(VARIANTS)("%s: every KMS key has an explicit key policy", (_, config) => {
  const stacks = synthesize(config);
  const all = { ...keyPolicies(stacks.network), ...keyPolicies(stacks.deps) };

  it("covers every key of the network and deps stacks", () => {
    const keys = [...Object.keys(resources(stacks.network, "aws_kms_key")), ...Object.keys(resources(stacks.deps, "aws_kms_key"))];
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(all).sort()).toEqual(keys.sort());
  });

  it("leaves the account root administration, and no use of the key's data", () => {
    for (const [key, statements] of Object.entries(all)) {
      const root = statements.filter((s) => principalsOf(s).some((p: string) => p.endsWith(":root")));
      expect(root.map((s) => s.sid), key).toEqual(["KeyAdministration"]);
      expect(root[0].actions, key).toEqual([...KEY_ADMINISTRATION_ACTIONS]);
      expect(root[0].actions.filter((a: string) => CRYPTO.test(a)), key).toEqual([]);
      // Without these the key could never be re-policied or deleted again.
      for (const needed of ["kms:Put*", "kms:ScheduleKeyDeletion", "kms:Describe*"]) expect(root[0].actions, key).toContain(needed);
    }
  });

  it("grants data use to exact principal ARNs of this account only, and service principals only for this account", () => {
    for (const [key, statements] of Object.entries(all)) {
      for (const statement of statements.filter((s) => s.sid !== "KeyAdministration")) {
        const services = (statement.principals ?? []).filter((p: TfJson) => p.type === "Service");
        if (services.length) {
          expect(conditionValues(statement, "aws:SourceAccount"), key).toHaveLength(1);
          continue;
        }
        const arns = conditionValues(statement, "aws:PrincipalArn");
        expect(arns.length, `${key} ${statement.sid}`).toBeGreaterThan(0);
        for (const arn of arns) expect(arn, key).not.toMatch(/\*/);
        expect(conditionValues(statement, "kms:CallerAccount"), key).toHaveLength(1);
      }
    }
  });

  it("names the roles that use each key", () => {
    const naming = new Naming(config.namePrefix, config.name);
    const deps = keyPolicies(stacks.deps);
    const byName = (prefix: string) => Object.entries(deps).find(([logical]) => logical.startsWith(prefix))![1];
    const secretsUsers = usersOf(byName("secrets_key"));
    // The cleanup function's role, created later by the app stack under exactly this name: it decrypts its own
    // ClickHouse password only (through Secrets Manager, for that secret's encryption context), not the others.
    const cleanupRole = Object.values(resources(stacks.app, "aws_iam_role")).find((role) => role.description === "ClickHouse emergency cleanup function");
    const cleanupName = `:role/${naming.resource("clickhouse-cleanup")}`;
    expect(secretsUsers.some((arn: string) => arn.endsWith(cleanupName))).toBe(false);
    const cleanupStatements = byName("secrets_key").filter((s) => conditionValues(s, "aws:PrincipalArn").some((arn: string) => arn.endsWith(cleanupName)));
    expect(cleanupStatements.map((s) => [s.sid, s.actions])).toEqual([["DecryptOneSecret0", ["kms:Decrypt"]]]);
    const [cleanupOnly] = cleanupStatements;
    expect(conditionValues(cleanupOnly, "kms:EncryptionContext:SecretARN")).toEqual([expect.stringMatching(/^\$\{aws_secretsmanager_secret\.secrets_clickhouse-cleanup_\w+\.arn\}$/)]);
    expect(conditionValues(cleanupOnly, "kms:ViaService")).toEqual([`secretsmanager.${config.region}.amazonaws.com`]);
    if (cleanupRole) expect(conditionValues(cleanupOnly, "aws:PrincipalArn")[0].endsWith(`:role/${cleanupRole.name}`)).toBe(true);
    // With Terraform Cloud the app workspace's run role reads the secrets (ephemeral reads in the app stack).
    expect(secretsUsers.some((arn: string) => arn.endsWith(`:role/${naming.runRole("app")}`))).toBe(true);
    // Whoever applies the stack (its session resolved to the role).
    expect(secretsUsers).toContain("${data.aws_iam_session_context.deployer.issuer_arn}");
    expect(usersOf(byName("bucket_key"))).toContainEqual(expect.stringMatching(/^\$\{aws_iam_role\.roles_langfuse_role_[^.]+\.arn\}$/));
    expect(usersOf(Object.values(keyPolicies(stacks.network))[0])).toContainEqual(expect.stringMatching(/^\$\{aws_iam_role\.eks_role_[^.]+\.arn\}$/));
  });

  it("binds the alarm services to this account on the alerts key", () => {
    const alerts = Object.entries(keyPolicies(stacks.deps)).find(([logical]) => logical.startsWith("alerts_key"))![1];
    const services = alerts.find((s) => s.sid === "AccountServices")!;
    expect(principalsOf(services).sort()).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    expect(conditionValues(services, "aws:SourceAccount")).toEqual(["${data.aws_caller_identity.caller.account_id}"]);
  });
});
