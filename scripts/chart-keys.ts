import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

/*
 * The key paths of the langfuse chart's values and of the subcharts it aliases (clickhouse, redis → valkey,
 * postgresql), as a committed index: the chart has no values schema and silently ignores unknown keys, so the
 * values builder's output is checked against this index (__tests__/langfuse-values.test.ts). Regenerate it from
 * a chart's values files when upgrading: `npm run chart-keys -- <folder with values.yaml and subcharts/>`.
 */

export const CHART_VERSION = "1.5.41";
export const CHART_KEYS_FILE = resolve(__dirname, "..", "data", "chart-keys", `langfuse-${CHART_VERSION}.json`);
export const DEFAULT_REFERENCE = resolve(__dirname, "..", "..", "shared", "reference", `langfuse-chart-${CHART_VERSION}`);

/** Subchart values files by the alias the langfuse chart deploys them under. */
const SUBCHARTS: Readonly<Record<string, string>> = {
  clickhouse: "subcharts/clickhouse-values.yaml",
  redis: "subcharts/valkey-values.yaml",
  postgresql: "subcharts/postgresql-values.yaml",
};

type KeyPath = readonly string[];

function keyPaths(node: unknown, prefix: KeyPath = []): KeyPath[] {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return [];
  return Object.entries(node).flatMap(([key, child]) => [[...prefix, key], ...keyPaths(child, [...prefix, key])]);
}

/** Every key path of the chart and its aliased subcharts, sorted, as arrays of segments (keys may contain dots). */
export function chartKeyIndex(referenceFolder: string): KeyPath[] {
  const load = (file: string) => parseYaml(readFileSync(join(referenceFolder, file), "utf8"));
  const paths = [
    ...keyPaths(load("values.yaml")),
    ...Object.entries(SUBCHARTS).flatMap(([alias, file]) => keyPaths(load(file), [alias])),
  ];
  const unique = new Map(paths.map((path) => [JSON.stringify(path), path]));
  return [...unique.keys()].sort().map((key) => unique.get(key)!);
}

export function renderChartKeyIndex(referenceFolder: string): string {
  return `${JSON.stringify(chartKeyIndex(referenceFolder), null, 0).replace(/\],\[/g, "],\n[")}\n`;
}

if (require.main === module) {
  const folder = resolve(process.argv[2] ?? DEFAULT_REFERENCE);
  writeFileSync(CHART_KEYS_FILE, renderChartKeyIndex(folder));
  console.log(`wrote ${CHART_KEYS_FILE} from ${folder}`);
}
