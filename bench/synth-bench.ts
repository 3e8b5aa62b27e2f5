import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

/*
 * Time to synthesize every stack of prod — the app command of cdktf.json in a fresh Node process each run,
 * imports included, as `cdktf synth` and `LANGFUSE_ENV=prod npm run synth` run it — against the time a fresh
 * process needs merely to load the root index of @cdktf/provider-aws. Goal: at most half of it.
 *
 * Both are measured as wall time and as CPU time (user + system, from the process's own resource usage). The goal
 * is checked on CPU time: on a machine shared with other work, wall time mostly measures the neighbours. Warm runs
 * reuse the build caches under dist/ (transpiled TypeScript, function bundles), as every synth after the first
 * does; one cold run (caches emptied first) shows the cost after a change to every file.
 *   npm run bench [runs]
 */

const RUNS = Number(process.argv[2] ?? 5);
const GOAL = 0.5;
const REPOSITORY = join(__dirname, "..");
const CPU_PROBE = join(__dirname, "cpu-usage.cjs");
const CACHES = ["ts-cache", "lambda-bundles"].map((name) => join(REPOSITORY, "dist", name));
const APP_COMMAND: string[] = JSON.parse(readFileSync(join(REPOSITORY, "cdktf.json"), "utf8")).app.split(" ");

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function timeProcess(args: string[], env: NodeJS.ProcessEnv): Sample {
  const scratch = mkdtempSync(join(tmpdir(), "langfuse-bench-"));
  const cpuFile = join(scratch, "cpu");
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ["--require", CPU_PROBE, ...args], {
      cwd: REPOSITORY,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      env: { ...env, BENCH_CPU_FILE: cpuFile, CDKTF_OUTDIR: join(scratch, "out") },
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
    return { wallMs, cpuMs: Number(readFileSync(cpuFile, "utf8")) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function report(label: string, samples: Sample[]): Sample {
  const result = { wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)) };
  const list = (key: keyof Sample) => samples.map((s) => s[key].toFixed(0)).join(", ");
  console.log(`${label.padEnd(46)} wall ${result.wallMs.toFixed(0).padStart(5)} ms (${list("wallMs")})`);
  console.log(`${"".padEnd(46)} cpu  ${result.cpuMs.toFixed(0).padStart(5)} ms (${list("cpuMs")})`);
  return result;
}

const [program, ...appArgs] = APP_COMMAND;
if (program !== "node") throw new Error(`the app command of cdktf.json starts ${program}, not node: this benchmark runs node itself`);
const prodEnv = { ...process.env, LANGFUSE_ENV: "prod" };

console.log(`app command: ${APP_COMMAND.join(" ")}; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on this machine`);
CACHES.forEach((cache) => rmSync(cache, { recursive: true, force: true }));
report("synthesize prod, cold caches (1 run)*", [timeProcess(appArgs, prodEnv)]);
const synth = report("synthesize prod, warm (fresh process each)", Array.from({ length: RUNS }, () => timeProcess(appArgs, prodEnv)));
const rootIndex = report("require('@cdktf/provider-aws') root index", Array.from({ length: RUNS }, () => timeProcess(["-e", "require('@cdktf/provider-aws')"], process.env)));

const cpuRatio = synth.cpuMs / rootIndex.cpuMs;
console.log("* cold cpu excludes the esbuild and zip child processes; see its wall time");
console.log(`ratio synth / root-index load: cpu ${cpuRatio.toFixed(2)}, wall ${(synth.wallMs / rootIndex.wallMs).toFixed(2)} (goal: cpu <= ${GOAL})`);
console.log(`${cpuRatio <= GOAL ? "PASS" : "FAIL"}: a synth of prod costs ${cpuRatio <= GOAL ? "at most" : "more than"} ${GOAL} of loading the root index`);
if (cpuRatio > GOAL) process.exitCode = 1;
