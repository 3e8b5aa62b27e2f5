import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type BuildOptions, buildSync, version as esbuildVersion } from "esbuild";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { BuildCache, hashOf } from "./build-cache";

/*
 * Code bundled at synth time: esbuild turns a TypeScript entry point (and every package it imports) into one
 * CommonJS file, and a zip of it becomes a TerraformAsset. The zip is byte-identical across synths and machines
 * (one entry, fixed timestamp and mode, fixed time zone), so an unchanged function is never redeployed.
 */

/** The repository root: esbuild resolves and names modules relative to it, whatever the caller's cwd. */
const REPOSITORY_ROOT = resolve(__dirname, "..", "..");
/** Where built bundles and zips are kept between synths (git-ignored). */
const BUILD_DIRECTORY = join(REPOSITORY_ROOT, "dist", "lambda-bundles");
/**
 * Major Node.js version every bundle targets: the Lambda runtime and the disk-metrics image derive from it, so
 * code is never built for a newer Node.js than the one that runs it. 24 is Lambda's newest Node.js runtime
 * (nodejs22.x is deprecated in April 2027).
 */
export const NODE_MAJOR = 24;
/** The Lambda runtime of NODE_MAJOR. */
export const NODE_RUNTIME = `nodejs${NODE_MAJOR}.x`;

// A process builds each entry once, however many stacks or apps (tests synthesize dozens) ask for it; the disk
// cache spares the build in the next process too.
const bundles = new Map<string, string>();
const zips = new Map<string, Buffer>();
const diskCache = new BuildCache(BUILD_DIRECTORY, REPOSITORY_ROOT);

const BUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  target: `node${NODE_MAJOR}`,
  format: "cjs",
  minify: true,
  legalComments: "none",
  sourcemap: false,
} as const satisfies BuildOptions;
/** Files esbuild reads that its metafile does not list: module resolution (lock file) and compiler options. */
const IMPLICIT_INPUTS = ["package-lock.json", "tsconfig.json"].map((file) => join(REPOSITORY_ROOT, file));
/** Everything besides the input files that decides the output: a new esbuild or new options miss the cache. */
const BUNDLE_SALT = ["esbuild", esbuildVersion, BUILD_OPTIONS];

/** Builds `entry` with esbuild, bypassing every cache; `inputs` are the files it read, relative to `root`. */
export function buildScript(entry: string, root: string = REPOSITORY_ROOT): { output: string; inputs: string[] } {
  const result = buildSync({ ...BUILD_OPTIONS, absWorkingDir: root, entryPoints: [entry], write: false, logLevel: "silent", metafile: true });
  return { output: result.outputFiles[0].text, inputs: [...Object.keys(result.metafile.inputs), ...IMPLICIT_INPUTS] };
}

/**
 * The bundle of `entry` through the build cache in `cache`: a hit when every input file the last build read is
 * unchanged. Exported for tests; constructs use `bundleScript`.
 */
export function cachedBundle(entry: string, cache: BuildCache): { output: string; cached: boolean } {
  return cache.getOrBuild(relative(cache.root, entry), BUNDLE_SALT, () => buildScript(entry, cache.root));
}

/** One self-contained CommonJS file for Node.js NODE_MAJOR from a TypeScript entry point. */
export function bundleScript(entry: string): string {
  const cached = bundles.get(entry);
  if (cached !== undefined) return cached;
  const text = cachedBundle(entry, diskCache).output;
  bundles.set(entry, text);
  return text;
}

/*
 * yazl writes through a stream (asynchronous) while constructs are built synchronously, so the zip is written by
 * a short-lived node process. TZ=UTC because zip timestamps are local DOS times.
 */
const ZIP_WORKER = `
const yazl = require(process.argv[1]);
const files = JSON.parse(require("fs").readFileSync(0, "utf8"));
const zip = new yazl.ZipFile();
const mtime = new Date(2000, 0, 1);
for (const file of files) zip.addBuffer(Buffer.from(file.base64, "base64"), file.name, { mtime, mode: 0o100644, compress: true, forceDosTimestamp: true });
zip.end();
const chunks = [];
zip.outputStream.on("data", (chunk) => chunks.push(chunk)).on("end", () => process.stdout.write(Buffer.concat(chunks)));
`;

/** A zip of `files` (name → content), entries sorted by name, identical bytes for identical input. */
export function deterministicZip(files: Readonly<Record<string, string | Buffer>>): Buffer {
  const entries = Object.keys(files)
    .sort()
    .map((name) => ({ name, base64: Buffer.from(files[name]).toString("base64") }));
  return execFileSync(process.execPath, ["-e", ZIP_WORKER, require.resolve("yazl")], {
    input: JSON.stringify(entries),
    env: { TZ: "UTC" },
    maxBuffer: 256 * 1024 * 1024,
  });
}

// The zip's bytes depend on yazl's version: a new yazl misses the cache.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yazlVersion: string = require("yazl/package.json").version;

/** The zip of a function's `index.js`, from the build cache when the same script was zipped before. */
function cachedZip(script: string): Buffer {
  const name = `${hashOf(JSON.stringify([ZIP_WORKER, yazlVersion, script]))}.zip`;
  return diskCache.read(name) ?? readFileSync(diskCache.write(name, deterministicZip({ "index.js": script })));
}

export interface LambdaBundleProps {
  /** Absolute path of the TypeScript entry point; it must export `handler`. */
  readonly entry: string;
}

/** A function's code: bundled, zipped and copied into the stack's assets. */
export class LambdaBundle extends Construct {
  readonly asset: TerraformAsset;
  /** The function's `handler` setting. */
  readonly handler = "index.handler";
  /** Base64 SHA-256 of the zip: what Lambda reports as CodeSha256 and Terraform's filebase64sha256() gives. */
  readonly sourceCodeHash: string;
  /** The built zip, before synthesis copies it into the stack's assets. */
  readonly zipPath: string;

  constructor(scope: Construct, id: string, props: LambdaBundleProps) {
    super(scope, id);
    if (!existsSync(props.entry)) throw new Error(`'entry' (${props.entry}) does not exist: give the absolute path of the function's index.ts`);
    const zip = zips.get(props.entry) ?? cachedZip(bundleScript(props.entry));
    zips.set(props.entry, zip);
    this.sourceCodeHash = createHash("sha256").update(zip).digest("base64");
    const path = (this.zipPath = join(BUILD_DIRECTORY, `${createHash("sha256").update(zip).digest("hex").slice(0, 16)}.zip`));
    if (!existsSync(path)) {
      mkdirSync(BUILD_DIRECTORY, { recursive: true });
      // Parallel synths (test workers) may build the same zip: write aside, then rename atomically.
      const partial = `${path}.${process.pid}.tmp`;
      writeFileSync(partial, zip);
      renameSync(partial, path);
    }
    this.asset = new TerraformAsset(this, "asset", { path, type: AssetType.FILE });
  }
}
