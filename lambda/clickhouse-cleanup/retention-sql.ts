/*
 * The retention rules of Langfuse's ClickHouse, in one place: the deploy-time retention job (its SQL is rendered
 * by constructs/clickhouse/retention.ts from these functions) and the emergency cleanup function plan from the
 * same table list and the same expiry predicate, so both agree on what "expired" means.
 *
 * Portability: the chart ships ClickHouse 25.2, which rejects a bare DateTime64 column in a TTL (accepted only
 * from 25.7). Every app-table time column is DateTime64 (3 on v3's tables, 6 on v4's events tables), so each TTL
 * wraps it in toDateTime(); the same SQL then runs on the v4 line's ClickHouse 26.4. The boundary
 * rule everywhere: a row is expired when toDateTime(column) < cutoff; a row exactly at the cutoff is kept.
 */

import { SYSTEM_LOG_TABLES } from "../../contract/clickhouse-system-logs";
import type { ClickHouseSchema } from "../../contract/clickhouse-flavours";

/** Where a table lives and which column its retention is measured on. */
export interface RetainedTable {
  /** Database of the table. */
  readonly database: string;
  /** Table name. */
  readonly table: string;
  /** Time column rows expire on: the partition column, so whole monthly partitions expire together. */
  readonly timeColumn: string;
  /** "app" tables hold Langfuse data; "system-log" tables hold ClickHouse's own diagnostics. */
  readonly kind: "app" | "system-log";
  /** Days a row is kept. */
  readonly retentionDays: number;
}

/** Langfuse v3's tables that grow with traffic, with their partition column (PARTITION BY toYYYYMM(column)). */
export const APP_TABLES = [
  { table: "traces", timeColumn: "timestamp" },
  { table: "observations", timeColumn: "start_time" },
  { table: "scores", timeColumn: "timestamp" },
] as const;

/**
 * Langfuse v4's: v3's (still written in the `legacy` and `dual` write modes, and holding the history until the
 * backfill) plus the wide observation tables, both PARTITION BY toYYYYMM(start_time). events_core is filled from
 * events_full by a materialized view at insert time only, so a drop or delete on one never reaches the other:
 * each gets its own TTL and drops. observations_batch_staging keeps its own 48-hour TTL and is left alone.
 */
export const APP_TABLES_V4 = [...APP_TABLES, { table: "events_full", timeColumn: "start_time" }, { table: "events_core", timeColumn: "start_time" }] as const;

/** The growing tables of a schema, in the order the retention job applies them (the last is created last). */
export function appTablesOf(schema: ClickHouseSchema): readonly { readonly table: string; readonly timeColumn: string }[] {
  return schema === "v4" ? APP_TABLES_V4 : APP_TABLES;
}

export interface RetentionSettings {
  /** Days traces, observations and scores are kept. */
  readonly retentionDays: number;
  /** Days system log tables are kept. */
  readonly systemLogRetentionDays: number;
  /** Database of Langfuse's tables. @default "default" */
  readonly appDatabase?: string;
  /** Which Langfuse tables the server holds. @default "v3" */
  readonly schema?: ClickHouseSchema;
  /** Database of the system log tables; tests point it at a stand-in. @default "system" */
  readonly systemDatabase?: string;
}

/** Langfuse's tables of `schema` with their retention. */
export function appTables(retentionDays: number, database = "default", schema: ClickHouseSchema = "v3"): RetainedTable[] {
  return appTablesOf(schema).map(({ table, timeColumn }) => ({ database, table, timeColumn, kind: "app" as const, retentionDays }));
}

/** Every table the emergency cleanup covers, with its column and days. */
export function retainedTables(settings: RetentionSettings): RetainedTable[] {
  const systemDatabase = settings.systemDatabase ?? "system";
  const app = appTables(settings.retentionDays, settings.appDatabase, settings.schema);
  const logs = SYSTEM_LOG_TABLES.map((table) => ({
    database: systemDatabase,
    table,
    timeColumn: "event_time",
    kind: "system-log" as const,
    retentionDays: settings.systemLogRetentionDays,
  }));
  return [...app, ...logs];
}

/** `db`.`table`, quoted so a name is never read as SQL. */
export function qualifiedName(table: Pick<RetainedTable, "database" | "table">): string {
  return `${quoteIdentifier(table.database)}.${quoteIdentifier(table.table)}`;
}

export function quoteIdentifier(name: string): string {
  return "`" + name.replace(/\\/g, "\\\\").replace(/`/g, "\\`") + "`";
}

export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

/**
 * The TTL statements of one of Langfuse's tables, idempotent (MODIFY replaces any previous TTL).
 * `ttl_only_drop_parts = 1` first: from the moment a TTL exists, expiry only drops whole parts, never rewrites
 * them, so a row may outlive its retention until every row of its part has expired. Then the TTL, with
 * `materialize_ttl_after_modify = 0`: setting it does not rewrite every existing part of a big table (parts
 * written before carry no TTL information; the retention job drops old partitions instead).
 */
export function ttlStatements(table: RetainedTable): string[] {
  if (table.kind !== "app") throw new Error(`'${table.table}' is a system log table: its TTL belongs to the server configuration`);
  const name = qualifiedName(table);
  return [
    `ALTER TABLE ${name} MODIFY SETTING ttl_only_drop_parts = 1`,
    `ALTER TABLE ${name} MODIFY TTL toDateTime(${quoteIdentifier(table.timeColumn)}) + INTERVAL ${table.retentionDays} DAY SETTINGS materialize_ttl_after_modify = 0`,
  ];
}

/** `toDateTime(column) < <cutoff>`: the one expiry predicate (a row exactly at the cutoff is kept). */
export function expiredPredicate(table: Pick<RetainedTable, "timeColumn">, cutoff: string): string {
  return `toDateTime(${quoteIdentifier(table.timeColumn)}) < ${cutoff}`;
}

/** A cutoff given as an absolute instant (seconds since the epoch), independent of the server's time zone. */
export function epochCutoff(epochSeconds: number): string {
  return `toDateTime(${Math.floor(epochSeconds)}, 'UTC')`;
}

/** A cutoff relative to the server clock, for SQL that runs unattended (the retention job). */
export function relativeCutoff(retentionDays: number): string {
  return `now() - INTERVAL ${retentionDays} DAY`;
}

/**
 * Per partition: its id, newest row (epoch seconds) and row count. max() of the raw column lets ClickHouse answer
 * from the partition's min/max index; the conversion to seconds floors like toDateTime() in the predicate.
 */
export function partitionsQuery(table: RetainedTable): string {
  return (
    `SELECT _partition_id AS partition_id, toUnixTimestamp(toDateTime(max(${quoteIdentifier(table.timeColumn)}))) AS max_time, count() AS rows ` +
    `FROM ${qualifiedName(table)} GROUP BY partition_id ORDER BY partition_id`
  );
}

/** Drops one partition by id: atomic, the partition is either gone or untouched. */
export function dropPartitionStatement(table: Pick<RetainedTable, "database" | "table">, partitionId: string): string {
  return `ALTER TABLE ${qualifiedName(table)} DROP PARTITION ID ${quoteString(partitionId)}`;
}

/**
 * A SELECT whose output is the DROP PARTITION statements of every partition wholly older than `cutoff`: the
 * retention job pipes it back into clickhouse-client, so old data goes without any part being rewritten.
 * Partition ids are digits (toYYYYMM), so they need no escaping inside the generated literal.
 */
export function expiredPartitionDropsQuery(table: RetainedTable, cutoff: string): string {
  const column = quoteIdentifier(table.timeColumn);
  return (
    `SELECT concat('ALTER TABLE ${qualifiedName(table).replace(/'/g, "\\'")} DROP PARTITION ID \\'', _partition_id, '\\';') ` +
    `FROM ${qualifiedName(table)} GROUP BY _partition_id HAVING toDateTime(max(${column})) < ${cutoff} ORDER BY _partition_id`
  );
}
