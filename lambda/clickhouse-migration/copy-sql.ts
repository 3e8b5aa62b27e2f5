/*
 * The SQL of the v3→v4 ClickHouse copy: from the bundled (bitnami, 25.2) server to the operator's (26.4), run by
 * Jobs of the app stack (constructs/clickhouse/migration.ts) with clickhouse-client against both servers. Every
 * statement that reads the old server names it through SOURCE_TOKEN, which the Job replaces with
 * `remote('<old service>:9000', '<database>', '<table>', 'default', '<password>')` (as the chart's
 * ch-online-sync.sh does) and the tests with a second database of the same chdb session.
 *
 * The table set is read from the old server at run time (system.tables), not listed here: whatever Langfuse's
 * v3 migrations created there (schema_migrations included, so the v3 app finds its migrations applied) is copied.
 * Tables first, data next, views and materialized views last, so no view fires on the copied rows.
 */

import { quoteIdentifier, quoteString } from "../clickhouse-cleanup/retention-sql";

/** Replaced by the source of one table: remote(…) in the Job, `db`.`table` in the tests. */
export const SOURCE_TOKEN = "__SOURCE__";

/** Database that records, on the new server, how far each table has been copied (the catch-up starts there). */
export const WATERMARK_DATABASE = "langfuse_migration";
const WATERMARKS = `${quoteIdentifier(WATERMARK_DATABASE)}.\`copy_watermarks\``;

/** Engines whose rows collapse on merge: counted with FINAL, so a merge on either side does not change the count. */
const MERGING_ENGINE = "(Replacing|Collapsing|VersionedCollapsing|Aggregating|Summing|Coalescing)MergeTree";

const VIEW_ENGINES = "('View', 'MaterializedView', 'LiveView', 'WindowView')";

/**
 * Runs on the old server; its TSVRaw output is the `CREATE … IF NOT EXISTS` statements (`;`-terminated) that
 * recreate its tables (kind "tables") or its views (kind "views") in `targetDatabase` of the new server.
 * ClickHouse prints the definition with the database qualified: that prefix is swapped for the target's.
 */
export function ddlQuery(kind: "tables" | "views", sourceDatabase: string, targetDatabase: string): string {
  const from = (what: string) => quoteString(`CREATE ${what} ${sourceDatabase}.`);
  const to = (what: string) => quoteString(`CREATE ${what} IF NOT EXISTS ${targetDatabase}.`);
  const rewrite =
    kind === "tables"
      ? `replaceOne(create_table_query, ${from("TABLE")}, ${to("TABLE")})`
      : `replaceOne(replaceOne(create_table_query, ${from("VIEW")}, ${to("VIEW")}), ${from("MATERIALIZED VIEW")}, ${to("MATERIALIZED VIEW")})`;
  return (
    `SELECT concat(${rewrite}, ';') FROM system.tables WHERE database = ${quoteString(sourceDatabase)} AND NOT is_temporary ` +
    `AND engine ${kind === "tables" ? "NOT IN" : "IN"} ${VIEW_ENGINES} ORDER BY name FORMAT TSVRaw`
  );
}

/**
 * Runs on the old server; one line per table that holds data: `<name>\t<1 if counted with FINAL>\t<1 if it has an
 * event_ts column>`. Names are Langfuse's (lower-case, digits, underscores); the Job refuses any other.
 */
export function copyListQuery(sourceDatabase: string): string {
  return (
    `SELECT t.name, match(t.engine, ${quoteString(MERGING_ENGINE)}) AS final, ` +
    `t.name IN (SELECT table FROM system.columns WHERE database = ${quoteString(sourceDatabase)} AND name = 'event_ts') AS versioned ` +
    `FROM system.tables AS t WHERE t.database = ${quoteString(sourceDatabase)} AND NOT t.is_temporary AND t.engine NOT IN ${VIEW_ENGINES} ` +
    `ORDER BY t.name FORMAT TSVRaw`
  );
}

/** Creates the watermark table on the new server (idempotent). */
export function watermarkTableStatements(): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(WATERMARK_DATABASE)}`,
    `CREATE TABLE IF NOT EXISTS ${WATERMARKS} (table String, copied_until DateTime64(6), recorded_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree(recorded_at) ORDER BY table`,
  ];
}

/** Empties the new server's copy of a table: the first copy starts clean, so a retried Job never duplicates rows. */
export function truncateStatement(targetDatabase: string, table: string): string {
  return `TRUNCATE TABLE IF EXISTS ${quoteIdentifier(targetDatabase)}.${quoteIdentifier(table)}`;
}

/** Records the newest event_ts of the old server's table before it is copied (rows up to it are in the copy). */
export function recordWatermarkStatement(table: string): string {
  return `INSERT INTO ${WATERMARKS} (table, copied_until) SELECT ${quoteString(table)}, max(event_ts) FROM ${SOURCE_TOKEN}`;
}

/** Copies every row of the old server's table. */
export function copyStatement(targetDatabase: string, table: string): string {
  return `INSERT INTO ${quoteIdentifier(targetDatabase)}.${quoteIdentifier(table)} SELECT * FROM ${SOURCE_TOKEN}`;
}

/**
 * Copies what the old server received since the table's watermark (less `lookbackMinutes` for late rows): the
 * Langfuse tables are ReplacingMergeTree on event_ts, so rows copied twice collapse into one.
 */
export function catchUpStatement(targetDatabase: string, table: string, lookbackMinutes = 60): string {
  return (
    `INSERT INTO ${quoteIdentifier(targetDatabase)}.${quoteIdentifier(table)} SELECT * FROM ${SOURCE_TOKEN} ` +
    `WHERE event_ts > (SELECT max(copied_until) FROM ${WATERMARKS} WHERE table = ${quoteString(table)}) - INTERVAL ${lookbackMinutes} MINUTE`
  );
}

/** A row window of a retained table: only rows at or after the cutoff are compared (older ones may be dropped). */
export interface CountWindow {
  /** The table's retention column (its partition column). */
  readonly timeColumn: string;
  /** SQL expression of the cutoff instant, e.g. toDateTime(1764700000, 'UTC'). */
  readonly cutoff: string;
}

/**
 * Runs on the new server and fails (throwIf: clickhouse-client exits non-zero, the Job fails, the apply stops)
 * unless the new server holds at least as many rows as the old one. Otherwise it prints
 * `<table>\t<old rows>\t<new rows>` for the Job's log.
 */
export function rowCountCheck(targetDatabase: string, table: string, final: boolean, window?: CountWindow): string {
  const modifier = final ? " FINAL" : "";
  const where = window ? ` WHERE toDateTime(${quoteIdentifier(window.timeColumn)}) >= ${window.cutoff}` : "";
  return (
    `SELECT ${quoteString(table)} AS table, source_rows, target_rows, ` +
    `throwIf(target_rows < source_rows, ${quoteString(`row counts differ on ${table}: the new ClickHouse holds fewer rows than the old one`)}) AS failed ` +
    `FROM (SELECT (SELECT count() FROM ${SOURCE_TOKEN}${modifier}${where}) AS source_rows, ` +
    `(SELECT count() FROM ${quoteIdentifier(targetDatabase)}.${quoteIdentifier(table)}${modifier}${where}) AS target_rows) FORMAT TSVRaw`
  );
}

/** Puts the source of `table` where SOURCE_TOKEN stands. */
export function withSource(sql: string, source: string): string {
  return sql.split(SOURCE_TOKEN).join(source);
}
