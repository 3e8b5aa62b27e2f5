import { existsSync, mkdtempSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Memory-backed storage, when the machine has it with room to spare. */
const MEMORY_FOLDER = "/dev/shm";
const MEMORY_FOLDER_MIN_FREE_BYTES = 512 * 1024 ** 2;

/**
 * Where the run's folder goes: in memory when possible. The chdb tests create and drop hundreds of tables and parts,
 * whose metadata a disk file system journals: in memory their engine spends a fifth less CPU. A small /dev/shm (a
 * container's default is 64 MiB) is passed over.
 */
function scratchRoot(): string {
  if (!existsSync(MEMORY_FOLDER)) return tmpdir();
  const { bavail, bsize } = statfsSync(MEMORY_FOLDER);
  return bavail * bsize >= MEMORY_FOLDER_MIN_FREE_BYTES ? MEMORY_FOLDER : tmpdir();
}

/*
 * One folder per test run, shared by every test worker and removed when the run ends (workers are killed, so
 * their own exit handlers cannot be relied on to clean up): synthesized stacks shared between workers (see
 * synthesize() in synth.ts; most test files synthesize the same dev and prod environments, and synthesis
 * dominates the run) and each worker's chdb engine (lambda/clickhouse-cleanup/fixtures.ts).
 */
export default function setup(): () => void {
  const directory = mkdtempSync(join(scratchRoot(), "langfuse-test-run-"));
  process.env.LANGFUSE_TEST_RUN_DIR = directory;
  return () => rmSync(directory, { recursive: true, force: true });
}
