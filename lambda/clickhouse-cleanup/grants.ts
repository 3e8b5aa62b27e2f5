import type { ClickHouseSchema } from "../../contract/clickhouse-flavours";
import { SYSTEM_LOG_TABLES } from "../../contract/clickhouse-system-logs";
import { appTablesOf, qualifiedName, quoteIdentifier } from "./retention-sql";

/*
 * What the cleanup function's ClickHouse user may do, in one place: the server configuration of both lines renders
 * these statements (v3: the user's <grants> in a users.d override; v4: a role in the ClickHouseCluster's users
 * configuration) and the tests run the function under exactly them. Derived from the statements the planner and
 * executor send (planner.ts, executor.ts, retention-sql.ts):
 *
 *   SELECT database, name FROM system.tables …                          → SELECT(database, name) ON system.tables
 *   SELECT … sum(bytes_on_disk) FROM system.parts WHERE active …         → SELECT(database, table, partition_id, bytes_on_disk, active) ON system.parts
 *   SELECT count() FROM system.mutations WHERE … AND NOT is_done         → SELECT(database, table, is_done) ON system.mutations
 *   SELECT _partition_id, max(<time>), count() FROM <table> …            → SELECT(_partition_id, <time>) ON <table>
 *   ALTER TABLE <table> DROP PARTITION ID …                              → ALTER DELETE ON <table> (ClickHouse checks DROP PARTITION as ALTER DELETE)
 *   ALTER TABLE <table> DELETE IN PARTITION ID … WHERE <time> < …        → ALTER DELETE ON <table>
 *   TRUNCATE TABLE system.<log>                                          → TRUNCATE ON system.<log> (system logs only)
 *
 * Column-level SELECT: the function reads the time column and the partition id, never a trace's input or output.
 * The system tables are readable by any user on a default server (select_from_system_db_requires_grant = 0); the
 * grants say so explicitly, so a server that requires them keeps working. Nothing here reaches a table the cleanup
 * does not plan for, grants an option, inserts, creates, drops a table or manages access. Every statement is
 * valid on ClickHouse 25.2 (the v3 line's server) and 26.x: one privilege list per table, no newer syntax.
 */

/** Which tables the grants cover. */
export interface CleanupGrantScope {
  /** Which Langfuse tables the server holds ("v4" adds events_full and events_core). */
  readonly schema: ClickHouseSchema;
  /** Database of Langfuse's tables. @default "default" */
  readonly appDatabase?: string;
  /** Database of the system log tables; tests point it at stand-ins. @default "system" */
  readonly systemDatabase?: string;
}

/** The privileges the grants may use, and nothing else (the coverage test checks every statement against it). */
export const CLEANUP_PRIVILEGES = ["SELECT", "ALTER DELETE", "TRUNCATE"] as const;

/** The columns of ClickHouse's metadata tables the planner and executor read. */
const METADATA_COLUMNS = {
  tables: ["database", "name"],
  parts: ["database", "table", "partition_id", "bytes_on_disk", "active"],
  mutations: ["database", "table", "is_done"],
} as const;

const columns = (names: readonly string[]) => names.map(quoteIdentifier).join(", ");

/** The GRANT statements without a grantee (the form users.xml `<grants><query>` and role configuration take). */
export function cleanupGrants(scope: CleanupGrantScope): string[] {
  const appDatabase = scope.appDatabase ?? "default";
  const systemDatabase = scope.systemDatabase ?? "system";
  const metadata = Object.entries(METADATA_COLUMNS).map(
    ([table, names]) => `GRANT SELECT(${columns(names)}) ON ${qualifiedName({ database: "system", table })}`,
  );
  const app = appTablesOf(scope.schema).map(
    ({ table, timeColumn }) => `GRANT SELECT(${columns(["_partition_id", timeColumn])}), ALTER DELETE ON ${qualifiedName({ database: appDatabase, table })}`,
  );
  const logs = SYSTEM_LOG_TABLES.map(
    (table) => `GRANT SELECT(${columns(["_partition_id", "event_time"])}), ALTER DELETE, TRUNCATE ON ${qualifiedName({ database: systemDatabase, table })}`,
  );
  return [...metadata, ...app, ...logs];
}
