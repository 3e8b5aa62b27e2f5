import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClickHouse } from "../clickhouse-cleanup/clickhouse";
import { countRows, createLangfuseTables, createV4EventTables, fillRows, openChdb, type ChdbSession } from "../clickhouse-cleanup/fixtures";
import { appTables, epochCutoff, quoteIdentifier, ttlStatements } from "../clickhouse-cleanup/retention-sql";
import {
  catchUpStatement,
  copyListQuery,
  copyStatement,
  ddlQuery,
  recordWatermarkStatement,
  rowCountCheck,
  SOURCE_TOKEN,
  truncateStatement,
  watermarkTableStatements,
  withSource,
} from "./copy-sql";

/*
 * The v3→v4 copy on a real engine. chdb is one server, so the old server is the database `v3src` and the new one
 * `v4dst`: every SOURCE_TOKEN becomes `v3src`.`<table>` where the Job has remote('<old service>:9000', …). The old
 * database holds tables shaped like Langfuse v3's (engines, partition and sort keys, a TinyLog migrations table, a
 * view); the new one must accept their definitions, then v4's own tables beside them.
 */

const SRC = "v3src";
const DST = "v4dst";
const DAY = 86_400_000;
const source = (table: string) => `${quoteIdentifier(SRC)}.${quoteIdentifier(table)}`;
const stripFormat = (sql: string) => sql.replace(/ FORMAT TSVRaw$/, "");

let session: ChdbSession;
let ch: ClickHouse;

async function firstColumn(sql: string): Promise<string[]> {
  const rows = await ch.rows<Record<string, string>>(stripFormat(sql));
  return rows.map((row) => String(Object.values(row)[0]));
}

interface CopiedTable {
  readonly name: string;
  readonly final: boolean;
  readonly versioned: boolean;
}

async function copyList(): Promise<CopiedTable[]> {
  const rows = await ch.rows<{ name: string; final: number | string; versioned: number | string }>(stripFormat(copyListQuery(SRC)));
  return rows.map((row) => ({ name: row.name, final: Number(row.final) === 1, versioned: Number(row.versioned) === 1 }));
}

/** What the copy Job does, in its order, with the old server standing in as SRC. */
async function runCopy(): Promise<CopiedTable[]> {
  await ch.exec(`CREATE DATABASE IF NOT EXISTS ${DST}`);
  for (const sql of await firstColumn(ddlQuery("tables", SRC, DST))) await ch.exec(sql.replace(/;$/, ""));
  for (const sql of watermarkTableStatements()) await ch.exec(sql);
  const tables = await copyList();
  for (const table of tables) {
    await ch.exec(truncateStatement(DST, table.name));
    if (table.versioned) await ch.exec(withSource(recordWatermarkStatement(table.name), source(table.name)));
    await ch.exec(withSource(copyStatement(DST, table.name), source(table.name)));
    await ch.rows(stripFormat(withSource(rowCountCheck(DST, table.name, table.final), source(table.name))));
  }
  for (const sql of await firstColumn(ddlQuery("views", SRC, DST))) await ch.exec(sql.replace(/;$/, ""));
  return tables;
}

beforeAll(async () => {
  session = openChdb();
  ch = session.clickhouse;
  const now = Date.now();
  await createLangfuseTables(ch, SRC);
  await ch.exec(`CREATE TABLE ${SRC}.schema_migrations (version Int64, dirty UInt8, sequence UInt64) ENGINE = TinyLog`);
  await ch.exec(`INSERT INTO ${SRC}.schema_migrations VALUES (37, 0, 1)`);
  await ch.exec(
    `CREATE TABLE ${SRC}.dataset_run_items_rmt (id String, project_id String, dataset_id String, dataset_run_id String, created_at DateTime64(3), updated_at DateTime64(3)) ` +
      `ENGINE = ReplacingMergeTree(updated_at) ORDER BY (project_id, dataset_id, dataset_run_id, id)`,
  );
  await ch.exec(`INSERT INTO ${SRC}.dataset_run_items_rmt SELECT toString(number), 'project', 'd', 'r', now64(3), now64(3) FROM numbers(50)`);
  await ch.exec(`CREATE VIEW ${SRC}.analytics_traces AS SELECT project_id, toDate(timestamp) AS day, count() AS traces FROM ${SRC}.traces GROUP BY project_id, day`);
  await fillRows(ch, SRC, "traces", new Date(now - 100 * DAY), new Date(now), 900);
  await fillRows(ch, SRC, "observations", new Date(now - 100 * DAY), new Date(now), 1800);
  await fillRows(ch, SRC, "scores", new Date(now - 100 * DAY), new Date(now), 300);
  // The same rows again, in a part of their own: duplicates a merge may collapse on either side at any time.
  await fillRows(ch, SRC, "traces", new Date(now - 100 * DAY), new Date(now), 90);
});

afterAll(async () => session.dispose());

describe("the copy SQL, read for portability to the old server (ClickHouse 25.2)", () => {
  it("generates statements with functions 25.2 has and passes no password in what it generates", () => {
    const generators = [ddlQuery("tables", "default", "default"), ddlQuery("views", "default", "default"), copyListQuery("default")];
    for (const sql of generators) {
      expect(sql).toMatch(/^SELECT .* FROM system\.tables .* FORMAT TSVRaw$/);
      expect(sql).not.toMatch(/remote\(|password/i);
    }
    expect(copyStatement("default", "traces")).toBe(`INSERT INTO \`default\`.\`traces\` SELECT * FROM ${SOURCE_TOKEN}`);
  });
});

describe("the copy on a real engine (chdb): v3 tables in, the new server accepts them", () => {
  let copied: CopiedTable[];
  beforeAll(async () => {
    copied = await runCopy();
  });

  it("copies every table of the old database, the migrations table included, tables before views", async () => {
    expect(copied.map((table) => table.name)).toEqual(["dataset_run_items_rmt", "observations", "schema_migrations", "scores", "traces"]);
    const created = await ch.rows<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = '${DST}' ORDER BY name`);
    expect(created.map((table) => table.name)).toEqual(["analytics_traces", ...copied.map((table) => table.name)]);
    expect(await ch.rows(`SELECT * FROM ${DST}.schema_migrations`)).toEqual([{ version: "37", dirty: 0, sequence: "1" }]);
  });

  it("keeps each table's engine, partition key and sort key", async () => {
    const definitions = await ch.rows<{ database: string; name: string; engine_full: string }>(
      `SELECT database, name, engine_full FROM system.tables WHERE database IN ('${SRC}', '${DST}') AND engine != 'View' ORDER BY name, database`,
    );
    const byName = new Map<string, string[]>();
    for (const row of definitions) byName.set(row.name, [...(byName.get(row.name) ?? []), row.engine_full]);
    for (const [name, [fromOld, fromNew]] of byName) expect(fromNew, name).toBe(fromOld);
  });

  it("holds as many rows as the old server, counted with FINAL where merges collapse rows", async () => {
    for (const table of copied) {
      const modifier = table.final ? " FINAL" : "";
      const [old] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${SRC}.${table.name}${modifier}`);
      const [now] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${DST}.${table.name}${modifier}`);
      expect(Number(now.n), table.name).toBe(Number(old.n));
    }
    expect(copied.find((table) => table.name === "traces")).toMatchObject({ final: true, versioned: true });
    expect(copied.find((table) => table.name === "schema_migrations")).toMatchObject({ final: false, versioned: false });
  });

  it("is idempotent: a retried copy truncates first and ends with the same rows", async () => {
    const before = await countRows(ch, DST, "observations");
    await runCopy();
    expect(await countRows(ch, DST, "observations")).toBe(before);
  });

  it("accepts v4's own tables and v4's retention beside the copied ones", async () => {
    await createV4EventTables(ch, DST);
    for (const sql of appTables(30, DST, "v4").flatMap(ttlStatements)) await ch.exec(sql);
    const [events] = await ch.rows<{ statement: string }>(`SHOW CREATE TABLE ${DST}.events_core`);
    expect(events.statement).toContain("TTL toDateTime(start_time) + toIntervalDay(30)");
  });

  it("fails the row-count check, naming the table, when the new server lacks rows", async () => {
    await ch.exec(`CREATE TABLE ${DST}.scores_short AS ${DST}.scores`);
    await ch.exec(`INSERT INTO ${DST}.scores_short SELECT * FROM ${DST}.scores LIMIT 10`);
    const check = withSource(rowCountCheck(DST, "scores_short", true), source("scores"));
    await expect(ch.rows(stripFormat(check))).rejects.toThrow("row counts differ on scores_short");
  });

  it("compares only the retention window when given one, so partitions dropped by retention do not fail it", async () => {
    await ch.exec(`CREATE TABLE ${DST}.traces_retained AS ${DST}.traces`);
    await ch.exec(`INSERT INTO ${DST}.traces_retained SELECT * FROM ${DST}.traces WHERE timestamp >= now() - INTERVAL 30 DAY`);
    const window = { timeColumn: "timestamp", cutoff: epochCutoff(Date.now() / 1000 - 30 * 86_400) };
    const whole = withSource(rowCountCheck(DST, "traces_retained", true), source("traces"));
    const windowed = withSource(rowCountCheck(DST, "traces_retained", true, window), source("traces"));
    await expect(ch.rows(stripFormat(whole))).rejects.toThrow("row counts differ on traces_retained");
    const [row] = await ch.rows<{ source_rows: string; target_rows: string }>(stripFormat(windowed));
    expect(Number(row.target_rows)).toBe(Number(row.source_rows));
    expect(Number(row.source_rows)).toBeGreaterThan(0);
  });

  it("catches up what the old server received after the copy, twice without duplicates", async () => {
    const now = Date.now();
    // Written to the old server between the copy and the switch: newer event_ts than the watermark.
    await ch.exec(
      `INSERT INTO ${SRC}.traces SELECT concat('late-', toString(number)), now64(3), 'trace', NULL, map(), NULL, NULL, 'project', now64(3), now64(3), ` +
        `fromUnixTimestamp64Milli(toInt64(${now + 5000})), 0 FROM numbers(25)`,
    );
    for (let round = 0; round < 2; round++) await ch.exec(withSource(catchUpStatement(DST, "traces"), source("traces")));
    const [old] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${SRC}.traces FINAL`);
    const [now2] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${DST}.traces FINAL`);
    expect(Number(now2.n)).toBe(Number(old.n));
    expect(await countRows(ch, DST, "traces", "id LIKE 'late-%'")).toBeGreaterThanOrEqual(25);
    await ch.rows(stripFormat(withSource(rowCountCheck(DST, "traces", true), source("traces"))));
  });
});
