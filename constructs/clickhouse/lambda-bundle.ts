import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";

/*
 * Code bundled at synth time: esbuild turns a TypeScript entry point (and every package it imports) into one
 * CommonJS file, and a zip of it becomes a TerraformAsset. The zip is byte-identical across synths and machines
 * (one entry, fixed timestamp and mode, fixed time zone), so an unchanged function is never redeployed.
 */

/** The repository root: esbuild resolves and names modules relative to it, whatever the caller's cwd. */
const REPOSITORY_ROOT = resolve(__dirname, "..", "..");
/** Where built zips are kept between synths (git-ignored). */
const BUILD_DIRECTORY = join(REPOSITORY_ROOT, "dist", "lambda-bundles");
/**
 * Major Node.js version every bundle targets: the Lambda runtime and the disk-metrics image derive from it, so
 * code is never built for a newer Node.js than the one that runs it. 24 is Lambda's newest Node.js runtime
 * (nodejs22.x is deprecated in April 2027).
 */
export const NODE_MAJOR = 24;
/** The Lambda runtime of NODE_MAJOR. */
export const NODE_RUNTIME = `nodejs${NODE_MAJOR}.x`;

// A process builds each entry once, however many stacks or apps (tests synthesize dozens) ask for it.
const bundles = new Map<string, string>();
const zips = new Map<string, Buffer>();

/** One self-contained CommonJS file for Node.js NODE_MAJOR from a TypeScript entry point. */
export function bundleScript(entry: string): string {
  const cached = bundles.get(entry);
  if (cached !== undefined) return cached;
  const result = buildSync({
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: `node${NODE_MAJOR}`,
    format: "cjs",
    minify: true,
    legalComments: "none",
    sourcemap: false,
    write: false,
    logLevel: "silent",
  });
  const text = result.outputFiles[0].text;
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
    const zip = zips.get(props.entry) ?? deterministicZip({ "index.js": bundleScript(props.entry) });
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
