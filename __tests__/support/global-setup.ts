import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/*
 * One folder per test run where synthesized stacks are shared between test workers (see synthesize() in
 * synth.ts): most test files synthesize the same dev and prod environments, and synthesis dominates the run.
 */
export default function setup(): () => void {
  const directory = mkdtempSync(join(tmpdir(), "langfuse-test-synth-"));
  process.env.LANGFUSE_TEST_SYNTH_CACHE = directory;
  return () => rmSync(directory, { recursive: true, force: true });
}
