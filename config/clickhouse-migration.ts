import { z } from "zod";
import { ConfigError } from "./errors";
import { MAX_EBS_VOLUME_GIB } from "./limits";

/*
 * The v3→v4 ClickHouse move of an environment whose Langfuse runs the v3 line with the bundled (bitnami, 25.2)
 * ClickHouse, which is below v4's minimum and cannot be upgraded in place. Each phase is one configuration change
 * and one apply; each adds to the previous one, so a phase skipped still runs its predecessors' steps first:
 *
 *   none          today's environment.
 *   side-by-side  a ClickHouseCluster (operator, 26.4) and its KeeperCluster beside the bitnami server.
 *   copy          a Job copies every table into it (INSERT … SELECT FROM remote(), per table) and verifies the
 *                 row counts; the apply fails, changing nothing else, when they differ.
 *   switched      the release points Langfuse at the new server (the bitnami StatefulSet stays, idle); a catch-up
 *                 Job then copies what the old server received until the rollout finished. Retention, the disk
 *                 alarm and the emergency cleanup follow the new server.
 *   retired       after a Job has verified the row counts once more, the release stops deploying the bitnami
 *                 server. Its volume claim (and in prod its EBS volume, reclaim policy Retain) stays until
 *                 deleted by hand: no step of this project deletes a data volume.
 *
 * Reversible until `retired`: set the previous phase and apply. The app then moves to the v4 line (dual write,
 * historic backfill, events_only) on the new server; see docs/upgrading.md.
 */

export const MIGRATION_PHASES = ["none", "side-by-side", "copy", "switched", "retired"] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

export const clickhouseMigrationSchema = z
  .object({
    phase: z
      .enum(MIGRATION_PHASES)
      .describe(
        "Step of the v3→v4 ClickHouse move (bundled ClickHouse only): none, side-by-side (a v4-line ClickHouse beside the old one), copy (data copied and row counts verified), switched (Langfuse uses the new one), retired (the old StatefulSet removed). One step per apply; reversible until retired.",
      ),
    storageGiB: z
      .number()
      .int()
      .min(10)
      .max(MAX_EBS_VOLUME_GIB)
      .nullable()
      .describe(
        "Volume of the new ClickHouse, GiB; null: 3 × clickhouse.storageGiB, room for the copy and for v4's historic backfill (about 3× the data while it runs).",
      ),
    keeperStorageGiB: z.number().int().min(1).max(MAX_EBS_VOLUME_GIB).describe("Volume of the new ClickHouse's single Keeper replica, GiB."),
  })
  .strict()
  .describe("The v3→v4 ClickHouse move, one phase per apply (docs/upgrading.md).");

export type ClickHouseMigrationSettings = z.infer<typeof clickhouseMigrationSchema>;

/** v4's historic backfill needs about 3× the ClickHouse disk while it runs (Langfuse's upgrade guide). */
export const BACKFILL_DISK_FACTOR = 3;

/** Whether `phase` comes at or after `reference` in the migration's order. */
export function phaseAtLeast(phase: MigrationPhase, reference: MigrationPhase): boolean {
  return MIGRATION_PHASES.indexOf(phase) >= MIGRATION_PHASES.indexOf(reference);
}

/** The parts of an environment the migration's rules read (structural: this module does not import the schema). */
interface MigrationContext {
  readonly clickhouse: { readonly mode: string; readonly storageGiB: number; readonly migration: ClickHouseMigrationSettings };
  readonly nodeGroups: { readonly clickhouse: { readonly maxSize: number } | null };
}

/** The new ClickHouse's volume, GiB: the configured size or 3 × the old one. */
export function migrationStorageGiB(clickhouse: MigrationContext["clickhouse"]): number {
  return clickhouse.migration.storageGiB ?? clickhouse.storageGiB * BACKFILL_DISK_FACTOR;
}

/** Cross-key rules of the migration, each a ConfigError naming the key, the value and the fix. */
export function checkClickHouseMigration(config: MigrationContext, key: (path: string) => string): void {
  const { clickhouse, nodeGroups } = config;
  const { phase } = clickhouse.migration;
  if (phase === "none") return;
  if (clickhouse.mode !== "bundled") {
    throw new ConfigError(key("clickhouse.migration.phase"), phase, "only the bundled ClickHouse moves this way; an external ClickHouse is upgraded by its owner (set phase: none)");
  }
  const size = migrationStorageGiB(clickhouse);
  if (size < clickhouse.storageGiB) {
    throw new ConfigError(
      key("clickhouse.migration.storageGiB"),
      clickhouse.migration.storageGiB,
      `the new ClickHouse must hold at least the old volume (${clickhouse.storageGiB} GiB), and about ${BACKFILL_DISK_FACTOR}× it for v4's historic backfill; use null for ${clickhouse.storageGiB * BACKFILL_DISK_FACTOR}`,
    );
  }
  // Both servers run at once until the old one is retired: on a dedicated node group, each needs its own node.
  if (phase !== "retired" && nodeGroups.clickhouse && nodeGroups.clickhouse.maxSize < 2) {
    throw new ConfigError(
      key("nodeGroups.clickhouse.maxSize"),
      nodeGroups.clickhouse.maxSize,
      `phase ${phase} runs the old and the new ClickHouse side by side, one per dedicated node; raise maxSize to 2 until the phase is retired`,
    );
  }
}
