import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["__tests__/support/global-setup.ts"],
    testTimeout: 30_000,
    // vitest leaves a core for its main process by default, which on a 2-core machine means one worker: the
    // synthesizing test files and the chdb ones then take turns. The main process idles while workers run.
    maxWorkers: Math.max(2, availableParallelism()),
    experimental: {
      // Transformed test and project modules are kept on disk between runs, keyed by their content (as synth keeps
      // dist/ts-cache): a warm run skips a sixth of the suite's CPU time. dist/ is the build cache, never committed.
      fsModuleCache: true,
      fsModuleCachePath: "dist/vitest-module-cache",
    },
    pool: "forks",
    // Files share a worker's module cache: loading cdktf and the providers once per worker, not per file, is most of
    // the suite's time. Test files keep no global state beyond the synth cache and the process's chdb engine, which
    // each chdb test file starts empty, or replaces with its own (lambda/clickhouse-cleanup/fixtures.ts).
    isolate: false,
    include: ["__tests__/**/*.test.ts", "lambda/**/*.test.ts"],
    setupFiles: ["__tests__/support/setup.ts"],
  },
});
