"use strict";
// Preloaded by the benchmarks (`node --require`): at exit, writes the process's own CPU time (user + system, in
// milliseconds) to the file named by BENCH_CPU_FILE. Child processes are not counted.
const { writeFileSync } = require("node:fs");

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on("exit", () => {
    const { userCPUTime, systemCPUTime } = process.resourceUsage();
    writeFileSync(file, String((userCPUTime + systemCPUTime) / 1000));
  });
}
