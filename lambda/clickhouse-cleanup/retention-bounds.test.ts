import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configErrorOf } from "../../__tests__/support/errors";
import { loadInline } from "../../__tests__/support/environments";
import { MAX_CLICKHOUSE_RETENTION_DAYS } from "../../config/limits";
import { countRows, createLangfuseTables, insertTracesAt, openChdb, type ChdbSession } from "./fixtures";
import { appTables, expiredPartitionDropsQuery, relativeCutoff, ttlStatements } from "./retention-sql";

/*
 * A TTL is `toDateTime(timestamp) + INTERVAL n DAY` in 32-bit DateTime, which wraps after 2106-02-07: a retention
 * of ~29,000 days puts the expiry of a fresh row in the past and ClickHouse deletes it at the next merge. The
 * configuration caps retention; these tests apply the retention SQL with the largest accepted value on a real
 * engine and check that fresh rows survive, and show that the overflow is real (so the cap is not decoration):
 * past it, the TTL deletes fresh rows and the retention job's cutoff wraps into the future and drops them too.
 */

const DAY_MS = 86_400_000;

/** Applies the TTL with `retentionDays` to a fresh traces table holding a row from now and one from a year ago; returns how many survive a forced TTL merge. */
async function rowsLeftAfterTtl(session: ChdbSession, database: string, retentionDays: number): Promise<number> {
  const ch = session.clickhouse;
  await createLangfuseTables(ch, database);
  const now = Date.now();
  await insertTracesAt(ch, database, [
    { id: "fresh", at: new Date(now - 60_000) },
    { id: "last-year", at: new Date(now - 365 * DAY_MS) },
  ]);
  const [traces] = appTables(retentionDays, database);
  for (const sql of ttlStatements(traces)) await ch.exec(sql);
  // materialize_ttl_after_modify = 0 leaves existing parts alone: materialize, then merge, as ClickHouse eventually would.
  await ch.exec(`ALTER TABLE \`${database}\`.traces MATERIALIZE TTL SETTINGS mutations_sync = 1`);
  await ch.exec(`OPTIMIZE TABLE \`${database}\`.traces FINAL`);
  return countRows(ch, database, "traces");
}

describe("ClickHouse retention at the largest accepted value", () => {
  let session: ChdbSession;
  beforeAll(() => {
    session = openChdb();
  });
  afterAll(async () => session.dispose());

  it("keeps fresh rows when the TTL uses the maximum retention the configuration accepts", async () => {
    expect(await rowsLeftAfterTtl(session, "bound_max", MAX_CLICKHOUSE_RETENTION_DAYS)).toBe(2);
  });

  it("would delete fresh rows with a retention past the DateTime overflow (why the cap exists)", async () => {
    expect(await rowsLeftAfterTtl(session, "bound_overflow", 30_000)).toBe(0);
  });

  it("puts the TTL date of a fresh row decades before the 2106 overflow at the maximum", async () => {
    const [row] = await session.clickhouse.rows<{ expiry: string; wraps: number }>(
      `SELECT toString(toDateTime(now()) + INTERVAL ${MAX_CLICKHOUSE_RETENTION_DAYS} DAY) AS expiry, (toDateTime(now()) + INTERVAL ${MAX_CLICKHOUSE_RETENTION_DAYS} DAY) < now() AS wraps`,
    );
    expect(row.wraps).toBe(0);
    expect(Number(row.expiry.slice(0, 4))).toBeLessThan(2106 - 50);
  });

  it("drops no partition holding fresh rows at the maximum (the retention job's cutoff)", async () => {
    const [traces] = appTables(MAX_CLICKHOUSE_RETENTION_DAYS, "bound_max");
    const drops = await session.clickhouse.rows<{ sql: string }>(`SELECT * FROM (${expiredPartitionDropsQuery(traces, relativeCutoff(MAX_CLICKHOUSE_RETENTION_DAYS))}) AS q(sql)`);
    expect(drops).toEqual([]);
  });

  it("would drop the fresh partition in the retention job past the DateTime range (now() - 30,000 days wraps to the 2080s)", async () => {
    const [traces] = appTables(30_000, "bound_overflow_job");
    await createLangfuseTables(session.clickhouse, "bound_overflow_job");
    await insertTracesAt(session.clickhouse, "bound_overflow_job", [{ id: "fresh", at: new Date(Date.now() - 60_000) }]);
    const drops = await session.clickhouse.rows<{ sql: string }>(`SELECT * FROM (${expiredPartitionDropsQuery(traces, relativeCutoff(30_000))}) AS q(sql)`);
    expect(drops).toHaveLength(1);
  });
});

describe("the configuration's retention bound", () => {
  it("accepts the maximum and refuses one day more, naming the key", () => {
    expect(loadInline({ environments: { dev: { clickhouse: { retentionDays: MAX_CLICKHOUSE_RETENTION_DAYS } } } }).config.clickhouse.retentionDays).toBe(MAX_CLICKHOUSE_RETENTION_DAYS);
    const error = configErrorOf(() => loadInline({ environments: { dev: { clickhouse: { retentionDays: MAX_CLICKHOUSE_RETENTION_DAYS + 1 } } } }));
    expect(error.key).toBe("environments.dev.clickhouse.retentionDays");
    expect(error.value).toBe(MAX_CLICKHOUSE_RETENTION_DAYS + 1);
  });

  it("refuses the retention that overflows (29,220 days ≈ 80 years)", () => {
    const error = configErrorOf(() => loadInline({ environments: { dev: { clickhouse: { retentionDays: 29_220 } } } }));
    expect(error.key).toBe("environments.dev.clickhouse.retentionDays");
  });
});
