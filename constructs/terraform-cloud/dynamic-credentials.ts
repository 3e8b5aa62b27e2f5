import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { applyStatements, boundaryStatements, environmentTagStatements, planStatements, type RunPolicyScope } from "./run-role-policies";

export { RUN_ROLE_SERVICES } from "./run-role-policies";

/*
 * AWS dynamic provider credentials for Terraform Cloud: each run gets a signed identity token from Terraform
 * Cloud and exchanges it for short-lived credentials of its workspace's role. No AWS key is stored anywhere.
 */

/** The audience Terraform Cloud puts in its workload identity tokens for AWS unless told otherwise. */
export const TFC_AWS_AUDIENCE = "aws.workload.identity";

export interface TfcOidcProviderProps {
  /** Terraform Cloud / Enterprise hostname; its https URL is the token issuer. */
  readonly hostname: string;
  /**
   * Tags of the provider (on top of the AWS provider's default tags).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The AWS provider (account) the identity provider lives in.
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * The IAM OIDC identity provider that trusts Terraform Cloud's workload identity tokens. IAM allows one per
 * issuer and account, so every environment in the account shares it (one per account with account.id). No thumbprint is given: IAM validates the
 * issuer's certificate against its own trusted CAs and fetches one itself when it needs it.
 */
export class TfcOidcProvider extends Construct {
  readonly provider: IamOpenidConnectProvider;
  /** Issuer host without scheme: the prefix of the trust policy's condition keys (app.terraform.io:sub). */
  readonly issuerHost: string;

  constructor(scope: Construct, id: string, props: TfcOidcProviderProps) {
    super(scope, id);
    this.issuerHost = props.hostname;
    this.provider = new IamOpenidConnectProvider(this, "provider", {
      provider: props.provider,
      url: `https://${props.hostname}`,
      clientIdList: [TFC_AWS_AUDIENCE],
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }
}

/** Which part of a run the role serves: HCP Terraform hands plans and applies different credentials. */
export type RunPhase = "plan" | "apply";

export interface TfcRunRoleProps {
  /** Role name, from the naming helper (the network stack looks the app roles up by it). */
  readonly roleName: string;
  /** The run phase whose identity tokens the role trusts: plans get a read-only role. */
  readonly phase: RunPhase;
  /** The Terraform Cloud identity provider of the account. */
  readonly oidcProvider: TfcOidcProvider;
  /** Terraform Cloud organization of the workspace. */
  readonly organization: string;
  /** Terraform Cloud project of the workspace. */
  readonly project: string;
  /** The one workspace whose runs may assume the role. */
  readonly workspace: string;
  /** Names, ARNs and tags the role's permissions are limited to. */
  readonly scope: RunPolicyScope;
  /**
   * Tags of the role (on top of the AWS provider's default tags).
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The AWS provider (account) the role lives in.
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * The IAM role one workspace's plans or applies assume. The trust policy checks the audience and the subject: the
 * subject names organization, project, workspace and run phase, so no other workspace (nor another organization's,
 * nor a plan of the same workspace for the apply role) can assume it.
 *
 * Permissions (run-role-policies.ts): an apply role writes the stacks' services and IAM under the environment's
 * name prefix, every role it creates or changes bounded by the environment's permissions boundary; a plan role
 * reads configuration and the environment's secrets only.
 */
export class TfcRunRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: TfcRunRoleProps) {
    super(scope, id);
    const issuer = props.oidcProvider.issuerHost;
    const { provider } = props;
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      provider,
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [props.oidcProvider.provider.arn] }],
          condition: [
            { test: "StringEquals", variable: `${issuer}:aud`, values: [TFC_AWS_AUDIENCE] },
            {
              test: "StringEquals",
              variable: `${issuer}:sub`,
              values: [`organization:${props.organization}:project:${props.project}:workspace:${props.workspace}:run_phase:${props.phase}`],
            },
          ],
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      provider,
      name: props.roleName,
      description: `Terraform Cloud ${props.phase}s of workspace ${props.workspace}`,
      assumeRolePolicy: trust.json,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    const statements = props.phase === "apply" ? applyStatements(props.scope) : planStatements(props.scope);
    const isIam = (statement: DataAwsIamPolicyDocumentStatement) => (statement.actions ?? []).every((action) => action.startsWith("iam:"));
    const services = new DataAwsIamPolicyDocument(this, "service-permissions", { provider, statement: statements.filter((statement) => !isIam(statement)) });
    new IamRolePolicy(this, "services", { provider, name: "stack-services", role: this.role.name, policy: services.json });
    const permissions = new DataAwsIamPolicyDocument(this, "iam-permissions", { provider, statement: statements.filter(isIam) });
    new IamRolePolicy(this, "iam", { provider, name: "iam-within-environment", role: this.role.name, policy: permissions.json });
  }
}

export interface TfcPermissionsBoundaryProps {
  /** Policy name, from the naming helper; the stacks build its ARN from it. */
  readonly policyName: string;
  /** Environment the boundary belongs to (for the description). */
  readonly environment: string;
  /**
   * The AWS provider (account) the policy lives in.
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * The environment's permissions boundary: a managed policy every role the stacks create must carry (the apply
 * role cannot create or change a role without it, nor edit it), so no role a run makes can do more than the
 * workloads need, and none can write IAM.
 */
export class TfcPermissionsBoundary extends Construct {
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: TfcPermissionsBoundaryProps) {
    super(scope, id);
    const document = new DataAwsIamPolicyDocument(this, "document", { provider: props.provider, statement: boundaryStatements() });
    this.policy = new IamPolicy(this, "policy", {
      provider: props.provider,
      name: props.policyName,
      description: `Permissions boundary of every IAM role of environment ${props.environment}`,
      policy: document.json,
    });
  }
}

export interface TfcEnvironmentTagPolicyProps {
  /** Policy name, from the naming helper (the apply roles may not edit it: run-role-policies.ts). */
  readonly policyName: string;
  /** Environment the policy belongs to (for the description). */
  readonly environment: string;
  /** Partition and region of the environment's resources. */
  readonly scope: Pick<RunPolicyScope, "partition" | "region">;
  /** Names of the apply roles that get it (references, so each attachment waits for its role). */
  readonly roleNames: readonly string[];
  /**
   * The AWS provider (account) the policy lives in.
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * The managed policy that makes an environment's apply roles tag what they create (environment-tag-on-create.ts),
 * attached to each of them. Managed, not inline: the inline policies already use most of a role's 10,240 characters.
 */
export class TfcEnvironmentTagPolicy extends Construct {
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: TfcEnvironmentTagPolicyProps) {
    super(scope, id);
    const document = new DataAwsIamPolicyDocument(this, "document", { provider: props.provider, statement: environmentTagStatements(props.scope) });
    this.policy = new IamPolicy(this, "policy", {
      provider: props.provider,
      name: props.policyName,
      description: `Refuses the apply roles of environment ${props.environment} any create without its Environment tag`,
      policy: document.json,
    });
    props.roleNames.forEach((role, index) => {
      new IamRolePolicyAttachment(this, `attachment-${index}`, { provider: props.provider, role, policyArn: this.policy.arn });
    });
  }
}
