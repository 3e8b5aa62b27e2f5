import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEPLOYED_STACKS, Naming } from "../config/naming";
import { stackWorkingDirectory } from "../contract/synth-layout";
import { UPSTREAMS } from "../contract/upstream-readers";
import { WORKSPACES_STATE_PATH } from "../stacks/workspaces-stack";
import { cleanupSynth, dataSources, environment, loadInline, resources, synthesize, synthesizeWorkspaces, type TfJson } from "./support/synth";

/*
 * Terraform Cloud editions, environments isolated from each other (names, accounts), the bootstrap's own state.
 */

afterAll(cleanupSynth);

/** Resource logical name → workspace name, for references like ${tfe_workspace.X.id}. */
function workspaceName(json: TfJson, reference: string): string {
  const logical = /^\$\{tfe_workspace\.([^.]+)\.id\}$/.exec(reference)?.[1] ?? "";
  return resources(json, "tfe_workspace")[logical].name;
}

const paid = (name: string, edition = "plus") => environment(name, { backend: { edition }, workspaces: { outputsTokenExpiresOn: "2027-03-01" } });

describe("paid editions: an expiring read-outputs token per environment", () => {
  const json = synthesizeWorkspaces([paid("dev"), paid("prod")]);

  it("creates one team per environment, with read-outputs on that environment's upstream workspaces only", () => {
    const teams = Object.entries(resources(json, "tfe_team"));
    expect(teams.map(([, team]) => team.name).sort()).toEqual(["langfuse-dev-outputs-reader", "langfuse-prod-outputs-reader"]);
    for (const [logical, team] of teams) {
      const environmentName = team.name.split("-")[1];
      const accesses = Object.values(resources(json, "tfe_team_access")).filter((access) => access.team_id === `\${tfe_team.${logical}.id}`);
      expect(accesses.map((access) => workspaceName(json, access.workspace_id)).sort()).toEqual([`langfuse-${environmentName}-deps`, `langfuse-${environmentName}-network`]);
      for (const access of accesses) {
        expect(access.permissions[0]).toMatchObject({ state_versions: "read-outputs", variables: "none", runs: "read", workspace_locking: false });
        expect(access).not.toHaveProperty("access");
      }
    }
    expect(resources(json, "tfe_team_project_access")).toEqual({});
  });

  it("gives each token the configured expiry and hands it to that environment's deps and app only", () => {
    for (const token of Object.values(resources(json, "tfe_team_token"))) expect(token.expired_at).toBe("2027-03-01T00:00:00Z");
    const tokenVariables = Object.values(resources(json, "tfe_variable")).filter((variable) => variable.key === "TFE_TOKEN");
    expect(tokenVariables.map((variable) => workspaceName(json, variable.workspace_id)).sort()).toEqual(["langfuse-dev-app", "langfuse-dev-deps", "langfuse-prod-app", "langfuse-prod-deps"]);
    for (const variable of tokenVariables) {
      const environmentName = workspaceName(json, variable.workspace_id).split("-")[1];
      const logical = /^\$\{tfe_team_token\.([^.]+)\.token\}$/.exec(variable.value)?.[1] ?? "";
      const team = resources(json, "tfe_team")[/^\$\{tfe_team\.([^.]+)\.id\}$/.exec(resources(json, "tfe_team_token")[logical].team_id)?.[1] ?? ""];
      expect(team.name).toBe(`langfuse-${environmentName}-outputs-reader`);
      expect(variable.sensitive).toBe(true);
    }
  });

  it("shares no state through remote state sharing when a token reads the outputs", () => {
    for (const settings of Object.values(resources(json, "tfe_workspace_settings"))) {
      expect(settings.global_remote_state).toBe(false);
      expect(settings.remote_state_consumer_ids).toEqual([]);
    }
  });

  it.each([
    [null, /outputsTokenExpiresOn = null: a plus edition reads upstream outputs with a team token that must expire/],
    ["2026-11-23", /outputsTokenExpiresOn = "2026-11-23".*set a date after 2026-11-23 and at most 366 days ahead/],
    ["2028-01-01", /outputsTokenExpiresOn = "2028-01-01"/],
    ["2027-02-30", /outputsTokenExpiresOn = "2027-02-30"/],
  ])("refuses the expiry %s", (date, message) => {
    expect(() => environment("dev", { backend: { edition: "plus" }, workspaces: { outputsTokenExpiresOn: date } })).toThrow(message);
  });

  it("accepts the Free edition without an expiry", () => {
    expect(environment("dev", { backend: { edition: "free" } }).workspaces.outputsTokenExpiresOn).toBeNull();
  });
});

describe("upstream reads", () => {
  it.each(["dev", "prod"])("in %s, every stack reads (tfe_outputs) exactly the upstreams whose state is shared with it", (name) => {
    const config = environment(name);
    const naming = new Naming(config.namePrefix, config.name);
    const stacks = synthesize(config);
    for (const stack of DEPLOYED_STACKS) {
      const read = Object.values(dataSources(stacks[stack], "tfe_outputs")).map((outputs) => outputs.workspace).sort();
      expect(read, stack).toEqual(UPSTREAMS[stack].map((each) => naming.workspace(each)).sort());
    }
  });
});

describe("environment name prefixes", () => {
  const document = (overrides: Record<string, object> = {}) => ({ environments: { dev: { profile: "dev", ...overrides.dev }, "dev-eu": { profile: "dev", ...overrides["dev-eu"] } } });

  it("refuses two environments of one account whose IAM prefixes overlap, naming both", () => {
    const configs = [loadInline(document(), "dev").config, loadInline(document(), "dev-eu").config];
    expect(() => synthesizeWorkspaces(configs)).toThrow(
      /^Invalid configuration: environments\.dev-eu = "dev-eu": its IAM names \(langfuse-dev-eu-\*\) fall under those of environment dev \(langfuse-dev-\*\).*rename one environment/,
    );
  });

  it("refuses the overlap whichever order the environments come in, and across name prefixes", () => {
    const a = loadInline({ environments: { eu: { profile: "dev", namePrefix: "langfuse-dev" } } }, "eu").config;
    const b = loadInline({ environments: { dev: { profile: "dev" } } }, "dev").config;
    expect(() => synthesizeWorkspaces([a, b])).toThrow(/environments\.eu = "eu": its IAM names \(langfuse-dev-eu-\*\) fall under those of environment dev/);
  });

  it("allows the overlap when the environments live in different AWS accounts", () => {
    const accounts = { dev: { account: { id: "111111111111" } }, "dev-eu": { account: { id: "222222222222" } } };
    const configs = [loadInline(document(accounts), "dev").config, loadInline(document(accounts), "dev-eu").config];
    expect(Object.keys(resources(synthesizeWorkspaces(configs), "aws_iam_role"))).toHaveLength(12);
  });
});

describe("one AWS account per environment", () => {
  const prodAccount = { account: { id: "222233334444", bootstrapRoleArn: "arn:aws:iam::222233334444:role/langfuse-bootstrap" } };
  const json = synthesizeWorkspaces([environment("dev"), environment("prod", prodAccount)]);
  const providerOf = (resource: TfJson) => resource.provider ?? "aws";

  it("bootstraps the environment's account through an aliased provider that assumes its bootstrap role and allows only that account", () => {
    const aliased = json.provider.aws.find((provider: TfJson) => provider.alias === "account_222233334444");
    expect(aliased).toMatchObject({ allowed_account_ids: ["222233334444"], assume_role: [{ role_arn: "arn:aws:iam::222233334444:role/langfuse-bootstrap" }] });
    expect(json.provider.aws.filter((provider: TfJson) => provider.alias === undefined)).toHaveLength(1);
  });

  it("creates prod's identity provider, boundary and roles in prod's account, dev's in the default one", () => {
    const oidc = Object.values(resources(json, "aws_iam_openid_connect_provider")).map(providerOf).sort();
    expect(oidc).toEqual(["aws", "aws.account_222233334444"]);
    for (const role of Object.values(resources(json, "aws_iam_role"))) expect(providerOf(role), role.name).toBe(role.name.startsWith("langfuse-prod-") ? "aws.account_222233334444" : "aws");
    for (const policy of Object.values(resources(json, "aws_iam_policy"))) expect(providerOf(policy), policy.name).toBe(policy.name.startsWith("langfuse-prod-") ? "aws.account_222233334444" : "aws");
    for (const policy of Object.values(resources(json, "aws_iam_role_policy"))) expect(["aws", "aws.account_222233334444"]).toContain(providerOf(policy));
  });

  it("trusts the identity provider of the role's own account", () => {
    const prodRole = Object.values(resources(json, "aws_iam_role")).find((role) => role.name === "langfuse-prod-app-tfc-run");
    const document = dataSources(json, "aws_iam_policy_document")[/^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(prodRole?.assume_role_policy)?.[1] ?? ""];
    const [oidcLogical] = Object.entries(resources(json, "aws_iam_openid_connect_provider")).find(([, provider]) => providerOf(provider) === "aws.account_222233334444") ?? [];
    expect(document.statement[0].principals[0].identifiers).toEqual([`\${aws_iam_openid_connect_provider.${oidcLogical}.arn}`]);
  });

  it("makes every stack of the environment refuse another account and name its boundary by the account id", () => {
    const config = environment("prod", prodAccount);
    const stacks = synthesize(config);
    for (const stack of DEPLOYED_STACKS) {
      expect(stacks[stack].provider.aws[0].allowed_account_ids, stack).toEqual(["222233334444"]);
      for (const role of Object.values(resources(stacks[stack], "aws_iam_role"))) expect(role.permissions_boundary).toMatch(/^arn:\$\{.+\}:iam::222233334444:policy\/langfuse-prod-permissions-boundary$/);
    }
  });

  it("refuses two environments of one account reached through different bootstrap roles", () => {
    const staging = loadInline({ environments: { staging: { profile: "dev", account: { id: "222233334444", bootstrapRoleArn: "arn:aws:iam::222233334444:role/other" } } } }, "staging").config;
    expect(() => synthesizeWorkspaces([environment("prod", prodAccount), staging])).toThrow(
      /environments\.staging\.account\.bootstrapRoleArn = "arn:aws:iam::222233334444:role\/other": differs from 'arn:aws:iam::222233334444:role\/langfuse-bootstrap' of environment prod/,
    );
  });

  it.each([
    [{ bootstrapRoleArn: "arn:aws:iam::222233334444:role/x" }, /account\.bootstrapRoleArn = "arn:aws:iam::222233334444:role\/x": a bootstrap role belongs to an environment's own account: set account\.id/],
    [{ id: "111111111111", bootstrapRoleArn: "arn:aws:iam::222233334444:role/x" }, /must be an IAM role ARN in account\.id 111111111111/],
    [{ id: "1234" }, /account\.id = "1234": must be a 12-digit AWS account id/],
  ])("refuses the account settings %j", (account, message) => {
    expect(() => environment("prod", { account })).toThrow(message);
  });
});

describe("the app plan role reaches the cluster read-only", () => {
  it("gives the app plan role AmazonEKSAdminViewPolicy and the app apply role cluster-admin", () => {
    const network = synthesize(environment("prod")).network;
    const policyOf = (roleData: string) => {
      const entry = Object.entries(resources(network, "aws_eks_access_entry")).find(([, each]) => each.principal_arn === `\${data.aws_iam_role.${roleData}.arn}`);
      const association = Object.values(resources(network, "aws_eks_access_policy_association")).find((each) => each.principal_arn === `\${aws_eks_access_entry.${entry?.[0]}.principal_arn}`);
      return association?.policy_arn;
    };
    const roles = dataSources(network, "aws_iam_role");
    const logicalOf = (name: string) => Object.entries(roles).find(([, role]) => role.name === name)?.[0] ?? "";
    expect(policyOf(logicalOf("langfuse-prod-app-tfc-plan"))).toBe("arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy");
    expect(policyOf(logicalOf("langfuse-prod-app-tfc-run"))).toBe("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
  });
});

describe("the workspaces stack's own state", () => {
  const json = synthesizeWorkspaces([environment("dev")]);
  const repository = resolve(__dirname, "..");

  it("refuses to plan unless the repository root is three folders up, where the state path points", () => {
    const [precondition, ...others] = json.output["state-file"].precondition;
    expect(others).toEqual([]);
    expect(precondition.condition).toBe('${fileexists("${path.cwd}/../../../cdktf.json")}');
    expect(precondition.error_message).toMatch(/npx cdktf deploy workspaces/);
    expect(json.terraform.backend.local.path).toBe(WORKSPACES_STATE_PATH);
    // From cdktf deploy's folder the marker exists and the state lands in <repository>/.state; from a committed copy it does not.
    const marker = (folder: string) => existsSync(join(repository, folder, "../../../cdktf.json"));
    expect(marker("cdktf.out/stacks/workspaces")).toBe(true);
    expect(resolve(repository, "cdktf.out/stacks/workspaces", WORKSPACES_STATE_PATH)).toBe(join(repository, ".state/workspaces.tfstate"));
    expect(marker(stackWorkingDirectory("dev", "network").replace(/network$/, "workspaces"))).toBe(false);
  });

  it("holds the guard even when no environment uses Terraform Cloud", () => {
    const local = synthesizeWorkspaces([environment("dev", { backend: { type: "local", directory: ".state" } })]);
    expect(local.output["state-file"].precondition).toHaveLength(1);
  });
});
