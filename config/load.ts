import type { z } from "zod";
import { ConfigError } from "./errors";
import { PROFILES, type Profile } from "./profiles";
import { readEnvironmentsFile, sourceTextAt } from "./read-file";
import { environmentSchema, type EnvironmentConfig } from "./schema";
import { DEFAULT_ENVIRONMENT } from "./select-environment";
import { validateEnvironment } from "./validate";

/** Environment names become part of resource and workspace names. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,11}$/;

export interface LoadedConfig {
  readonly config: EnvironmentConfig;
  /** Things that synthesize but cost money or will soon break (e.g. a Kubernetes version in extended support). */
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  /** The environments document (parsed YAML): `{ defaults?: {...}, environments: { <name>: {...} } }`. */
  readonly document: unknown;
  /** Which environment to load; `dev` when undefined or empty. */
  readonly environment?: string;
  /** Today's date (YYYY-MM-DD), for Kubernetes support windows. */
  readonly today: string;
  /** The YAML text of the document, to quote what was typed when YAML read it as another type. */
  readonly source?: string;
  /** What selected the environment (`LANGFUSE_ENV`, `--env`), named when it is unknown. @default "LANGFUSE_ENV" */
  readonly selectedBy?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Objects merge key by key; arrays, scalars and null replace what was there. An object whose `type` differs
 * from the base's (backend: cloud → s3) replaces it whole: the other variant's keys would not belong.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  if ("type" in override && override.type !== base.type) return override;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

function valueAt(node: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((current, key) => (isObject(current) || Array.isArray(current) ? (current as Json)[key] : undefined), node);
}

function hasPath(node: unknown, path: readonly string[]): boolean {
  return path.every((key, i) => {
    const parent = valueAt(node, path.slice(0, i));
    return (isObject(parent) || Array.isArray(parent)) && key in parent;
  });
}

interface IssueContext {
  readonly environment: string;
  readonly merged: unknown;
  readonly document: Json;
  readonly source?: string;
}

/** Where the user wrote a key: the environment's own entry, else `defaults` (a profile key is never wrong). */
function keyBase(path: readonly string[], context: IssueContext): string[] {
  const own = ["environments", context.environment];
  if (!hasPath(valueAt(context.document, own), path) && hasPath(context.document.defaults, path)) return ["defaults"];
  return own;
}

/** YAML reads an unquoted 1.30 as the number 1.3 and 16 as a number: a string key given a number must be quoted. */
function quoteItFix(issue: z.core.$ZodIssue, value: unknown, base: string[], path: string[], context: IssueContext): string | undefined {
  if (issue.code !== "invalid_type" || issue.expected !== "string" || typeof value !== "number") return undefined;
  const typed = (context.source && sourceTextAt({ source: context.source }, [...base, ...path])) ?? String(value);
  return `YAML read ${typed} as the number ${value}; write it in quotes (${path[path.length - 1]}: "${typed}") so it stays the text you typed`;
}

function zodIssueToError(issue: z.core.$ZodIssue, context: IssueContext): ConfigError {
  const path = issue.path.map(String);
  const value = valueAt(context.merged, path);
  if (issue.code === "unrecognized_keys") {
    const keys = (issue as { keys: string[] }).keys;
    const base = keyBase([...path, keys[0]], context);
    return new ConfigError([...base, ...path, keys[0]].join("."), isObject(value) ? value[keys[0]] : undefined, `unknown key ${keys.map((k) => `'${k}'`).join(", ")}; check its spelling against docs/configuration.md`);
  }
  const base = keyBase(path, context);
  const fix = quoteItFix(issue, value, base, path, context) ?? `${issue.message}; fix it in environments.yaml`;
  return new ConfigError([...base, ...path].join("."), value, fix);
}

/**
 * A cross-key check names `environments.<name>.<path>`; when the user wrote that value under `defaults` (or
 * left the profile's), say so: the fix goes there, or in an override under the environment.
 */
function withKeyWhereWritten<T>(run: () => T, context: Omit<IssueContext, "merged">): T {
  try {
    return run();
  } catch (error) {
    const prefix = `environments.${context.environment}.`;
    if (!(error instanceof ConfigError) || !error.key.startsWith(prefix)) throw error;
    const path = error.key.slice(prefix.length).split(".");
    if (hasPath(valueAt(context.document, ["environments", context.environment]), path)) throw error;
    const override = `or override it under environments.${context.environment}`;
    if (hasPath(context.document.defaults, path)) throw new ConfigError(`defaults.${path.join(".")}`, error.value, `${error.fix} (environment ${context.environment} takes it from defaults: fix it there ${override})`);
    throw new ConfigError(error.key, error.value, `${error.fix} (its profile's default: set it under environments.${context.environment})`);
  }
}

function profileOf(name: string, raw: Json): Profile {
  const profile = raw.profile ?? name;
  if (profile === "dev" || profile === "prod") return profile;
  throw new ConfigError(`environments.${name}.profile`, raw.profile, "must be 'dev' or 'prod': the preset this environment starts from");
}

/** Reads, merges and validates one environment. Throws ConfigError naming the key, the value and the fix. */
export function loadEnvironment(options: LoadOptions): LoadedConfig {
  const name = options.environment || DEFAULT_ENVIRONMENT;
  if (!isObject(options.document) || !isObject(options.document.environments)) {
    throw new ConfigError("environments", undefined, "environments.yaml must have a top-level 'environments' map");
  }
  const environments = options.document.environments;
  // `dev:` with nothing under it is dev with its profile's defaults.
  const rawEnvironment = environments[name] === null ? {} : environments[name];
  if (!(name in environments)) {
    throw new ConfigError(options.selectedBy ?? "LANGFUSE_ENV", name, `unknown environment; choose one of ${Object.keys(environments).join(", ")} or add it under 'environments' in environments.yaml`);
  }
  if (!isObject(rawEnvironment)) {
    throw new ConfigError(`environments.${name}`, rawEnvironment, "must be a map of the keys this environment overrides (or empty to take its profile as is)");
  }
  if (!ENVIRONMENT_NAME.test(name)) {
    throw new ConfigError(`environments.${name}`, name, "environment names must be 1-12 lowercase letters, digits or dashes, starting with a letter");
  }
  const withDefaults = deepMerge(options.document.defaults ?? {}, rawEnvironment) as Json;
  const context = { environment: name, document: options.document, source: options.source };
  const profile = profileOf(name, withDefaults);
  const merged = deepMerge(PROFILES[profile], { ...withDefaults, profile });
  const parsed = environmentSchema.safeParse(merged);
  if (!parsed.success) throw zodIssueToError(parsed.error.issues[0], { ...context, merged });
  const config: EnvironmentConfig = deepFreeze({ ...parsed.data, name });
  const warnings = withKeyWhereWritten(() => validateEnvironment(config, options.today), context);
  return { config, warnings };
}

/** The names of every environment in a document, for synthesizing all of them. */
export function environmentNames(document: unknown): string[] {
  if (!isObject(document) || !isObject(document.environments)) return [];
  return Object.keys(document.environments);
}

export interface AllEnvironments {
  /** The environment LANGFUSE_ENV selects. */
  readonly selected: EnvironmentConfig;
  /** Every environment of the file (the workspaces stack bootstraps all of them). */
  readonly all: readonly EnvironmentConfig[];
  readonly warnings: readonly string[];
}

/** Loads the selected environment and every other one: a mistake in any environment fails the synth. */
export function loadAllEnvironments(path: string, environment: string | undefined, today: string, selectedBy?: string): AllEnvironments {
  const { document, source } = readEnvironmentsFile(path);
  const selected = loadEnvironment({ document, environment, today, source, selectedBy });
  const all = environmentNames(document).map((name) => (name === selected.config.name ? selected.config : loadEnvironment({ document, environment: name, today, source }).config));
  return { selected: selected.config, all, warnings: selected.warnings };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
