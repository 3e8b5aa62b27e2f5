import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/*
 * Synthesis time of every stack of prod, in a fresh Node process each time (imports included), against the
 * time a fresh process needs merely to load the root index of @cdktf/provider-aws. Deep imports keep the
 * former below the latter. Prints medians of several runs.
 */

const RUNS = Number(process.argv[2] ?? 5);

function timeProcess(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label: string, args: () => string[], cleanup: () => void = () => {}): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    times.push(timeProcess(args()));
    cleanup();
  }
  const result = median(times);
  console.log(`${label.padEnd(48)} median ${result.toFixed(0).padStart(6)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(", ")})`);
  return result;
}

const outdirs: string[] = [];
const synth = measure("synthesize every stack of prod (fresh process)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-bench-"));
  outdirs.push(outdir);
  return ["--import", "tsx", "bench/synth-once.ts", "prod", outdir];
}, () => outdirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const rootIndex = measure("require('@cdktf/provider-aws') root index only", () => ["-e", "require('@cdktf/provider-aws')"]);

console.log(`ratio synth / root-index load: ${(synth / rootIndex).toFixed(2)} (must be < 1)`);
if (synth >= rootIndex) process.exitCode = 1;
