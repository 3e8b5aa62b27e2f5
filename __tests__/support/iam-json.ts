import { dataSources, resources, type TfJson } from "./synth";
import type { SynthStatement } from "./iam-evaluator";

/*
 * Reading IAM out of a synthesized stack for the evaluator: policy documents by reference, and the few
 * Terraform references inside them replaced by the values AWS would see (partition, policy and role ARNs).
 */

/** The account tests pretend the stacks run in. */
export const TEST_ACCOUNT = "111122223333";

/** Replaces the references IAM documents of this project contain with concrete values. */
export function resolveReferences(json: TfJson, value: unknown, accountId = TEST_ACCOUNT): unknown {
  if (typeof value === "string") {
    return value
      .replace(/\$\{data\.aws_partition\.[^.]+\.partition\}/g, "aws")
      .replace(/\$\{data\.aws_caller_identity\.[^.]+\.account_id\}/g, accountId)
      .replace(/\$\{aws_iam_policy\.([^.]+)\.arn\}/g, (_, logical) => `arn:aws:iam::${accountId}:policy/${resources(json, "aws_iam_policy")[logical].name}`)
      .replace(/\$\{aws_iam_role\.([^.]+)\.arn\}/g, (_, logical) => `arn:aws:iam::${accountId}:role/${resources(json, "aws_iam_role")[logical].name}`);
  }
  if (Array.isArray(value)) return value.map((each) => resolveReferences(json, each, accountId));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, each]) => [key, resolveReferences(json, each, accountId)]));
  }
  return value;
}

/** The statements of `${data.aws_iam_policy_document.X.json}`, references resolved. */
export function documentStatements(json: TfJson, reference: string): SynthStatement[] {
  const logical = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(reference)?.[1];
  const document = logical ? dataSources(json, "aws_iam_policy_document")[logical] : undefined;
  if (!document) throw new Error(`not a policy document reference: ${reference}`);
  return resolveReferences(json, document.statement) as SynthStatement[];
}

/** [logical name, resource] of the role named `roleName`. */
export function roleEntry(json: TfJson, roleName: string): [string, TfJson] {
  const found = Object.entries(resources(json, "aws_iam_role")).find(([, role]) => role.name === roleName);
  if (!found) throw new Error(`no role ${roleName}`);
  return found;
}

/** Every statement of the inline policies of a role (by logical name). */
export function inlineStatements(json: TfJson, roleLogical: string): SynthStatement[] {
  const reference = `\${aws_iam_role.${roleLogical}.name}`;
  return Object.values(resources(json, "aws_iam_role_policy"))
    .filter((policy) => policy.role === reference)
    .flatMap((policy) => documentStatements(json, policy.policy));
}

/** The statements of the managed policy named `policyName`. */
export function managedPolicyStatements(json: TfJson, policyName: string): SynthStatement[] {
  const policy = Object.values(resources(json, "aws_iam_policy")).find((each) => each.name === policyName);
  if (!policy) throw new Error(`no managed policy ${policyName}`);
  return documentStatements(json, policy.policy);
}

/** Statements of every managed policy of this stack attached to a role (by reference, as Terraform resolves it). */
export function attachedPolicyStatements(json: TfJson, roleLogical: string): SynthStatement[] {
  const policies = resources(json, "aws_iam_policy");
  return Object.values(resources(json, "aws_iam_role_policy_attachment"))
    .filter((attachment) => attachment.role === `\${aws_iam_role.${roleLogical}.name}`)
    .map((attachment) => /^\$\{aws_iam_policy\.([^.]+)\.arn\}$/.exec(attachment.policy_arn)?.[1])
    .filter((logical): logical is string => logical !== undefined && logical in policies)
    .flatMap((logical) => documentStatements(json, policies[logical].policy));
}
