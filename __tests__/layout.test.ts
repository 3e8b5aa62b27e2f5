import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "./support/files";
import { NODE_TS_ARGS } from "./support/node-ts";

/*
 * The folder tree is the architecture: constructs/ holds one folder per domain, and no module imports a module
 * that imports it back (shared types of a group live in a module of their own).
 */

const ROOT = join(__dirname, "..");
const SOURCE_FOLDERS = ["config", "contract", "constructs", "stacks", "lambda", "scripts"];

function relativeImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specifiers = [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/gm)].map((match) => match[1]);
  return specifiers.flatMap((specifier) => {
    const base = normalize(join(dirname(file), specifier));
    const target = [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(candidate));
    return target === undefined ? [] : [target];
  });
}

/** Every cycle of an import graph, each as the list of modules around it. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "visiting");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "visiting") cycles.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

describe("repository layout", () => {
  const files = SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)));

  it("has no import cycles among the project's modules", () => {
    const graph = new Map(files.map((file) => [relative(ROOT, file), relativeImports(file).map((target) => relative(ROOT, target))]));
    expect(findCycles(graph)).toEqual([]);
  });

  it("groups constructs by domain: no construct file sits at the top of constructs/", () => {
    const loose = readdirSync(join(ROOT, "constructs")).filter((entry) => entry.endsWith(".ts"));
    expect(loose).toEqual([]);
  });

  it("finds a cycle when there is one (the check is not blind)", () => {
    expect(relativeImports(join(ROOT, "constructs/data/database.ts"))).toContain(join(ROOT, "constructs/data/database-rds.ts"));
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(findCycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  it("loads the configuration without the provider bindings or cdktf (a bad file fails fast; synth stays cheap)", () => {
    const script = `require("./config/load"); console.log(JSON.stringify(Object.keys(require.cache).filter((path) => /node_modules\\/(cdktf|@cdktf)\\//.test(path))))`;
    const loaded = JSON.parse(execFileSync(process.execPath, [...NODE_TS_ARGS, "-e", script], { cwd: ROOT, encoding: "utf8" }));
    expect(loaded).toEqual([]);
  });
});
