/*
 * Turns a synthesized stack into a configuration that needs only the aws provider, so `terraform validate` can
 * check it offline against a mirrored hashicorp/aws: the backend goes, every non-aws provider, resource and data
 * source goes, and every expression that referred to one of those now reads a placeholder variable instead
 * (`helm_release.x.status` → `var.stub_helm_release_x.status`). A variable without a type or default is an
 * unknown value of any type to `terraform validate`, so the aws resources around it are still checked in full.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** What the stripping removed and what stands in for it. */
export interface StrippedStack {
  /** The aws-only configuration (main.tf.json). */
  readonly config: JsonObject;
  /** Removed resources and data sources, as Terraform addresses (data.tfe_outputs.upstream-network …). */
  readonly removed: string[];
  /** Placeholder variables declared for references to removed blocks. */
  readonly placeholders: string[];
}

const isObject = (value: Json | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const isAws = (type: string) => type === "aws" || type.startsWith("aws_");

/**
 * Outputs without their preconditions: those guard where a stack is run (the workspaces stack's state-file check
 * reads path.cwd), and validate runs each stack in a scratch folder of its own.
 */
function withoutPreconditions(outputs: Json | undefined): Json | undefined {
  if (!isObject(outputs)) return outputs;
  return Object.fromEntries(
    Object.entries(outputs).map(([name, output]) => {
      if (!isObject(output)) return [name, output];
      const { precondition: _guard, ...rest } = output;
      return [name, rest];
    }),
  );
}

/** `TYPE.NAME` or `data.TYPE.NAME` of a block that is gone, wherever it appears in an expression. */
function referencePattern(removedTypes: readonly string[]): RegExp | undefined {
  if (removedTypes.length === 0) return undefined;
  const types = removedTypes.map((type) => type.replace(/[^a-z0-9_]/g, "")).join("|");
  return new RegExp(`(?<![\\w.-])(data\\.)?(${types})\\.([A-Za-z_][\\w-]*)`, "g");
}

function placeholderName(isData: boolean, type: string, name: string): string {
  return `stub_${isData ? "data_" : ""}${type}_${name}`;
}

/** Deep copy with every reference to a removed block pointed at its placeholder variable. */
function rewrite(value: Json, pattern: RegExp, used: Set<string>): Json {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    return value.replace(pattern, (_match, data: string | undefined, type: string, name: string) => {
      const variable = placeholderName(Boolean(data), type, name);
      used.add(variable);
      return `var.${variable}`;
    });
  }
  if (Array.isArray(value)) return value.map((each) => rewrite(each, pattern, used));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, each]) => [key, rewrite(each, pattern, used)]));
  return value;
}

/** depends_on and replace_triggered_by must name blocks, not variables: entries naming a removed block are dropped. */
function dropBlockReferences(block: JsonObject, pattern: RegExp): void {
  const names = (list: Json) => (Array.isArray(list) ? list.filter((entry) => typeof entry !== "string" || !new RegExp(pattern.source).test(entry)) : list);
  if (Array.isArray(block.depends_on)) block.depends_on = names(block.depends_on);
  if (isObject(block.lifecycle) && Array.isArray(block.lifecycle.replace_triggered_by)) {
    block.lifecycle.replace_triggered_by = names(block.lifecycle.replace_triggered_by);
  }
}

function keepAws(section: Json | undefined, prefix: string, removed: string[], removedTypes: Set<string>): JsonObject | undefined {
  if (!isObject(section)) return undefined;
  const kept: JsonObject = {};
  for (const [type, blocks] of Object.entries(section)) {
    if (isAws(type)) kept[type] = blocks;
    else {
      removedTypes.add(type);
      removed.push(...Object.keys(isObject(blocks) ? blocks : {}).map((name) => `${prefix}${type}.${name}`));
    }
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * The aws-only part of one synthesized stack, without backend, the aws provider pinned to `awsVersion` (the
 * version a mirror holds).
 * @param awsVersion - the aws provider version to validate against; the stack's own pin when undefined
 */
export function stripToAws(stack: JsonObject, awsVersion?: string): StrippedStack {
  const removed: string[] = [];
  const removedTypes = new Set<string>();
  const resource = keepAws(stack.resource, "", removed, removedTypes);
  const data = keepAws(stack.data, "data.", removed, removedTypes);
  const providers = isObject(stack.provider) ? Object.keys(stack.provider).filter((name) => !isAws(name)) : [];

  const terraform: JsonObject = isObject(stack.terraform) ? { ...stack.terraform } : {};
  delete terraform.cloud;
  delete terraform.backend;
  const pinned = isObject(terraform.required_providers) && isObject(terraform.required_providers.aws) ? terraform.required_providers.aws.version : null;
  terraform.required_providers = { aws: { source: "hashicorp/aws", version: awsVersion ?? pinned } };

  const config: JsonObject = { terraform };
  if (isObject(stack.provider) && stack.provider.aws !== undefined) config.provider = { aws: stack.provider.aws };
  for (const [key, value] of Object.entries({ variable: stack.variable, locals: stack.locals, data, resource, output: withoutPreconditions(stack.output) })) {
    if (value !== undefined) config[key] = value;
  }

  const pattern = referencePattern([...removedTypes]);
  const used = new Set<string>();
  const rewritten = pattern ? (rewrite(config, pattern, used) as JsonObject) : config;
  if (pattern) {
    for (const section of [rewritten.resource, rewritten.data]) {
      if (!isObject(section)) continue;
      for (const blocks of Object.values(section)) {
        if (!isObject(blocks)) continue;
        for (const block of Object.values(blocks)) if (isObject(block)) dropBlockReferences(block, pattern);
      }
    }
  }
  const placeholders = [...used].sort();
  if (placeholders.length > 0) {
    const variables = isObject(rewritten.variable) ? { ...rewritten.variable } : {};
    for (const name of placeholders) variables[name] = { description: "Placeholder for a block of a provider that is not validated here." };
    rewritten.variable = variables;
  }
  if (providers.length > 0) removed.push(...providers.map((name) => `provider.${name}`));
  return { config: rewritten, removed, placeholders };
}
