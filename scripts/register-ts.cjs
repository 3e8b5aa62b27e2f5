"use strict";
/*
 * Lets plain `node` run this repository's TypeScript: `node --require ./scripts/register-ts.cjs main.ts` (the app
 * command of cdktf.json). It registers a `.ts` handler with Node's CommonJS loader and nothing else, so the
 * thousands of requires inside cdktf and the providers resolve at Node's own speed; tsx (used before) hooks every
 * resolution and starts the ESM loader too, which cost about a third of a synth.
 *
 * Each file is transpiled by esbuild (the same transform tsx uses) and the result is kept in dist/ts-cache/, keyed
 * by a hash of the source, its path, the compiler options and esbuild's version: an unchanged file is never
 * transpiled twice, and a changed one always is. Output carries an inline source map; Node reads it only when
 * asked (`NODE_OPTIONS=--enable-source-maps`), because mapping the many stack traces cdktf captures is slow.
 * Type checking stays with `npm run typecheck`, as with tsx.
 */
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");
const CACHE = join(ROOT, "dist", "ts-cache");
const compilerOptions = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")).compilerOptions;
const esbuildVersion = require("esbuild/package.json").version;

function transpile(source, filename) {
  // esbuild starts a service process on first use: loaded only on a cache miss.
  const { transformSync } = require("esbuild");
  return transformSync(source, {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
    tsconfigRaw: { compilerOptions },
  }).code;
}

function cachedTranspile(source, filename) {
  const key = createHash("sha256").update(JSON.stringify([esbuildVersion, compilerOptions, filename, source])).digest("hex").slice(0, 32);
  const path = join(CACHE, `${key}.js`);
  try {
    return readFileSync(path, "utf8");
  } catch {
    const code = transpile(source, filename);
    mkdirSync(CACHE, { recursive: true });
    // Written aside and renamed: parallel processes never read half a file.
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, path);
    return code;
  }
}

Module._extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(cachedTranspile(readFileSync(filename, "utf8"), filename), filename);
};
