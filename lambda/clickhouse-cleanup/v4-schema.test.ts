import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retentionStatements } from "../../constructs/clickhouse/retention-script";
import { runCleanup } from "./cleanup";
import { readConfig, ConfigurationError } from "./config";
import { countRows, createLangfuseV4Tables, fillEvents, fillRows, insertEventAt, openChdb, partitionIds, type ChdbSession } from "./fixtures";
import { appTables, retainedTables, ttlStatements } from "./retention-sql";

/*
 * Retention on Langfuse v4's tables (events_full, events_core besides traces, observations and scores), on tables
 * shaped like v4.16.0's migrations: the deploy-time job's SQL and the emergency cleanup's planner and executor.
 * The clock of the cleanup is fixed at NOW; with 30 days of retention its cutoff is CUTOFF.
 */

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const CUTOFF = Date.UTC(2026, 9, 24, 12, 0, 0);
const DAY = 86_400_000;
const V4_TABLES = ["traces", "observations", "scores", "events_full", "events_core"];

describe("v4 retention SQL, read for portability", () => {
  const statements = appTables(30, "default", "v4").flatMap(ttlStatements);

  it("covers events_full and events_core on start_time besides v3's tables, and leaves the staging table's own TTL alone", () => {
    expect(appTables(30, "default", "v4").map((table) => table.table)).toEqual(V4_TABLES);
    for (const table of ["events_full", "events_core"]) {
      expect(statements).toContain(`ALTER TABLE \`default\`.\`${table}\` MODIFY TTL toDateTime(\`start_time\`) + INTERVAL 30 DAY SETTINGS materialize_ttl_after_modify = 0`);
      expect(statements).toContain(`ALTER TABLE \`default\`.\`${table}\` MODIFY SETTING ttl_only_drop_parts = 1`);
    }
    expect(statements.join("\n")).not.toContain("observations_batch_staging");
  });

  it("keeps v3 environments on v3's three tables (the default)", () => {
    expect(appTables(30).map((table) => table.table)).toEqual(["traces", "observations", "scores"]);
    expect(retainedTables({ retentionDays: 30, systemLogRetentionDays: 7 }).filter((table) => table.kind === "app")).toHaveLength(3);
  });

  it("makes the retention job wait for events_core, the last v4 table, before touching any", () => {
    expect(retentionStatements(appTables(30, "default", "v4"))[0]).toBe("EXISTS TABLE `default`.`events_core`");
  });
});

describe("the cleanup function's schema setting", () => {
  const base = { CLICKHOUSE_URL: "http://ch:8123", CLICKHOUSE_SECRET_ARN: "s", ALERTS_TOPIC_ARN: "t", RETENTION_DAYS: "30", SYSTEM_LOG_RETENTION_DAYS: "7", SYSTEM_LOG_MAX_BYTES: "1", TIME_BUDGET_SECONDS: "60" };

  it("defaults to v3 and reads v4", () => {
    expect(readConfig(base).clickhouseSchema).toBe("v3");
    expect(readConfig({ ...base, CLICKHOUSE_SCHEMA: "v4" }).clickhouseSchema).toBe("v4");
  });

  it("refuses an unknown schema, naming the variable, the value and the fix", () => {
    expect(() => readConfig({ ...base, CLICKHOUSE_SCHEMA: "4" })).toThrow(ConfigurationError);
    expect(() => readConfig({ ...base, CLICKHOUSE_SCHEMA: "4" })).toThrow('CLICKHOUSE_SCHEMA ("4") must be "v3" or "v4"');
  });
});

describe("v4 retention on a real engine (chdb)", () => {
  let session: ChdbSession;
  beforeAll(() => {
    session = openChdb();
  });
  afterAll(async () => session.dispose());

  it("the retention job's statements drop old partitions of both events tables, keep fresh rows, and leave staging alone", async () => {
    const ch = session.clickhouse;
    const now = Date.now();
    await createLangfuseV4Tables(ch, "job");
    await fillEvents(ch, "job", new Date(now - 120 * DAY), new Date(now), 2400);
    await fillRows(ch, "job", "traces", new Date(now - 120 * DAY), new Date(now), 600);
    const stagingBefore = (await ch.rows<{ statement: string }>("SHOW CREATE TABLE job.observations_batch_staging"))[0].statement;
    const tables = appTables(30, "job", "v4");
    const [exists, ...rest] = retentionStatements(tables);
    const [ready] = await ch.rows<Record<string, string | number>>(exists);
    expect(Number(Object.values(ready)[0])).toBe(1);
    const alters = rest.filter((sql) => sql.startsWith("ALTER"));
    const generators = rest.filter((sql) => sql.startsWith("SELECT"));
    expect(generators).toHaveLength(V4_TABLES.length);
    for (let round = 0; round < 2; round++) for (const sql of alters) await ch.exec(sql);
    const before = { full: await partitionIds(ch, "job", "events_full"), core: await partitionIds(ch, "job", "events_core") };
    // Rows a day inside the retention, with the line halfway between two rows: the fill puts one row every 72
    // minutes back from the test's start, so a whole number of days lands exactly on a row, which `now()` then
    // moves past between the two counts.
    const fresh = `start_time >= now() - INTERVAL 29 DAY + INTERVAL 36 MINUTE`;
    const freshBefore = await countRows(ch, "job", "events_full", fresh);
    for (const generator of generators) {
      const drops = await ch.rows<{ sql: string }>(`SELECT * FROM (${generator.replace(/ FORMAT TSVRaw$/, "")}) AS q(sql)`);
      for (const { sql } of drops) await ch.exec(sql.replace(/;$/, ""));
    }
    const after = { full: await partitionIds(ch, "job", "events_full"), core: await partitionIds(ch, "job", "events_core") };
    expect(after.full.length).toBeLessThanOrEqual(before.full.length - 2);
    expect(after.core).toEqual(after.full);
    expect(await countRows(ch, "job", "events_full", fresh)).toBe(freshBefore);
    expect(await countRows(ch, "job", "events_core", fresh)).toBe(freshBefore);
    const [full] = await ch.rows<{ statement: string }>("SHOW CREATE TABLE job.events_full");
    expect(full.statement).toContain("TTL toDateTime(start_time) + toIntervalDay(30)");
    expect((await ch.rows<{ statement: string }>("SHOW CREATE TABLE job.observations_batch_staging"))[0].statement).toBe(stagingBefore);
  });

  it("the emergency cleanup plans and runs on v4's tables: expired partitions dropped, the boundary row kept, fresh rows survive", async () => {
    const ch = session.clickhouse;
    await createLangfuseV4Tables(ch, "cleanup");
    await fillEvents(ch, "cleanup", new Date(Date.UTC(2026, 6, 1)), new Date(NOW), 3000);
    await insertEventAt(ch, "cleanup", "at-cutoff", BigInt(CUTOFF) * 1000n);
    await insertEventAt(ch, "cleanup", "second-before", BigInt(CUTOFF - 1000) * 1000n);
    const fresh = await countRows(ch, "cleanup", "events_core", `toDateTime(start_time) >= toDateTime(${CUTOFF / 1000}, 'UTC')`);
    const logs: string[] = [];
    const outcome = await runCleanup(ch, {
      retentionDays: 30,
      systemLogRetentionDays: 7,
      appDatabase: "cleanup",
      systemDatabase: "cleanup_system_logs_absent",
      schema: "v4",
      now: new Date(NOW),
      dryRun: false,
      deadline: Date.now() + 120_000,
      systemLogMaxBytes: 1024 ** 3,
      logger: { log: (level, event, fields) => logs.push(JSON.stringify({ level, event, ...fields })) },
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const steps = outcome.plan.steps;
    for (const table of ["events_full", "events_core"]) {
      expect(steps.filter((step) => step.table === table && step.kind === "drop-partition").map((step) => ("partitionId" in step ? step.partitionId : step.kind))).toEqual(["202607", "202608", "202609"]);
      expect(steps.filter((step) => step.table === table && step.kind === "delete-rows").map((step) => ("partitionId" in step ? step.partitionId : step.kind))).toEqual(["202610"]);
    }
    expect(steps.some((step) => step.table === "observations_batch_staging")).toBe(false);
    expect(outcome.plan.tables.filter((table) => table.kind === "app").map((table) => table.table)).toEqual(V4_TABLES);
    for (const table of ["events_full", "events_core"]) {
      expect(await partitionIds(ch, "cleanup", table)).toEqual(["202610", "202611"]);
      expect(await countRows(ch, "cleanup", table, "span_id = 'at-cutoff'")).toBe(1);
      expect(await countRows(ch, "cleanup", table, "span_id = 'second-before'")).toBe(0);
      expect(await countRows(ch, "cleanup", table)).toBe(fresh);
    }
  });
});
