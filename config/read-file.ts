import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { ConfigError } from "./errors";

/*
 * Reads environments.yaml. Every way the file itself can be wrong (missing, empty, not YAML, tabs, a key twice,
 * an unknown top-level key) is a ConfigError naming the file, the line and what to do, before any environment
 * is looked at. YAML's own behaviour would be worse: a duplicate key silently keeps the last value, and a
 * misspelled `defaults:` silently drops every default.
 */

/** The top-level keys of environments.yaml. */
export const TOP_LEVEL_KEYS = ["defaults", "environments"] as const;

/** environments.yaml, parsed. */
export interface EnvironmentsFile {
  /** The document as plain data: `{ defaults?, environments }`. */
  readonly document: unknown;
  /** The YAML text, to quote what was typed (an unquoted 1.30 read as 1.3). */
  readonly source: string;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const fix = code === "ENOENT" ? "the file does not exist; run from the repository root or create it (README: Configuration)" : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(path, undefined, fix);
  }
}

function yamlError(path: string, lines: LineCounter, error: { code: string; message: string; pos: [number, number] }): ConfigError {
  const { line, col } = lines.linePos(error.pos[0]);
  const what = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  const fixes: Record<string, string> = {
    DUPLICATE_KEY: "a key appears twice in the same map; YAML would keep only one of them: remove or merge the other",
    TAB_AS_INDENT: "YAML indents with spaces only: replace the tab with spaces",
  };
  return new ConfigError(`${path}:${line}:${col}`, undefined, `${fixes[error.code] ?? `${what}; fix the YAML syntax there`} (${error.code})`);
}

/** Line and column of a top-level key, for messages about it. */
function keyLocation(path: string, lines: LineCounter, document: Document, key: string): string {
  if (!isMap(document.contents)) return path;
  const pair = document.contents.items.find((item) => isScalar(item.key) && item.key.value === key);
  const offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
  if (offset === undefined) return path;
  const { line, col } = lines.linePos(offset);
  return `${path}:${line}:${col}`;
}

/** Reads and checks environments.yaml; throws ConfigError naming the file and line of the first problem. */
export function readEnvironmentsFile(path: string): EnvironmentsFile {
  const source = readText(path);
  return parseEnvironmentsText(source, path);
}

/** Parses the text of environments.yaml (`path` only names it in messages). */
export function parseEnvironmentsText(source: string, path: string): EnvironmentsFile {
  const lines = new LineCounter();
  const yaml = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [error] = yaml.errors;
  if (error) throw yamlError(path, lines, error);
  const document: unknown = yaml.toJS();
  if (document === null || document === undefined) {
    throw new ConfigError(path, undefined, "the file is empty; it needs an 'environments' map, e.g. environments: { dev: { profile: dev } }");
  }
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new ConfigError(path, undefined, "the file must be a map with 'environments' (and optionally 'defaults') at the top level");
  }
  const record = document as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(key, undefined, `unknown top-level key (${keyLocation(path, lines, yaml, key)}); the file has only ${TOP_LEVEL_KEYS.map((k) => `'${k}'`).join(" and ")}: check the spelling`);
    }
  }
  const environments = record.environments;
  if (environments === null || typeof environments !== "object" || Array.isArray(environments) || Object.keys(environments).length === 0) {
    throw new ConfigError("environments", undefined, `needs at least one environment (${keyLocation(path, lines, yaml, "environments")}), e.g. environments: { dev: { profile: dev } }`);
  }
  if (record.defaults !== undefined && (record.defaults === null || typeof record.defaults !== "object" || Array.isArray(record.defaults))) {
    throw new ConfigError("defaults", undefined, `must be a map of keys shared by every environment, or be left out (${keyLocation(path, lines, yaml, "defaults")})`);
  }
  return { document, source };
}

/** The text typed at `path` (keys from the document root) when that value is a plain scalar, else undefined. */
export function sourceTextAt(file: Pick<EnvironmentsFile, "source">, path: readonly (string | number)[]): string | undefined {
  const yaml = parseDocument(file.source);
  const node = yaml.getIn(path, true);
  if (!isScalar(node) || !node.range) return undefined;
  return file.source.slice(node.range[0], node.range[1]);
}
