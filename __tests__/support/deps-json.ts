import { createApp } from "../../stacks/app-factory";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../config/schema";
import { DepsStack } from "../../stacks/deps-stack";
import { dataSources, resources, type TfJson } from "./synth";

/*
 * Shared by the deps-*.test.ts files: synthesis of the deps stack alone, readers for policy statements and
 * upstream references, and a scanner for anything that looks like a secret written as a literal.
 */

const cache = new Map<string, TfJson>();
let outdir: string | undefined;

/**
 * The synthesized JSON of the deps stack alone, cached per configuration. The deps stack reads the network
 * through tfe_outputs, so it synthesizes on its own, without paying for the app stack's Lambda bundling.
 */
export function synthesizeDeps(config: EnvironmentConfig): TfJson {
  const key = JSON.stringify(config);
  const cached = cache.get(key);
  if (cached) return cached;
  outdir ??= mkdtempSync(join(tmpdir(), "langfuse-deps-"));
  const stack = new DepsStack(createApp(outdir), config);
  const json = JSON.parse(Testing.synth(stack));
  cache.set(key, json);
  return json;
}

/** Removes what `synthesizeDeps` left behind; call from afterAll. */
export function cleanupDeps(): void {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  outdir = undefined;
  cache.clear();
}

/** A statement of a data aws_iam_policy_document, with the name of its document. */
export interface PolicyStatement extends TfJson {
  readonly document: string;
}

/** Every statement of every aws_iam_policy_document of the stack. */
export function policyStatements(stack: TfJson): PolicyStatement[] {
  return Object.entries(dataSources(stack, "aws_iam_policy_document")).flatMap(([document, doc]) =>
    (doc.statement ?? []).map((statement: TfJson) => ({ ...statement, document })),
  );
}

/** The statements of the document a `${data.aws_iam_policy_document.<id>.json}` reference points at. */
export function documentOf(stack: TfJson, reference: string): TfJson[] {
  const id = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(reference)?.[1];
  if (!id) throw new Error(`not a policy document reference: ${reference}`);
  return dataSources(stack, "aws_iam_policy_document")[id].statement;
}

/** The inline policy statements of the IAM role named `roleName` (e.g. langfuse-prod-langfuse). */
export function rolePolicy(stack: TfJson, roleName: string): TfJson[] {
  const roleEntry = Object.entries(resources(stack, "aws_iam_role")).find(([, role]) => role.name === roleName);
  if (!roleEntry) throw new Error(`no role ${roleName}`);
  const policy = Object.values(resources(stack, "aws_iam_role_policy")).find((p) => p.role === `\${aws_iam_role.${roleEntry[0]}.name}`);
  if (!policy) throw new Error(`no inline policy on ${roleName}`);
  return documentOf(stack, policy.policy);
}

/** The expression a consumer gets for a network output read through the contract (tfe_outputs). */
export function upstream(name: string): string {
  return `\${data.tfe_outputs.upstream-network.nonsensitive_values["${name}"]}`;
}

/** `${resource_type.logical_id.attribute}` of the only resource of a type. */
export function referenceTo(stack: TfJson, type: string, attribute: string): string {
  const ids = Object.keys(resources(stack, type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return `\${${type}.${ids[0]}.${attribute}}`;
}

/** Removes every `${…}` interpolation (with nested braces), leaving the literal text around them. */
function literalText(value: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith("${", i)) {
      depth++;
      i++;
      continue;
    }
    if (depth > 0) {
      if (value[i] === "{") depth++;
      else if (value[i] === "}") depth--;
      out += depth === 0 ? " " : "";
      continue;
    }
    out += value[i];
  }
  return out;
}

/**
 * Literal strings that look like a generated secret: a mixed-case alphanumeric run of 16+ characters (what
 * random_password produces), a long hex string (ENCRYPTION_KEY), or a Langfuse API key (pk-lf-/sk-lf-).
 * Logical ids of resources (name_ABCD1234) and cdktf metadata are not secrets and are skipped.
 */
export function literalSecrets(stack: TfJson): string[] {
  const logicalIds = new Set<string>();
  for (const block of [stack.resource ?? {}, stack.data ?? {}]) {
    for (const byId of Object.values(block) as TfJson[]) Object.keys(byId).forEach((id) => logicalIds.add(id));
  }
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node === "string") {
      // ARNs name things (arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly): they are not secrets.
      if (/^arn:(aws[\w-]*|\$\{[^}]+\}):/.test(node)) return;
      const text = literalText(node);
      if (/\b[ps]k-lf-[A-Za-z0-9]/.test(text)) found.push(node);
      for (const run of text.split(/[^A-Za-z0-9_!+-]+/)) {
        if (logicalIds.has(run)) continue;
        const mixed = run.length >= 16 && /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run);
        if (mixed || /^[0-9a-fA-F]{32,}$/.test(run)) found.push(node);
      }
      return;
    }
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === "object") {
      // Statement ids (ReadNamedResourcesS3) are names, not values.
      for (const [key, value] of Object.entries(node)) if (key !== "//" && key !== "sid") visit(value);
    }
  };
  visit(stack);
  return found;
}

/** True when `value` is exactly one reference to a random_password/random_id attribute. */
export function isGeneratedReference(value: unknown): boolean {
  return typeof value === "string" && /^\$\{random_(password|id)\.[\w-]+\.(result|hex)\}$/.test(value);
}

/** Attribute and variable names that carry credentials. */
const SECRET_NAME = /(password|passwd|secret|token|private_?key|api_?key|salt|encryption_?key)$/i;
/** Names that only point at a secret (its name, ARN, key in a Secret, version), never hold one. */
const SECRET_POINTER = /(_arn|_id|_name|name|ref|_version|existing_?secret|secret_?key|key_?ref|keys)$/i;

/**
 * Literal values under names that carry credentials: an attribute such as `password`/`auth_token`/`secret_string`,
 * an env entry `{ name: "…PASSWORD", value }`, or a `set_sensitive` value. Unlike `literalSecrets`, which looks at
 * the shape of every string, this reads names, so it works on stacks that embed scripts and bundled code (app).
 */
export function literalCredentials(stack: TfJson): string[] {
  const found: string[] = [];
  const isLiteral = (value: unknown) => typeof value === "string" && value.length > 0 && literalText(value).trim().length > 0;
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((item, index) => visit(item, `${path}[${index}]`));
    if (!node || typeof node !== "object") return;
    const record = node as TfJson;
    if (typeof record.name === "string" && SECRET_NAME.test(record.name) && "value" in record && isLiteral(record.value)) found.push(`${path}.value (${record.name})`);
    for (const [key, value] of Object.entries(record)) {
      if (key === "//") continue;
      if (SECRET_NAME.test(key) && !SECRET_POINTER.test(key) && isLiteral(value)) found.push(`${path}.${key}`);
      visit(value, `${path}.${key}`);
    }
  };
  visit(stack.resource ?? {}, "resource");
  return found;
}
