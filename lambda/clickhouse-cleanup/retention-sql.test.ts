import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLangfuseTables, fillRows, openChdb, partitionIds, type ChdbSession } from "./fixtures";
import { clickhouseServerOverrides } from "../../constructs/langfuse/values";
import { appTables, expiredPartitionDropsQuery, relativeCutoff, retainedTables, ttlStatements, type RetainedTable } from "./retention-sql";

/*
 * The retention SQL must run on the chart's ClickHouse 25.2. chdb (26.7) accepts TTLs that 25.2 rejects, so
 * portability is checked twice: by reading the SQL against 25.2's rules, and by running it on a real engine.
 */

const statements = appTables(30).flatMap(ttlStatements);
const DATETIME64_COLUMNS = ["timestamp", "start_time", "end_time", "created_at", "updated_at", "event_ts"];

describe("retention SQL portability to ClickHouse 25.2", () => {
  it("wraps every DateTime64 column of a TTL in toDateTime() (a bare one is rejected before 25.7)", () => {
    for (const statement of statements.filter((sql) => sql.includes("MODIFY TTL"))) {
      const ttl = statement.slice(statement.indexOf("MODIFY TTL") + "MODIFY TTL".length, statement.indexOf(" SETTINGS"));
      const bare = ttl.replace(/toDateTime\(`[a-z_]+`\)/g, "");
      for (const column of DATETIME64_COLUMNS) expect(bare, statement).not.toMatch(new RegExp(`\\b${column}\\b`));
      expect(ttl).toMatch(/^ toDateTime\(`(timestamp|start_time)`\) \+ INTERVAL 30 DAY$/);
    }
  });

  it("expires Langfuse's tables on their partition columns, never on created_at", () => {
    const ttl = (table: string) => statements.find((sql) => sql.includes(`.\`${table}\` MODIFY TTL`));
    expect(ttl("traces")).toContain("toDateTime(`timestamp`) + INTERVAL 30 DAY");
    expect(ttl("observations")).toContain("toDateTime(`start_time`) + INTERVAL 30 DAY");
    expect(ttl("scores")).toContain("toDateTime(`timestamp`) + INTERVAL 30 DAY");
    expect(statements.join("\n")).not.toContain("created_at");
  });

  it("never materializes a new TTL over existing parts and drops whole parts on Langfuse's tables", () => {
    for (const sql of statements.filter((statement) => statement.includes("MODIFY TTL"))) expect(sql).toMatch(/SETTINGS materialize_ttl_after_modify = 0$/);
    for (const table of ["traces", "observations", "scores"]) expect(statements).toContain(`ALTER TABLE \`default\`.\`${table}\` MODIFY SETTING ttl_only_drop_parts = 1`);
  });

  it("leaves system log TTLs to the server configuration, whose TTL is portable too", () => {
    const system = retainedTables({ retentionDays: 30, systemLogRetentionDays: 10 }).find((table) => table.table === "query_log")!;
    expect(() => ttlStatements(system)).toThrow("'query_log' is a system log table: its TTL belongs to the server configuration");
    // event_date is a Date: no toDateTime() needed on 25.2.
    expect(clickhouseServerOverrides(10)).toContain("<ttl>event_date + INTERVAL 10 DAY DELETE</ttl>");
  });

  it("uses only statement forms 25.2 knows (no lightweight DELETE FROM, no DateTime64 arithmetic in TTL)", () => {
    for (const sql of statements) expect(sql).toMatch(/^ALTER TABLE `[a-z_]+`\.`[a-z_]+` (MODIFY TTL|MODIFY SETTING) /);
  });
});

describe("retention SQL on a real engine (chdb)", () => {
  let session: ChdbSession;
  beforeAll(() => {
    session = openChdb();
  });
  afterAll(async () => session.dispose());

  it("applies every TTL statement twice (idempotent) to filled tables shaped like Langfuse's", async () => {
    const ch = session.clickhouse;
    await createLangfuseTables(ch, "lf");
    await fillRows(ch, "lf", "traces", new Date(Date.now() - 90 * 86_400_000), new Date(), 1000);
    for (let round = 0; round < 2; round++) for (const sql of appTables(30, "lf").flatMap(ttlStatements)) await ch.exec(sql);
    const [traces] = await ch.rows<{ statement: string }>("SHOW CREATE TABLE lf.traces");
    expect(traces.statement).toContain("TTL toDateTime(timestamp) + toIntervalDay(30)");
    expect(traces.statement).toContain("ttl_only_drop_parts = 1");
    const [observations] = await ch.rows<{ statement: string }>("SHOW CREATE TABLE lf.observations");
    expect(observations.statement).toContain("TTL toDateTime(start_time) + toIntervalDay(30)");
  });

  it("generates DROP PARTITION statements only for partitions wholly older than the cutoff", async () => {
    const ch = session.clickhouse;
    const now = Date.now();
    await createLangfuseTables(ch, "drops");
    await fillRows(ch, "drops", "observations", new Date(now - 120 * 86_400_000), new Date(now), 3000);
    const observations: RetainedTable = { database: "drops", table: "observations", timeColumn: "start_time", kind: "app", retentionDays: 30 };
    const generated = await ch.rows<{ sql: string }>(`SELECT * FROM (${expiredPartitionDropsQuery(observations, relativeCutoff(30))}) AS q(sql)`);
    const all = await partitionIds(ch, "drops", "observations");
    for (const { sql } of generated) await ch.exec(sql.replace(/;$/, ""));
    const left = await partitionIds(ch, "drops", "observations");
    expect(generated.length).toBeGreaterThanOrEqual(2);
    expect(left.length).toBe(all.length - generated.length);
    const [oldest] = await ch.rows<{ oldest: string }>("SELECT toUnixTimestamp(toDateTime(max(start_time))) AS oldest FROM drops.observations GROUP BY _partition_id ORDER BY oldest LIMIT 1");
    expect(Number(oldest.oldest) * 1000).toBeGreaterThanOrEqual(now - 30 * 86_400_000 - 1000);
  });
});
