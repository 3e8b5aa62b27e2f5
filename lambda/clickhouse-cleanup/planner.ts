import type { ClickHouse } from "./clickhouse";
import {
  dropPartitionStatement,
  epochCutoff,
  expiredPredicate,
  partitionsQuery,
  qualifiedName,
  quoteString,
  type RetainedTable,
} from "./retention-sql";

/*
 * Planning reads, never writes: it lists what is expired, in the order that frees space soonest, and the
 * executor then runs the steps one by one. Order: (1) drop partitions whose newest row is older than the cutoff
 * (space comes back at once, nothing is rewritten); (2) delete the remaining expired rows of Langfuse's tables,
 * one partition per step; (3) truncate system log tables that are still oversized.
 */

interface StepBase {
  readonly database: string;
  readonly table: string;
  /** The one statement the step runs. */
  readonly sql: string;
  /** Active bytes the step is expected to free (whole partition or table; a row delete is not estimated). */
  readonly estimatedBytes: number;
  /** Rows the step removes. */
  readonly rows: number;
}

export interface DropPartitionStep extends StepBase {
  readonly kind: "drop-partition";
  readonly partitionId: string;
}

export interface DeleteRowsStep extends StepBase {
  readonly kind: "delete-rows";
  readonly partitionId: string;
}

export interface TruncateStep extends StepBase {
  readonly kind: "truncate";
}

export type Step = DropPartitionStep | DeleteRowsStep | TruncateStep;

export interface TablePlan {
  readonly database: string;
  readonly table: string;
  readonly kind: RetainedTable["kind"];
  /** Rows older than this instant are expired (ISO 8601, UTC); a row exactly at it is kept. */
  readonly cutoff: string;
  /** Why the table gets no (further) step, if so. */
  readonly note?: string;
}

export interface Plan {
  readonly tables: TablePlan[];
  readonly steps: Step[];
}

export interface PlanOptions {
  /** The tables and their retention. */
  readonly tables: readonly RetainedTable[];
  /** The planning instant. */
  readonly now: Date;
  /** A system log table still larger than this after its partition drops is truncated. */
  readonly systemLogMaxBytes: number;
}

interface PartitionRow {
  partition_id: string;
  max_time: string | number;
  rows: string | number;
}

interface BytesRow {
  partition_id: string;
  bytes: string | number;
}

const DAY_SECONDS = 86_400;

export async function planCleanup(clickhouse: ClickHouse, options: PlanOptions): Promise<Plan> {
  const existing = await existingTables(clickhouse, options.tables);
  const tables: TablePlan[] = [];
  const drops: Step[] = [];
  const deletes: Step[] = [];
  const truncates: Step[] = [];
  for (const table of options.tables) {
    const cutoffEpoch = Math.floor(options.now.getTime() / 1000) - table.retentionDays * DAY_SECONDS;
    const base = { database: table.database, table: table.table, kind: table.kind, cutoff: new Date(cutoffEpoch * 1000).toISOString() };
    if (!existing.has(`${table.database}.${table.table}`)) {
      if (table.kind === "app") tables.push({ ...base, note: "table does not exist" });
      continue;
    }
    const partitions = await partitionsOf(clickhouse, table);
    const expired = partitions.filter((partition) => partition.maxTime < cutoffEpoch);
    for (const partition of expired) {
      drops.push({
        kind: "drop-partition",
        database: table.database,
        table: table.table,
        partitionId: partition.id,
        sql: dropPartitionStatement(table, partition.id),
        estimatedBytes: partition.bytes,
        rows: partition.rows,
      });
    }
    const kept = partitions.filter((partition) => partition.maxTime >= cutoffEpoch);
    let note: string | undefined;
    if (table.kind === "app") {
      const planned = await rowDeletes(clickhouse, table, kept, cutoffEpoch);
      deletes.push(...planned.steps);
      note = planned.note;
    } else {
      const remainingBytes = kept.reduce((sum, partition) => sum + partition.bytes, 0);
      if (remainingBytes > options.systemLogMaxBytes) {
        truncates.push({
          kind: "truncate",
          database: table.database,
          table: table.table,
          sql: `TRUNCATE TABLE ${qualifiedName(table)}`,
          estimatedBytes: remainingBytes,
          rows: kept.reduce((sum, partition) => sum + partition.rows, 0),
        });
      }
    }
    tables.push({ ...base, ...(note ? { note } : {}) });
  }
  return { tables, steps: [...drops, ...deletes, ...truncates] };
}

async function existingTables(clickhouse: ClickHouse, tables: readonly RetainedTable[]): Promise<Set<string>> {
  const databases = [...new Set(tables.map((table) => table.database))].map(quoteString).join(", ");
  const rows = await clickhouse.rows<{ database: string; name: string }>(
    `SELECT database, name FROM system.tables WHERE database IN (${databases})`,
  );
  return new Set(rows.map((row) => `${row.database}.${row.name}`));
}

interface Partition {
  readonly id: string;
  readonly maxTime: number;
  readonly rows: number;
  readonly bytes: number;
}

async function partitionsOf(clickhouse: ClickHouse, table: RetainedTable): Promise<Partition[]> {
  const rows = await clickhouse.rows<PartitionRow>(partitionsQuery(table));
  const bytes = await clickhouse.rows<BytesRow>(
    `SELECT partition_id, sum(bytes_on_disk) AS bytes FROM system.parts ` +
      `WHERE active AND database = ${quoteString(table.database)} AND table = ${quoteString(table.table)} GROUP BY partition_id`,
  );
  const bytesById = new Map(bytes.map((row) => [row.partition_id, Number(row.bytes)]));
  return rows.map((row) => ({
    id: row.partition_id,
    maxTime: Number(row.max_time),
    rows: Number(row.rows),
    bytes: bytesById.get(row.partition_id) ?? 0,
  }));
}

/**
 * One DELETE per partition that still holds expired rows (in practice the partition straddling the cutoff),
 * unless a mutation of the table is still running: a second one would only queue behind it.
 */
async function rowDeletes(
  clickhouse: ClickHouse,
  table: RetainedTable,
  kept: readonly Partition[],
  cutoffEpoch: number,
): Promise<{ steps: Step[]; note?: string }> {
  if (kept.length === 0) return { steps: [] };
  const predicate = expiredPredicate(table, epochCutoff(cutoffEpoch));
  const ids = kept.map((partition) => quoteString(partition.id)).join(", ");
  const counts = await clickhouse.rows<{ partition_id: string; rows: string }>(
    `SELECT _partition_id AS partition_id, count() AS rows FROM ${qualifiedName(table)} ` +
      `WHERE ${predicate} AND _partition_id IN (${ids}) GROUP BY partition_id ORDER BY partition_id`,
  );
  if (counts.length === 0) return { steps: [] };
  const running = await clickhouse.rows<{ running: string }>(
    `SELECT count() AS running FROM system.mutations WHERE database = ${quoteString(table.database)} AND table = ${quoteString(table.table)} AND NOT is_done`,
  );
  if (Number(running[0]?.running ?? 0) > 0) return { steps: [], note: "a mutation of this table is still running; row deletes skipped" };
  return {
    steps: counts.map((count) => ({
      kind: "delete-rows",
      database: table.database,
      table: table.table,
      partitionId: count.partition_id,
      sql: `ALTER TABLE ${qualifiedName(table)} DELETE IN PARTITION ID ${quoteString(count.partition_id)} WHERE ${predicate}`,
      estimatedBytes: 0,
      rows: Number(count.rows),
    })),
  };
}
