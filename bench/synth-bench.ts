import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/*
 * Time to synthesize every stack of prod — `main.ts` in a fresh Node process each run, imports included, as
 * `LANGFUSE_ENV=prod npm run synth` does — against the time a fresh process needs merely to load the root index
 * of @cdktf/provider-aws. Deep imports keep the former below the latter. Prints medians of several runs.
 */

const RUNS = Number(process.argv[2] ?? 5);

interface Run {
  readonly args: string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cleanup?: () => void;
}

function timeProcess({ args, env }: Run): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env: env ?? process.env });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label: string, nextRun: () => Run): number {
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const run = nextRun();
    times.push(timeProcess(run));
    run.cleanup?.();
  }
  const result = median(times);
  console.log(`${label.padEnd(50)} median ${result.toFixed(0).padStart(6)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(", ")})`);
  return result;
}

const synth = measure("synthesize every stack of prod (main.ts, fresh process)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "langfuse-bench-"));
  return {
    args: ["--import", "tsx", "main.ts"],
    env: { ...process.env, LANGFUSE_ENV: "prod", CDKTF_OUTDIR: outdir },
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
});
const rootIndex = measure("require('@cdktf/provider-aws') root index only", () => ({ args: ["-e", "require('@cdktf/provider-aws')"] }));

console.log(`ratio synth / root-index load: ${(synth / rootIndex).toFixed(2)} (must be < 1)`);
if (synth >= rootIndex) process.exitCode = 1;
