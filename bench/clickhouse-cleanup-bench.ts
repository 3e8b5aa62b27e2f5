import { executePlan } from "../lambda/clickhouse-cleanup/executor";
import { activeBytesOf, countRows, createLangfuseTables, fillRows, openChdb } from "../lambda/clickhouse-cleanup/fixtures";
import { createLogger } from "../lambda/clickhouse-cleanup/log";
import { planCleanup } from "../lambda/clickhouse-cleanup/planner";
import { appTables, epochCutoff, expiredPredicate } from "../lambda/clickhouse-cleanup/retention-sql";

/*
 * Partition drop (the cleanup's first phase) against a plain ALTER TABLE … DELETE, on identical data in a real
 * ClickHouse engine (chdb): a year of observations, 30 days of retention. Measured right after each: active bytes
 * reclaimed (system.parts) and wall time. Expired bytes = what the row delete reclaims (it removes exactly the
 * expired rows). Targets: the drop reclaims >= 90 % of them at once and is >= 10x faster.
 *   npm run bench:cleanup            (ROWS=… to change the volume)
 */

const ROWS = Number(process.env.ROWS ?? 3_000_000);
const MONTHS = 12;
const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const session = openChdb();
  const ch = session.clickhouse;
  try {
    const now = new Date();
    const from = new Date(now.getTime() - MONTHS * 30 * DAY_MS);
    const loadStarted = Date.now();
    await createLangfuseTables(ch, "by_drop");
    await fillRows(ch, "by_drop", "observations", from, now, ROWS);
    await createLangfuseTables(ch, "by_delete");
    await ch.exec("INSERT INTO by_delete.observations SELECT * FROM by_drop.observations");
    for (const db of ["by_drop", "by_delete"]) await ch.exec(`OPTIMIZE TABLE ${db}.observations FINAL`);
    const before = await activeBytesOf(ch, "by_drop", "observations");
    console.log(`${ROWS.toLocaleString("en")} observations over ${MONTHS} months, ${mib(before)} active, loaded in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

    const [table] = appTables(RETENTION_DAYS, "by_drop").filter((entry) => entry.table === "observations");
    const plan = await planCleanup(ch, { tables: [table], now, systemLogMaxBytes: Number.MAX_SAFE_INTEGER });
    const drops = { ...plan, steps: plan.steps.filter((step) => step.kind === "drop-partition") };
    const logger = createLogger(() => undefined);
    const dropStarted = performance.now();
    await executePlan(ch, drops, { dryRun: false, deadline: Date.now() + 600_000, logger });
    const dropMs = performance.now() - dropStarted;
    const droppedBytes = before - (await activeBytesOf(ch, "by_drop", "observations"));

    const cutoff = epochCutoff(Math.floor(now.getTime() / 1000) - RETENTION_DAYS * 86_400);
    const deleteBefore = await activeBytesOf(ch, "by_delete", "observations");
    const deleteStarted = performance.now();
    await ch.exec(`ALTER TABLE by_delete.observations DELETE WHERE ${expiredPredicate(table, cutoff)}`);
    const deleteMs = performance.now() - deleteStarted;
    const expiredBytes = deleteBefore - (await activeBytesOf(ch, "by_delete", "observations"));
    const expiredRows = ROWS - (await countRows(ch, "by_delete", "observations"));

    const reclaimed = droppedBytes / expiredBytes;
    const speedup = deleteMs / dropMs;
    console.log(`expired: ${expiredRows.toLocaleString("en")} rows, ${mib(expiredBytes)}`);
    console.log(`partition drop (${drops.steps.length} partitions): reclaimed ${mib(droppedBytes)} (${(reclaimed * 100).toFixed(1)} % of expired) in ${dropMs.toFixed(0)} ms`);
    console.log(`ALTER TABLE … DELETE:           reclaimed ${mib(expiredBytes)} in ${deleteMs.toFixed(0)} ms`);
    console.log(`partition drop is ${speedup.toFixed(1)}x faster`);
    const failures = [
      reclaimed < 0.9 ? `reclaimed ${(reclaimed * 100).toFixed(1)} % < 90 %` : "",
      speedup < 10 ? `speedup ${speedup.toFixed(1)}x < 10x` : "",
    ].filter(Boolean);
    if (failures.length > 0) {
      console.error(`FAIL: ${failures.join("; ")}`);
      process.exitCode = 1;
    } else {
      console.log("PASS: >= 90 % of expired bytes at once, >= 10x faster");
    }
  } finally {
    await session.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
