import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

/*
 * The key paths of the langfuse chart's values and of the subcharts it aliases, as a committed index per chart
 * version: the chart has no values schema and silently ignores unknown keys, so each values builder's output is
 * checked against its index (__tests__/langfuse-values.test.ts for 1.5.41, langfuse-values-v4.test.ts for 2.0.0).
 * 1.5.41 aliases bitnami subcharts whose values files sit in the reference's subcharts/; 2.0.0's values.yaml
 * already carries every subchart key it passes through (redis.valkeyConfig, redis.dataStorage …).
 * Regenerate an index from a chart's files when upgrading: `npm run chart-keys -- <version> [<reference folder>]`.
 */

/** Chart versions with a committed key index, and the subchart values files each one's index includes. */
export const INDEXED_CHARTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "1.5.41": {
    clickhouse: "subcharts/clickhouse-values.yaml",
    redis: "subcharts/valkey-values.yaml",
    postgresql: "subcharts/postgresql-values.yaml",
  },
  "2.0.0": {},
};

/** The committed index of a chart version. */
export const chartKeysFile = (version: string): string => resolve(__dirname, "..", "data", "chart-keys", `langfuse-${version}.json`);
/** Where the chart's reference files are when shared/reference sits beside the repository (CI, these machines). */
export function referenceFolder(version: string): string {
  // Beside the repository's checkout, or beside the folder holding its worktrees (/work/main, /work/wt/<name>).
  const candidates = [resolve(__dirname, "..", ".."), resolve(__dirname, "..", "..", "..")].map((root) => join(root, "shared", "reference", `langfuse-chart-${version}`));
  return candidates.find((folder) => existsSync(folder)) ?? candidates[0];
}

export const CHART_VERSION = "1.5.41";
export const CHART_KEYS_FILE = chartKeysFile(CHART_VERSION);
export const DEFAULT_REFERENCE = referenceFolder(CHART_VERSION);

type KeyPath = readonly string[];

function keyPaths(node: unknown, prefix: KeyPath = []): KeyPath[] {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return [];
  return Object.entries(node).flatMap(([key, child]) => [[...prefix, key], ...keyPaths(child, [...prefix, key])]);
}

/** Every key path of the chart and its aliased subcharts, sorted, as arrays of segments (keys may contain dots). */
export function chartKeyIndex(folder: string, version: string = CHART_VERSION): KeyPath[] {
  const load = (file: string) => parseYaml(readFileSync(join(folder, file), "utf8"));
  const subcharts = INDEXED_CHARTS[version];
  if (!subcharts) throw new Error(`no key index is defined for chart ${version}; add it to INDEXED_CHARTS`);
  const paths = [
    ...keyPaths(load("values.yaml")),
    ...Object.entries(subcharts).flatMap(([alias, file]) => keyPaths(load(file), [alias])),
  ];
  const unique = new Map(paths.map((path) => [JSON.stringify(path), path]));
  return [...unique.keys()].sort().map((key) => unique.get(key)!);
}

export function renderChartKeyIndex(folder: string, version: string = CHART_VERSION): string {
  return `${JSON.stringify(chartKeyIndex(folder, version), null, 0).replace(/\],\[/g, "],\n[")}\n`;
}

if (require.main === module) {
  const version = process.argv[2] ?? CHART_VERSION;
  const folder = resolve(process.argv[3] ?? referenceFolder(version));
  writeFileSync(chartKeysFile(version), renderChartKeyIndex(folder, version));
  console.log(`wrote ${chartKeysFile(version)} from ${folder}`);
}
