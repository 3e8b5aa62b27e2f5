import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_NAMES } from "../../config/naming";

/*
 * Reading cdktf's synthesized Terraform JSON for the cost estimate: the stacks of one environment folder, their
 * resources, and the few shapes the JSON takes (a block is an object or a one-element list; a reference is a
 * "${type.name.attr}" string).
 */

export type Json = Record<string, unknown>;

/** One stack's cdk.tf.json. */
export interface SynthesizedStack {
  readonly name: string;
  readonly json: Json;
}

/** One resource block of a stack. */
export interface TerraformResource {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly body: Json;
}

export function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A nested block: cdktf writes single blocks as an object, repeated ones as a list. */
export function block(value: unknown): Json | undefined {
  const candidate = Array.isArray(value) ? value[0] : value;
  return isJson(candidate) ? candidate : undefined;
}

/** Every element of a repeated block (or the one object). */
export function blocks(value: unknown): Json[] {
  return (Array.isArray(value) ? value : [value]).filter(isJson);
}

/** A literal number (also from a numeric string); undefined for tokens and missing values. */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** A literal string; undefined for "${…}" expressions, which are only known at apply time. */
export function literalString(value: unknown): string | undefined {
  return typeof value === "string" && !value.includes("${") ? value : undefined;
}

/** The names of resources of `type` that `value` refers to ("${aws_subnet.public-a.id}" → public-a). */
export function referencedNames(value: unknown, type: string): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  const pattern = new RegExp(`\\b${type}\\.([A-Za-z0-9_-]+)`, "g");
  return [...new Set([...text.matchAll(pattern)].map((match) => match[1]))];
}

/**
 * How many instances a resource block stands for: 1, its literal `count`, or the keys of a literal `for_each`.
 * Undefined when the number is only known at apply time.
 */
export function instanceCount(resource: TerraformResource): number | undefined {
  const { count, for_each: forEach } = resource.body;
  if (count === undefined && forEach === undefined) return 1;
  if (count !== undefined) return literalNumber(count);
  if (Array.isArray(forEach)) return forEach.length;
  if (isJson(forEach)) return Object.keys(forEach).length;
  return undefined;
}

/** A Kubernetes storage quantity in GiB ("200Gi", "1Ti", "500Mi", "10G"); undefined when not a literal. */
export function quantityGiB(value: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(String(value ?? "").trim());
  if (!match) return undefined;
  const bytes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  const unit = match[2] ?? "";
  return (Number(match[1]) * (unit ? bytes[unit] : 1)) / 2 ** 30;
}

const stackOrder = (name: string) => {
  const index = (STACK_NAMES as readonly string[]).indexOf(name);
  return index === -1 ? STACK_NAMES.length : index;
};

/** The stacks of a synthesized environment folder (<dir>/stacks/<stack>/cdk.tf.json), in deploy order. */
export function readSynthesizedEnvironment(directory: string): SynthesizedStack[] {
  const stacksDirectory = join(directory, "stacks");
  if (!existsSync(stacksDirectory)) throw new Error(`${stacksDirectory} does not exist: synthesize the environment first (npm run synth:all)`);
  return readdirSync(stacksDirectory)
    .filter((name) => existsSync(join(stacksDirectory, name, "cdk.tf.json")))
    .sort((a, b) => stackOrder(a) - stackOrder(b) || a.localeCompare(b))
    .map((name) => ({ name, json: JSON.parse(readFileSync(join(stacksDirectory, name, "cdk.tf.json"), "utf8")) as Json }));
}

/** Every resource block of every stack. */
export function allResources(stacks: readonly SynthesizedStack[]): TerraformResource[] {
  return stacks.flatMap(({ name: stack, json }) =>
    Object.entries(isJson(json.resource) ? json.resource : {}).flatMap(([type, byName]) =>
      Object.entries(isJson(byName) ? byName : {}).map(([name, body]) => ({ stack, type, name, body: isJson(body) ? body : {} })),
    ),
  );
}
