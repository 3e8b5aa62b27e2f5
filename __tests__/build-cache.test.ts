import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BuildCache } from "../constructs/clickhouse/build-cache";
import { buildScript, cachedBundle } from "../constructs/clickhouse/lambda-bundle";
import { NODE_TS_ARGS } from "./support/node-ts";

const scratch: string[] = [];
afterAll(() => scratch.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scratchDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(directory);
  return directory;
}

/** A tiny function source tree: an entry importing a second module. */
function sourceTree(message: string): { root: string; entry: string; dependency: string } {
  const root = scratchDirectory("build-cache-src-");
  const entry = join(root, "index.ts");
  const dependency = join(root, "message.ts");
  writeFileSync(entry, `import { message } from "./message";\nexport const handler = async () => message;\n`);
  writeFileSync(dependency, `export const message: string = ${JSON.stringify(message)};\n`);
  return { root, entry, dependency };
}

describe("the build cache of function bundles", () => {
  it("returns exactly what a fresh build makes, from the second build on", () => {
    // The real functions' bundles are checked against a cold build in clickhouse-lifecycle.test.ts.
    const { root, entry } = sourceTree("cached");
    const cache = new BuildCache(scratchDirectory("build-cache-"), root);
    const first = cachedBundle(entry, cache);
    const second = cachedBundle(entry, cache);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.output).toBe(buildScript(entry, root).output);
    expect(second.output).toContain("cached");
  });

  it("rebuilds when a file the entry imports changes, and only then", () => {
    const { root, entry, dependency } = sourceTree("before");
    const cache = new BuildCache(scratchDirectory("build-cache-"), root);
    expect(cachedBundle(entry, cache)).toMatchObject({ cached: false, output: expect.stringContaining("before") });
    expect(cachedBundle(entry, cache).cached).toBe(true);
    writeFileSync(dependency, `export const message: string = "after";\n`);
    const rebuilt = cachedBundle(entry, cache);
    expect(rebuilt).toMatchObject({ cached: false, output: expect.stringContaining("after") });
    expect(rebuilt.output).not.toContain("before");
  });

  it("rebuilds when the entry stops importing a file (the input list follows the last build)", () => {
    const { root, entry } = sourceTree("imported");
    const cache = new BuildCache(scratchDirectory("build-cache-"), root);
    cachedBundle(entry, cache);
    writeFileSync(entry, `export const handler = async () => "inline";\n`);
    const rebuilt = cachedBundle(entry, cache);
    expect(rebuilt.cached).toBe(false);
    expect(rebuilt.output).toContain("inline");
    expect(rebuilt.output).not.toContain("imported");
  });

  it("misses when the salt (tool version, options) differs", () => {
    const { root, entry } = sourceTree("salted");
    const cache = new BuildCache(scratchDirectory("build-cache-"), root);
    const build = () => buildScript(entry, root);
    expect(cache.getOrBuild("entry", ["esbuild", "1.0.0"], build).cached).toBe(false);
    expect(cache.getOrBuild("entry", ["esbuild", "1.0.0"], build).cached).toBe(true);
    expect(cache.getOrBuild("entry", ["esbuild", "1.0.1"], build).cached).toBe(false);
  });

  it("never caches a build whose inputs cannot all be read, so it cannot serve a stale one", () => {
    const directory = scratchDirectory("build-cache-");
    const cache = new BuildCache(directory, directory);
    let builds = 0;
    const build = () => ({ output: `build ${++builds}`, inputs: ["<virtual module>"] });
    expect(cache.getOrBuild("virtual", [], build)).toEqual({ output: "build 1", cached: false });
    expect(cache.getOrBuild("virtual", [], build)).toEqual({ output: "build 2", cached: false });
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe("the TypeScript loader of the app command (scripts/register-ts.cjs)", () => {
  const run = (file: string) =>
    execFileSync(process.execPath, [...NODE_TS_ARGS, file], { encoding: "utf8" });

  it("runs TypeScript with plain Node and picks up a changed file on the next run", () => {
    const directory = scratchDirectory("register-ts-");
    const file = join(directory, "main.ts");
    const program = (value: number) => `import { join } from "node:path";\nconst value: number = ${value};\nprocess.stdout.write(join("v", String(value)));\n`;
    writeFileSync(file, program(1));
    expect(run(file)).toBe(join("v", "1"));
    writeFileSync(file, program(2));
    expect(run(file)).toBe(join("v", "2"));
  });
});
