import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from "@clickhouse/client";
import { Session } from "chdb";
import { createChdbConnection } from "chdb/connection";
import { overClient, type ClickHouse } from "./clickhouse";
import { quoteIdentifier } from "./retention-sql";

/*
 * Test and benchmark support (never bundled into the function): an in-process ClickHouse (chdb) on a private data
 * path, tables shaped like Langfuse's v3 migrations (engine, partition key, sort key and time columns as in
 * shared/reference/langfuse-clickhouse-tables.md), and stand-ins for the system log tables chdb does not have.
 */

export interface ChdbSession {
  readonly clickhouse: ClickHouse;
  /** The same engine through a client sending `settings` with every query unless the query sets them itself. */
  withDefaults(settings: ClickHouseSettings): ClickHouse;
  /** Drops what was created through this session and closes its clients; the engine stays for the next one. */
  dispose(): Promise<void>;
}

/**
 * Server configuration for a test engine, changing how fast it works, never what a statement does:
 * - Between the tasks of a mutation (one task per part), ClickHouse's background scheduler waits 0.1 s plus up to
 *   1 s at random: a server amortizes that over hours, a test waited ~2 s for each DELETE on a five-month table.
 * - The server log: chdb writes it at trace level, which doubled the CPU time of a DROP PARTITION.
 * A benchmark of what a server does opens the engine without it (`openChdb("server defaults")`).
 */
/** The engine's server configuration: the tests' (below), or ClickHouse's own defaults. */
export type EngineConfiguration = "test" | "server defaults";

const TEST_SERVER_CONFIG =
  "<logger><level>none</level></logger>" +
  [
    ["thread_sleep_seconds", 0.01],
    ["thread_sleep_seconds_random_part", 0.001],
    ["thread_sleep_seconds_if_nothing_to_do", 0.001],
    ["task_sleep_seconds_when_no_work_min", 0.001],
    ["task_sleep_seconds_when_no_work_random_part", 0.001],
  ]
    .map(([name, seconds]) => `<background_processing_pool_${name}>${seconds}</background_processing_pool_${name}>`)
    .join("");

/**
 * Opens chdb's engine on `dataPath` with the test server configuration plus `extraConfig` (elements inside
 * <clickhouse>), written beside the data path. Connections made afterwards on the same path share this engine.
 */
export function openChdbEngine(dataPath: string, extraConfig = "", configuration: EngineConfiguration = "test"): Session {
  const config = `${configuration === "test" ? TEST_SERVER_CONFIG : ""}${extraConfig}`;
  // No file at all for the defaults: the engine exactly as chdb opens it.
  if (!config) return new Session(dataPath);
  const configPath = `${dataPath}.config.xml`;
  writeFileSync(configPath, `<clickhouse>${config}</clickhouse>`);
  return new Session(dataPath, { connectionArgs: [`--config-file=${configPath}`] });
}

/** The databases a test created: every one but the engine's own. */
function dropTestDatabases(engine: Session): void {
  const names = String(engine.query("SELECT name FROM system.databases WHERE name NOT IN ('system', 'default', 'INFORMATION_SCHEMA', 'information_schema')", "TSV"));
  for (const name of names.split("\n").filter(Boolean)) engine.query(`DROP DATABASE ${quoteIdentifier(name)} SYNC`);
}

/**
 * The process's engine. chdb serves one data path per process, and test files share worker processes (one after
 * another), so the first session opens it and each session starts on an empty engine. Its folder lives in the test
 * run's folder, which the run removes (__tests__/support/global-setup.ts), or else is removed on exit.
 */
let processEngine: { readonly session: Session; readonly path: string; readonly configuration: EngineConfiguration } | undefined;

function engineOfThisProcess(configuration: EngineConfiguration): { readonly session: Session; readonly path: string } {
  if (processEngine?.configuration !== configuration) closeProcessEngine();
  if (!processEngine) {
    const dir = chdbScratchDirectory();
    const path = join(dir, "data");
    processEngine = { session: openChdbEngine(path, "", configuration), path, configuration };
    if (!process.env.LANGFUSE_TEST_RUN_DIR) process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return processEngine;
}

/** A new folder for an engine's data: in the test run's folder (in memory where possible), else a temp dir. */
export function chdbScratchDirectory(): string {
  return mkdtempSync(join(process.env.LANGFUSE_TEST_RUN_DIR ?? tmpdir(), "chdb-"));
}

/**
 * Closes the process's engine, for a test file that opens chdb on a data path and configuration of its own (chdb
 * serves one path at a time); the next `openChdb` opens a new one.
 */
export function closeProcessEngine(): void {
  processEngine?.session.close();
  processEngine = undefined;
}

/** A session on the process's engine (opened with `configuration`), emptied of every earlier session's databases. */
export function openChdb(configuration: EngineConfiguration = "test"): ChdbSession {
  const engine = engineOfThisProcess(configuration);
  dropTestDatabases(engine.session);
  // chdb implements client-common's Connection; @clickhouse/client declares its own (identical) copy of that type.
  const connection = createChdbConnection({ path: engine.path }) as unknown as ClickHouseClientConfigOptions["connection"];
  const clients = [createClient({ connection })];
  const clickhouse = overClient(clients[0]);
  return {
    clickhouse: { ...clickhouse, close: async () => undefined },
    withDefaults: (settings) => {
      const client = createClient({ connection, clickhouse_settings: settings });
      clients.push(client);
      return { ...overClient(client), close: async () => undefined };
    },
    async dispose() {
      dropTestDatabases(engine.session);
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

const payload = "repeat(concat('lorem ipsum ', toString(number)), 8)";

/** traces, observations and scores as Langfuse's unclustered migrations create them. */
export async function createLangfuseTables(clickhouse: ClickHouse, database: string): Promise<void> {
  const db = quoteIdentifier(database);
  await clickhouse.exec(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await clickhouse.exec(
    `CREATE TABLE ${db}.traces (id String, timestamp DateTime64(3), name String, user_id Nullable(String), ` +
      `metadata Map(LowCardinality(String), String), input Nullable(String), output Nullable(String), project_id String, ` +
      `created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(), event_ts DateTime64(3), is_deleted UInt8) ` +
      `ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(timestamp) ORDER BY (project_id, toDate(timestamp), id)`,
  );
  await clickhouse.exec(
    `CREATE TABLE ${db}.observations (id String, trace_id String, project_id String, type LowCardinality(String), ` +
      `start_time DateTime64(3), end_time Nullable(DateTime64(3)), completion_start_time Nullable(DateTime64(3)), name String, ` +
      `input Nullable(String), output Nullable(String), created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(), ` +
      `event_ts DateTime64(3), is_deleted UInt8) ` +
      `ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(start_time) ORDER BY (project_id, type, toDate(start_time), id)`,
  );
  await clickhouse.exec(
    `CREATE TABLE ${db}.scores (id String, timestamp DateTime64(3), project_id String, trace_id String, name String, value Float64, ` +
      `comment Nullable(String), created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(), event_ts DateTime64(3), is_deleted UInt8) ` +
      `ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(timestamp) ORDER BY (project_id, toDate(timestamp), name, id)`,
  );
}

/** Stand-ins for ClickHouse's system logs: monthly partitions on event_date, as the server creates them. */
export async function createSystemLogStandIns(clickhouse: ClickHouse, database: string, tables: readonly string[]): Promise<void> {
  const db = quoteIdentifier(database);
  await clickhouse.exec(`CREATE DATABASE IF NOT EXISTS ${db}`);
  for (const table of tables) {
    await clickhouse.exec(
      `CREATE TABLE ${db}.${quoteIdentifier(table)} (event_date Date, event_time DateTime, message String) ` +
        `ENGINE = MergeTree PARTITION BY toYYYYMM(event_date) ORDER BY (event_date, event_time)`,
    );
  }
}

/** `rows` rows of `table`, evenly spread over [from, to). */
export async function fillRows(clickhouse: ClickHouse, database: string, table: string, from: Date, to: Date, rows: number): Promise<void> {
  const step = (to.getTime() - from.getTime()) / rows;
  const at = `fromUnixTimestamp64Milli(toInt64(${from.getTime()} + number * ${step}), 'UTC')`;
  const target = `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
  const select: Record<string, string> = {
    traces: `SELECT toString(number), ${at}, 'trace', NULL, map('env', 'prod'), ${payload}, ${payload}, 'project', ${at}, ${at}, ${at}, 0 FROM numbers(${rows})`,
    observations: `SELECT toString(number), toString(intDiv(number, 4)), 'project', 'GENERATION', ${at}, ${at}, NULL, 'llm', ${payload}, ${payload}, ${at}, ${at}, ${at}, 0 FROM numbers(${rows})`,
    scores: `SELECT toString(number), ${at}, 'project', toString(number), 'quality', number % 5, NULL, ${at}, ${at}, ${at}, 0 FROM numbers(${rows})`,
  };
  const sql = select[table] ?? `SELECT toDate(${at}), toDateTime(${at}), ${payload} FROM numbers(${rows})`;
  await clickhouse.exec(`INSERT INTO ${target} ${sql}`);
}

/**
 * A new database `target` holding a copy of `tables` of `source` (MergeTree tables), parts included: CLONE AS
 * attaches the parts as hard links, so the copy costs one statement a table however large the tables are, and
 * changes to one database never show in the other.
 */
export async function copyTables(clickhouse: ClickHouse, source: string, target: string, tables: readonly string[]): Promise<void> {
  await clickhouse.exec(`CREATE DATABASE ${quoteIdentifier(target)}`);
  for (const table of tables) {
    const [from, to] = [source, target].map((database) => `${quoteIdentifier(database)}.${quoteIdentifier(table)}`);
    await clickhouse.exec(`CREATE TABLE ${to} CLONE AS ${from}`);
  }
}

/** Inserts single traces at exact instants (boundary checks). */
export async function insertTracesAt(clickhouse: ClickHouse, database: string, instants: readonly { id: string; at: Date }[]): Promise<void> {
  const values = instants
    .map(({ id, at }) => `('${id}', fromUnixTimestamp64Milli(toInt64(${at.getTime()}), 'UTC'), 'boundary', NULL, map(), NULL, NULL, 'project', now(), now(), now(), 0)`)
    .join(", ");
  await clickhouse.exec(`INSERT INTO ${quoteIdentifier(database)}.traces VALUES ${values}`);
}

/** Row count of a table. */
export async function countRows(clickhouse: ClickHouse, database: string, table: string, where = "1"): Promise<number> {
  const [row] = await clickhouse.rows<{ n: string }>(`SELECT count() AS n FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)} WHERE ${where}`);
  return Number(row.n);
}

/** Active bytes of a table (what system.parts says is in use right now). */
export async function activeBytesOf(clickhouse: ClickHouse, database: string, table: string): Promise<number> {
  const [row] = await clickhouse.rows<{ bytes: string }>(
    `SELECT sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = '${database}' AND table = '${table}'`,
  );
  return Number(row?.bytes ?? 0);
}

/** Active partition ids of a table, sorted. */
export async function partitionIds(clickhouse: ClickHouse, database: string, table: string): Promise<string[]> {
  const rows = await clickhouse.rows<{ partition_id: string }>(
    `SELECT DISTINCT partition_id FROM system.parts WHERE active AND database = '${database}' AND table = '${table}' ORDER BY partition_id`,
  );
  return rows.map((row) => row.partition_id);
}

/**
 * The v4 app's tables as its unclustered migrations (0038–0046) create them, reduced to the columns that matter
 * for retention: events_full and events_core (DateTime64(6), monthly partitions on start_time, events_core filled
 * from events_full by events_core_mv at insert time), and observations_batch_staging with its own 48-hour TTL.
 * The v3 tables stay (v4 keeps them).
 */
export async function createLangfuseV4Tables(clickhouse: ClickHouse, database: string): Promise<void> {
  await createLangfuseTables(clickhouse, database);
  await createV4EventTables(clickhouse, database);
}

/** What v4's migrations add to a database holding v3's tables: the events tables, their view, the staging table. */
export async function createV4EventTables(clickhouse: ClickHouse, database: string): Promise<void> {
  const db = quoteIdentifier(database);
  const events = (table: string, extra: string) =>
    `CREATE TABLE ${db}.${table} (project_id String, trace_id String, span_id String, start_time DateTime64(6), ` +
    `end_time Nullable(DateTime64(6)), name String, ${extra}event_ts DateTime64(6), is_deleted UInt8) ` +
    `ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(start_time) ` +
    `ORDER BY (project_id, toStartOfMinute(start_time), xxHash32(trace_id), span_id, start_time)`;
  await clickhouse.exec(events("events_full", "input Nullable(String), output Nullable(String), "));
  await clickhouse.exec(events("events_core", ""));
  await clickhouse.exec(
    `CREATE MATERIALIZED VIEW ${db}.events_core_mv TO ${db}.events_core AS ` +
      `SELECT project_id, trace_id, span_id, start_time, end_time, name, event_ts, is_deleted FROM ${db}.events_full`,
  );
  await clickhouse.exec(
    `CREATE TABLE ${db}.observations_batch_staging (id String, project_id String, s3_first_seen_timestamp DateTime64(3), payload String) ` +
      `ENGINE = ReplacingMergeTree PARTITION BY toStartOfInterval(s3_first_seen_timestamp, INTERVAL 3 MINUTE) ORDER BY (project_id, id) ` +
      `TTL toDateTime(s3_first_seen_timestamp) + INTERVAL 48 HOUR SETTINGS ttl_only_drop_parts = 1`,
  );
}

/** `rows` events evenly spread over [from, to) into events_full (and through its view into events_core). */
export async function fillEvents(clickhouse: ClickHouse, database: string, from: Date, to: Date, rows: number): Promise<void> {
  const step = (to.getTime() - from.getTime()) / rows;
  const at = `fromUnixTimestamp64Micro(toInt64(${from.getTime() * 1000} + number * ${Math.floor(step * 1000)}), 'UTC')`;
  await clickhouse.exec(
    `INSERT INTO ${quoteIdentifier(database)}.events_full SELECT 'project', toString(intDiv(number, 4)), toString(number), ${at}, ${at}, 'span', ` +
      `${payload}, ${payload}, ${at}, 0 FROM numbers(${rows})`,
  );
}

/** One event at an exact instant (microseconds), in events_full and through the view in events_core. */
export async function insertEventAt(clickhouse: ClickHouse, database: string, id: string, atMicros: bigint): Promise<void> {
  const at = `fromUnixTimestamp64Micro(toInt64(${atMicros}), 'UTC')`;
  await clickhouse.exec(`INSERT INTO ${quoteIdentifier(database)}.events_full VALUES ('project', 't-${id}', '${id}', ${at}, NULL, 'boundary', NULL, NULL, now64(6), 0)`);
}
