import { afterAll, describe, expect, it } from "vitest";
import { DEPLOYED_STACKS, Naming } from "../config/naming";
import { applyStatements, ATTACHABLE_AWS_MANAGED_POLICIES, boundaryStatements, environmentTagStatements, PASS_ROLE_SERVICES, planStatements } from "../constructs/terraform-cloud/run-role-policies";
import { decide, evaluate, type IamRequest, type SynthStatement } from "./support/iam-evaluator";
import { documentStatements, inlineStatements, managedPolicyStatements, resolveReferences, roleEntry, TEST_ACCOUNT } from "./support/iam-json";
import { cleanupSynth, environment, resources, synthesize, synthesizeWorkspaces, type TfJson } from "./support/synth";

/*
 * The escalation paths of a Terraform Cloud run, judged by an IAM evaluator over the synthesized policy documents
 * of the workspaces stack: a run must not be able to make itself (or a role it creates) more than the stacks need.
 */

afterAll(cleanupSynth);

const dev = environment("dev");
const prod = environment("prod");
const workspaces = synthesizeWorkspaces([dev, prod]);
const naming = new Naming(dev.namePrefix, dev.name);

const arn = {
  role: (name: string) => `arn:aws:iam::${TEST_ACCOUNT}:role/${name}`,
  policy: (name: string) => `arn:aws:iam::${TEST_ACCOUNT}:policy/${name}`,
  managed: (name: string) => `arn:aws:iam::aws:policy/${name}`,
};
const BOUNDARY = arn.policy(naming.permissionsBoundary);
const withBoundary = { "iam:PermissionsBoundary": BOUNDARY };

function roleStatements(roleName: string): SynthStatement[] {
  return inlineStatements(workspaces, roleEntry(workspaces, roleName)[0]);
}

const apply = roleStatements(naming.runRole("app"));
const plan = roleStatements(naming.planRole("app"));
const boundary = managedPolicyStatements(workspaces, naming.permissionsBoundary);
const applyDecides = (request: IamRequest) => decide(apply, request);

describe("the apply role cannot escalate", () => {
  it("creates a role only with the environment's permissions boundary", () => {
    const request = { action: "iam:CreateRole", resource: arn.role("langfuse-dev-anything") };
    expect(applyDecides(request)).toBe("implicitly denied");
    expect(applyDecides({ ...request, context: { "iam:PermissionsBoundary": arn.policy("langfuse-prod-permissions-boundary") } })).toBe("implicitly denied");
    expect(applyDecides({ ...request, context: { "iam:PermissionsBoundary": arn.managed("AdministratorAccess") } })).toBe("implicitly denied");
    expect(applyDecides({ ...request, context: withBoundary })).toBe("allowed");
  });

  it("attaches AdministratorAccess (or any policy the stacks do not attach) to no role", () => {
    for (const policy of ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess", "AmazonS3FullAccess"]) {
      const request = { action: "iam:AttachRolePolicy", resource: arn.role("langfuse-dev-node"), context: { ...withBoundary, "iam:PolicyARN": arn.managed(policy) } };
      expect(applyDecides(request), policy).toBe("implicitly denied");
    }
  });

  it("changes no role outside the environment's prefix, nor another environment's", () => {
    for (const name of ["admin", "OrganizationAccountAccessRole", "langfuse-prod-node", "langfuse-development-x"]) {
      for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole"]) {
        const request = { action, resource: arn.role(name), context: { ...withBoundary, "iam:PolicyARN": arn.managed("AmazonEKSWorkerNodePolicy") } };
        expect(applyDecides(request), `${action} ${name}`).toBe("implicitly denied");
      }
    }
  });

  it.each(DEPLOYED_STACKS.flatMap((stack) => [naming.runRole(stack), naming.planRole(stack)]))("cannot change run role %s in any way", (roleName) => {
    const actions = ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole", "iam:TagRole", "iam:PassRole"];
    for (const action of actions) {
      const request = { action, resource: arn.role(roleName), context: { ...withBoundary, "iam:PolicyARN": arn.managed("AmazonEKSWorkerNodePolicy"), "iam:PassedToService": "lambda.amazonaws.com" } };
      expect(applyDecides(request), action).toBe("explicitly denied");
    }
  });

  it("cannot remove any role's boundary, nor edit or delete the boundary policy", () => {
    expect(applyDecides({ action: "iam:DeleteRolePermissionsBoundary", resource: arn.role("langfuse-dev-node") })).toBe("explicitly denied");
    for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:TagPolicy"]) {
      expect(applyDecides({ action, resource: BOUNDARY }), action).toBe("explicitly denied");
    }
    expect(applyDecides({ action: "iam:CreatePolicyVersion", resource: arn.policy("langfuse-dev-node-image-cache") })).toBe("allowed");
  });

  it("passes roles of its environment only to EKS and Lambda", () => {
    const pass = (role: string, service: string) => applyDecides({ action: "iam:PassRole", resource: arn.role(role), context: { "iam:PassedToService": service } });
    expect(pass("admin", "lambda.amazonaws.com")).toBe("implicitly denied");
    expect(pass("langfuse-prod-clickhouse-cleanup", "lambda.amazonaws.com")).toBe("implicitly denied");
    for (const service of ["ec2.amazonaws.com", "cloudformation.amazonaws.com", "codebuild.amazonaws.com", "ecs-tasks.amazonaws.com", "states.amazonaws.com"]) {
      expect(pass("langfuse-dev-node", service), service).toBe("implicitly denied");
    }
    for (const service of PASS_ROLE_SERVICES) expect(pass("langfuse-dev-node", service), service).toBe("allowed");
  });

  it("creates no user, access key, group or login, and assumes no other role", () => {
    for (const [action, resource] of [
      ["iam:CreateUser", "arn:aws:iam::111122223333:user/langfuse-dev-x"],
      ["iam:CreateAccessKey", "arn:aws:iam::111122223333:user/admin"],
      ["iam:AttachUserPolicy", "arn:aws:iam::111122223333:user/langfuse-dev-x"],
      ["iam:CreateLoginProfile", "arn:aws:iam::111122223333:user/admin"],
      ["iam:AddUserToGroup", "arn:aws:iam::111122223333:group/admins"],
      ["iam:CreateInstanceProfile", "arn:aws:iam::111122223333:instance-profile/langfuse-dev-x"],
      ["sts:AssumeRole", arn.role("langfuse-dev-node")],
      ["sts:AssumeRole", arn.role("admin")],
      ["organizations:LeaveOrganization", "*"],
    ]) {
      expect(applyDecides({ action, resource }), action).not.toBe("allowed");
    }
  });

  it("creates service-linked roles only for the services the stacks use", () => {
    const create = (service: string) => applyDecides({ action: "iam:CreateServiceLinkedRole", resource: arn.role(`aws-service-role/${service}/x`), context: { "iam:AWSServiceName": service } });
    expect(create("eks-nodegroup.amazonaws.com")).toBe("allowed");
    expect(create("elasticloadbalancing.amazonaws.com")).toBe("allowed");
    expect(create("organizations.amazonaws.com")).toBe("implicitly denied");
  });

  it("writes Lambda functions, buckets and secrets of its own environment only", () => {
    expect(applyDecides({ action: "lambda:UpdateFunctionCode", resource: "arn:aws:lambda:us-east-1:111122223333:function:langfuse-dev-clickhouse-cleanup" })).toBe("allowed");
    expect(applyDecides({ action: "lambda:UpdateFunctionCode", resource: "arn:aws:lambda:us-east-1:111122223333:function:billing-export" })).toBe("implicitly denied");
    expect(applyDecides({ action: "lambda:CreateFunction", resource: "arn:aws:lambda:us-east-1:111122223333:function:langfuse-prod-clickhouse-cleanup" })).toBe("implicitly denied");
    expect(applyDecides({ action: "s3:GetObject", resource: `arn:aws:s3:::langfuse-prod-data-${TEST_ACCOUNT}/events/x.json` })).toBe("implicitly denied");
    expect(applyDecides({ action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::langfuse-dev-data-${TEST_ACCOUNT}` })).toBe("allowed");
    expect(applyDecides({ action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:langfuse-prod-langfuse-secrets-AbCdEf" })).toBe("implicitly denied");
    expect(applyDecides({ action: "secretsmanager:PutSecretValue", resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:langfuse-dev-langfuse-secrets-AbCdEf" })).toBe("allowed");
    // RDS creates the managed master password's secret with the caller's permissions, under its own name.
    expect(applyDecides({ action: "secretsmanager:CreateSecret", resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!db-1234-AbCdEf" })).toBe("allowed");
    expect(applyDecides({ action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments-api-AbCdEf" })).toBe("implicitly denied");
  });

  it("changes DNS records only in the environment's configured hosted zone", () => {
    const prodApply = roleStatements(new Naming(prod.namePrefix, prod.name).runRole("app"));
    const change = (statements: SynthStatement[], zone: string) => decide(statements, { action: "route53:ChangeResourceRecordSets", resource: `arn:aws:route53:::hostedzone/${zone}` });
    expect(prod.ingress.hostedZoneId).not.toBeNull();
    expect(change(prodApply, prod.ingress.hostedZoneId!)).toBe("allowed");
    expect(change(prodApply, "ZOTHERCOMPANYZONE")).toBe("implicitly denied");
    expect(change(apply, "ZOTHERCOMPANYZONE")).toBe("implicitly denied");
    // Without a zone of its own (dev without an ingress), an environment's runs reach no zone at all.
    const devZone = dev.ingress.enabled ? dev.ingress.hostedZoneId : null;
    if (devZone !== prod.ingress.hostedZoneId) expect(change(apply, prod.ingress.hostedZoneId!)).toBe("implicitly denied");
  });

  it("cannot touch resources tagged for another environment, where the service reports the tag", () => {
    const terminate = (tag?: string) =>
      applyDecides({ action: "ec2:TerminateInstances", resource: "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", context: tag ? { "aws:ResourceTag/Environment": tag } : {} });
    expect(terminate("prod")).toBe("explicitly denied");
    expect(terminate("dev")).toBe("allowed");
    // Untagged resources stay reachable in a shared account: docs/threat-model.md says so.
    expect(terminate()).toBe("allowed");
    const tag = (value: string) => applyDecides({ action: "ec2:CreateTags", resource: "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0abc", context: { "aws:RequestTag/Environment": value } });
    expect(tag("prod")).toBe("explicitly denied");
    expect(tag("dev")).toBe("allowed");
    expect(applyDecides({ action: "rds:DeleteDBInstance", resource: "arn:aws:rds:us-east-1:111122223333:db:langfuse-prod-db", context: { "aws:ResourceTag/Environment": "prod" } })).toBe("explicitly denied");
  });
});

describe("a role a run creates is bounded", () => {
  // The worst a run can do: create a role under its prefix, with the boundary, and give it every action.
  const everything: SynthStatement[] = [{ effect: "Allow", actions: ["*"], resources: ["*"] }];
  const bounded = (request: IamRequest) => decide(everything, request, boundary);

  it("writes no IAM, passes and assumes no role, whatever its own policy says", () => {
    for (const action of ["iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreatePolicyVersion", "iam:DeleteRolePermissionsBoundary", "iam:PassRole", "iam:CreateUser", "iam:CreateAccessKey", "sts:AssumeRole"]) {
      expect(bounded({ action, resource: arn.role("admin") }), action).toBe("implicitly denied");
    }
    expect(bounded({ action: "organizations:CreateAccount", resource: "*" })).toBe("implicitly denied");
  });

  it("keeps what the workloads need", () => {
    expect(bounded({ action: "s3:PutObject", resource: "arn:aws:s3:::langfuse-dev-data/x" })).toBe("allowed");
    expect(bounded({ action: "ec2:CreateNetworkInterface", resource: "*" })).toBe("allowed");
    expect(bounded({ action: "iam:CreateServiceLinkedRole", resource: "*", context: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } })).toBe("allowed");
  });
});

describe("plans get no write credentials", () => {
  const planDecides = (request: IamRequest) => decide(plan, request);

  it("allows only Describe, Get and List actions, plus decrypting through Secrets Manager", () => {
    const actions = plan.filter((statement) => statement.effect === "Allow").flatMap((statement) => statement.actions as string[]);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => !/^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*\*?$/.test(action) && action !== "kms:Decrypt")).toEqual([]);
  });

  it("can write nothing the apply role can", () => {
    for (const [action, resource] of [
      ["ec2:CreateVpc", "*"],
      ["iam:CreateRole", arn.role("langfuse-dev-x")],
      ["iam:PassRole", arn.role("langfuse-dev-node")],
      ["s3:PutObject", `arn:aws:s3:::langfuse-dev-data-${TEST_ACCOUNT}/x`],
      ["lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:111122223333:function:langfuse-dev-clickhouse-cleanup"],
      ["eks:DeleteCluster", "arn:aws:eks:us-east-1:111122223333:cluster/langfuse-dev"],
      ["kms:ScheduleKeyDeletion", "arn:aws:kms:us-east-1:111122223333:key/abc"],
      ["secretsmanager:PutSecretValue", "arn:aws:secretsmanager:us-east-1:111122223333:secret:langfuse-dev-langfuse-secrets-AbCdEf"],
    ]) {
      expect(planDecides({ action, resource, context: withBoundary }), action).not.toBe("allowed");
    }
  });

  it("reads the environment's secrets (the app stack reads them while planning) and no others, and no data", () => {
    const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;
    expect(planDecides({ action: "secretsmanager:GetSecretValue", resource: secret("langfuse-dev-langfuse-secrets") })).toBe("allowed");
    expect(planDecides({ action: "secretsmanager:GetSecretValue", resource: secret("langfuse-prod-langfuse-secrets") })).toBe("implicitly denied");
    expect(planDecides({ action: "secretsmanager:GetSecretValue", resource: secret("payments-api") })).toBe("implicitly denied");
    expect(planDecides({ action: "kms:Decrypt", resource: "arn:aws:kms:us-east-1:111122223333:key/abc" })).toBe("implicitly denied");
    expect(planDecides({ action: "kms:Decrypt", resource: "arn:aws:kms:us-east-1:111122223333:key/abc", context: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } })).toBe("allowed");
    expect(planDecides({ action: "s3:GetObject", resource: `arn:aws:s3:::langfuse-dev-data-${TEST_ACCOUNT}/events/x.json` })).not.toBe("allowed");
    expect(planDecides({ action: "logs:GetLogEvents", resource: "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/x" })).toBe("explicitly denied");
    expect(planDecides({ action: "ec2:DescribeVpcs", resource: "*" })).toBe("allowed");
  });
});

describe("what the stacks need, the run roles allow", () => {
  const stacksOf = (name: string) => {
    const config = environment(name, { account: { id: TEST_ACCOUNT } });
    const synthesized = synthesize(config);
    return DEPLOYED_STACKS.map((stack) => ({ stack, json: synthesized[stack] }));
  };

  /** Where a stack hands a role to a service: resource type → attribute holding the role ARN → service. */
  const PASSED_TO: Record<string, Record<string, string>> = {
    aws_eks_cluster: { role_arn: "eks.amazonaws.com" },
    aws_eks_node_group: { node_role_arn: "eks.amazonaws.com" },
    aws_eks_addon: { service_account_role_arn: "eks.amazonaws.com" },
    aws_lambda_function: { role: "lambda.amazonaws.com" },
  };

  it.each(["dev", "prod"])("lets %s's apply role create, attach and pass every role the stacks have", (name) => {
    const config = environment(name);
    const envNaming = new Naming(config.namePrefix, config.name);
    const applyRole = roleStatements(envNaming.runRole("network"));
    const envBoundary = { "iam:PermissionsBoundary": arn.policy(envNaming.permissionsBoundary) };
    const problems: string[] = [];
    for (const { stack, json } of stacksOf(name)) {
      const roles = resources(json, "aws_iam_role");
      const roleName = (reference: string) => roles[/^\$\{aws_iam_role\.([^.]+)\.(arn|name)\}$/.exec(reference)?.[1] ?? ""]?.name;
      for (const role of Object.values(roles)) {
        if (decide(applyRole, { action: "iam:CreateRole", resource: arn.role(role.name), context: envBoundary }) !== "allowed") problems.push(`${stack}: CreateRole ${role.name}`);
      }
      for (const attachment of Object.values(resources(json, "aws_iam_role_policy_attachment"))) {
        const request = { action: "iam:AttachRolePolicy", resource: arn.role(roleName(attachment.role)), context: { ...envBoundary, "iam:PolicyARN": resolveReferences(json, attachment.policy_arn) as string } };
        if (decide(applyRole, request) !== "allowed") problems.push(`${stack}: attach ${attachment.policy_arn} (add it to ATTACHABLE_AWS_MANAGED_POLICIES)`);
      }
      for (const record of Object.values(resources(json, "aws_route53_record"))) {
        const request = { action: "route53:ChangeResourceRecordSets", resource: `arn:aws:route53:::hostedzone/${record.zone_id}` };
        if (decide(applyRole, request) !== "allowed") problems.push(`${stack}: DNS record in zone ${record.zone_id}`);
      }
      for (const [type, attributes] of Object.entries(json.resource ?? {})) {
        for (const resource of Object.values(attributes as Record<string, TfJson>)) {
          for (const [attribute, value] of Object.entries(resource)) {
            if (typeof value !== "string" || !/^\$\{aws_iam_role\.[^.]+\.arn\}$/.test(value) || type === "aws_eks_access_entry") continue;
            const service = PASSED_TO[type]?.[attribute];
            if (!service) problems.push(`${stack}: ${type}.${attribute} passes a role to a service PASSED_TO does not know`);
            else if (decide(applyRole, { action: "iam:PassRole", resource: arn.role(roleName(value)), context: { "iam:PassedToService": service } }) !== "allowed") problems.push(`${stack}: pass ${value} to ${service}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(["dev", "prod"])("gives every IAM role of %s's stacks the boundary the workspaces stack creates", (name) => {
    const config = environment(name, { account: { id: TEST_ACCOUNT } });
    const expected = arn.policy(new Naming(config.namePrefix, config.name).permissionsBoundary);
    const bootstrap = synthesizeWorkspaces([config]);
    expect(Object.values(resources(bootstrap, "aws_iam_policy")).map((policy) => arn.policy(policy.name))).toContain(expected);
    let count = 0;
    for (const { stack, json } of stacksOf(name)) {
      for (const role of Object.values(resources(json, "aws_iam_role"))) {
        count += 1;
        expect(resolveReferences(json, role.permissions_boundary), `${stack}: ${role.name}`).toBe(expected);
      }
    }
    expect(count).toBeGreaterThan(3);
  });

  it.each(["dev", "prod"])("keeps every inline permission of %s's roles inside the boundary", (name) => {
    const outside: string[] = [];
    for (const { stack, json } of stacksOf(name)) {
      for (const [logical, role] of Object.entries(resources(json, "aws_iam_role"))) {
        for (const statement of inlineStatements(json, logical).filter((each) => each.effect !== "Deny")) {
          for (const action of statement.actions as string[]) {
            if (evaluate(boundary, { action, resource: "*", context: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }) !== "allowed") outside.push(`${stack}: ${role.name} ${action}`);
          }
        }
      }
    }
    expect(outside).toEqual([]);
  });

  it("names the AWS managed policies the stacks attach, and no others", () => {
    const attached = new Set<string>();
    for (const name of ["dev", "prod"]) {
      for (const { json } of stacksOf(name)) for (const each of Object.values(resources(json, "aws_iam_role_policy_attachment"))) attached.add(each.policy_arn);
    }
    expect([...attached].sort()).toEqual(ATTACHABLE_AWS_MANAGED_POLICIES.map((policy) => arn.managed(policy)).sort());
  });
});

describe("IAM size limits", () => {
  /** IAM counts a role's inline policies together, without whitespace, against 10,240 characters. */
  const INLINE_POLICY_LIMIT = 10_240;
  const render = (statements: readonly object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements }).length;

  it("keeps the longest names' plan and apply policies under the inline policy limit", () => {
    const prefix = "abcdefghijklmnopqrst-abcdefghijkl-"; // namePrefix 20 characters, environment 12
    const scope = {
      partition: "aws-us-gov",
      region: "us-gov-west-1",
      environment: "abcdefghijkl",
      namePrefix: prefix,
      permissionsBoundaryArn: `arn:aws-us-gov:iam::111122223333:policy/${prefix}permissions-boundary`,
      permissionsBoundaryName: `${prefix}permissions-boundary`,
      environmentTagPolicyName: `${prefix}environment-tag`,
      protectedRoleNames: DEPLOYED_STACKS.flatMap((stack) => [`${prefix}${stack}-tfc-run`, `${prefix}${stack}-tfc-plan`]),
      hostedZoneIds: ["Z0123456789ABCDEFGHIJKLMNO"],
      externalSecretArns: ["arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf", "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:clickhouse-cloud-AbCdEf"],
    };
    expect(render(applyStatements(scope))).toBeLessThan(INLINE_POLICY_LIMIT * 0.8);
    expect(render(planStatements(scope))).toBeLessThan(INLINE_POLICY_LIMIT * 0.8);
    // A managed policy holds at most 6,144 characters.
    expect(render(boundaryStatements())).toBeLessThan(6_144);
    expect(render(environmentTagStatements(scope))).toBeLessThan(6_144);
  });
});

describe("the evaluator itself", () => {
  const statement = (condition: SynthStatement[]) => [{ effect: "Allow", actions: ["s3:Get*"], resources: ["arn:aws:s3:::b/*"], condition }];

  it("matches action wildcards case-insensitively and resources exactly", () => {
    expect(evaluate(statement([]), { action: "S3:GETOBJECT", resource: "arn:aws:s3:::b/k" })).toBe("allowed");
    expect(evaluate(statement([]), { action: "s3:PutObject", resource: "arn:aws:s3:::b/k" })).toBe("implicitly denied");
    expect(evaluate(statement([]), { action: "s3:GetObject", resource: "arn:aws:s3:::B/k" })).toBe("implicitly denied");
  });

  it("treats a missing key as a mismatch, except for negated, IfExists and Null operators", () => {
    const request = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
    expect(evaluate(statement([{ test: "StringEquals", variable: "aws:x", values: ["1"] }]), request)).toBe("implicitly denied");
    expect(evaluate(statement([{ test: "StringNotEquals", variable: "aws:x", values: ["1"] }]), request)).toBe("allowed");
    expect(evaluate(statement([{ test: "StringEqualsIfExists", variable: "aws:x", values: ["1"] }]), request)).toBe("allowed");
    expect(evaluate(statement([{ test: "Null", variable: "aws:x", values: ["true"] }]), request)).toBe("allowed");
    expect(evaluate(statement([{ test: "Null", variable: "aws:x", values: ["false"] }]), request)).toBe("implicitly denied");
  });

  it("lets a Deny win and refuses operators it does not know", () => {
    const deny = { effect: "Deny", actions: ["s3:*"], resources: ["*"] };
    expect(evaluate([...statement([]), deny], { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" })).toBe("explicitly denied");
    expect(() => evaluate(statement([{ test: "NumericLessThan", variable: "aws:x", values: ["1"] }]), { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context: { "aws:x": "0" } })).toThrow(/NumericLessThan/);
  });

  it("reads the trust of each run role from the synthesized document", () => {
    const [, role] = roleEntry(workspaces, naming.runRole("deps"));
    const trust = documentStatements(workspaces, role.assume_role_policy);
    if (dev.backend.type !== "cloud") throw new Error("the dev fixture uses Terraform Cloud");
    const subject = `organization:${dev.backend.organization}:project:${dev.backend.project}:workspace:langfuse-dev-deps:run_phase:apply`;
    const request = (sub: string) => ({ action: "sts:AssumeRoleWithWebIdentity", resource: "*", context: { "app.terraform.io:aud": "aws.workload.identity", "app.terraform.io:sub": sub } });
    expect(evaluate(trust, request(subject))).toBe("allowed");
    expect(evaluate(trust, request(subject.replace(":apply", ":plan")))).toBe("implicitly denied");
    expect(evaluate(trust, request(subject.replace("langfuse-dev-deps", "langfuse-dev-app")))).toBe("implicitly denied");
  });
});
