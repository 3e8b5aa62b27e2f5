import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PROFILES } from "../config/profiles";
import { environmentSchema } from "../config/schema";

/*
 * Writes docs/configuration.md from the configuration schema (types and descriptions) and the two profiles
 * (defaults), so the reference cannot drift from the code: __tests__/config-docs.test.ts fails when the
 * committed file differs from what this renders. Run: npm run docs:config
 */

type JsonSchema = {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

/** One row of the reference. */
export interface ConfigKey {
  readonly path: string;
  readonly type: string;
  readonly description: string;
}

export const CONFIGURATION_DOC = join(__dirname, "../docs/configuration.md");

const isNullable = (schema: JsonSchema) => schema.anyOf?.length === 2 && schema.anyOf.some((option) => option.type === "null");
const nonNull = (schema: JsonSchema) => schema.anyOf?.find((option) => option.type !== "null") ?? schema;
const isObject = (schema: JsonSchema) => schema.type === "object" && schema.properties !== undefined;
const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

function range(schema: JsonSchema): string {
  // zod writes the safe-integer bounds of .int() as minimum/maximum: they are no constraint worth printing.
  const low = schema.minimum !== undefined && Math.abs(schema.minimum) < Number.MAX_SAFE_INTEGER ? schema.minimum : undefined;
  const high = schema.maximum !== undefined && Math.abs(schema.maximum) < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
  if (low !== undefined && high !== undefined) return ` ${low}–${high}`;
  if (low !== undefined) return ` ≥ ${low}`;
  if (high !== undefined) return ` ≤ ${high}`;
  return "";
}

function typeOf(schema: JsonSchema): string {
  if (isNullable(schema)) return `${typeOf(nonNull(schema))} or null`;
  // A nullable scalar comes out as `type: ["string", "null"]`.
  if (Array.isArray(schema.type)) return schema.type.map((type) => typeOf({ ...schema, type })).join(" or ");
  if (schema.const !== undefined) return code(schema.const);
  if (schema.enum) return schema.enum.map(code).join(" \\| ");
  switch (schema.type) {
    case "string":
      if (schema.format === "email") return "e-mail address";
      if (schema.pattern) return `string matching ${code(schema.pattern)}`;
      return schema.minLength ? "non-empty string" : "string";
    case "integer":
      return `integer${range(schema)}`;
    case "number":
      return `number${range(schema)}`;
    case "boolean":
      return "boolean";
    case "array":
      return `list of ${schema.items ? typeOf(schema.items) : "values"}${schema.minItems ? ` (at least ${schema.minItems})` : ""}`;
    case "object":
      if (typeof schema.additionalProperties === "object") return `map of string to ${typeOf(schema.additionalProperties)}`;
      return "object";
    case "null":
      return "null";
    default:
      return "value";
  }
}

/** Every key of the schema in schema order; objects are walked, nullable objects also get a row of their own. */
export function configurationKeys(): ConfigKey[] {
  const root = z.toJSONSchema(environmentSchema) as JsonSchema;
  const keys: ConfigKey[] = [];
  const walk = (schema: JsonSchema, path: string, note: string): void => {
    const variants = schema.oneOf ?? schema.anyOf?.filter((option) => option.type !== "null" && isObject(option) && !isNullable(schema));
    if (variants && variants.length > 1) {
      const discriminator = variants.map((variant) => variant.properties?.type?.const);
      keys.push({ path: `${path}.type`, type: discriminator.map(code).join(" \\| "), description: schema.description ?? "" });
      for (const variant of variants) {
        for (const [name, child] of Object.entries(variant.properties ?? {})) {
          if (name !== "type") walk(child, `${path}.${name}`, ` (type ${code(variant.properties?.type?.const)})`);
        }
      }
      return;
    }
    const inner = nonNull(schema);
    if (isObject(inner) && path !== "" && !isNullable(schema)) {
      for (const [name, child] of Object.entries(inner.properties ?? {})) walk(child, `${path}.${name}`, note);
      return;
    }
    if (path !== "") keys.push({ path, type: typeOf(schema), description: `${schema.description ?? ""}${note}` });
    if (isObject(inner)) for (const [name, child] of Object.entries(inner.properties ?? {})) walk(child, path ? `${path}.${name}` : name, note);
  };
  walk(root, "", "");
  return keys;
}

function defaultOf(settings: unknown, path: string): string {
  const value = path.split(".").reduce<unknown>((node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined), settings);
  if (value === undefined) return "—";
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !path.endsWith("tags")) return "set: see below";
  return value === "" ? '`""`' : code(value);
}

// Pipes separate cells (escaped once); in prose, angle brackets would be read as HTML tags.
const cell = (text: string) => text.replace(/\\?\|/g, "\\|");
const prose = (text: string) => cell(text).replace(/</g, "&lt;");

function table(keys: readonly ConfigKey[]): string[] {
  return [
    "| Key | Type | dev | prod | Description |",
    "| --- | --- | --- | --- | --- |",
    ...keys.map((key) => `| \`${key.path}\` | ${key.type} | ${cell(defaultOf(PROFILES.dev, key.path))} | ${cell(defaultOf(PROFILES.prod, key.path))} | ${prose(key.description)} |`),
  ];
}

const HEADER = `# Configuration reference

<!-- Generated by \`npm run docs:config\` from config/schema.ts and config/profiles.ts. Do not edit by hand. -->

Each environment of \`environments.yaml\` starts from a profile (\`dev\` or \`prod\`, chosen by its \`profile\` key or its
name) and overrides any key below; the top-level \`defaults\` block applies to every environment first. Objects merge key
by key, lists and scalars replace. Unknown keys are errors. The **dev** and **prod** columns are the profile defaults
from \`config/profiles.ts\` (\`environments.yaml\` may override them, e.g. prod's domain); "—" means the key does not apply
to that profile's default. Rules that span several keys (CIDR overlaps, node sizes against architecture, prod
safeguards) live in \`config/validate.ts\`, and checks of values the services would refuse (regions, instance types,
log retention values, derived name lengths, ARN regions) in \`config/validate-input.ts\`
([configuration-checks.md](configuration-checks.md)); each fails the synth with the key, the value and the fix.
`;

/** The whole of docs/configuration.md. */
export function renderConfigurationReference(): string {
  const keys = configurationKeys();
  const sections = new Map<string, ConfigKey[]>();
  for (const key of keys) {
    const top = key.path.split(".")[0];
    const section = key.path.includes(".") ? top : "general";
    sections.set(section, [...(sections.get(section) ?? []), key]);
  }
  const body = [...sections.entries()].flatMap(([section, rows]) => ["", `## ${section}`, "", ...table(rows)]);
  return `${HEADER}${body.join("\n")}\n`;
}

if (require.main === module) {
  writeFileSync(CONFIGURATION_DOC, renderConfigurationReference());
  console.log(`wrote ${CONFIGURATION_DOC}`);
}
