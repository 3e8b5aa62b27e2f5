import type { ClickHouse } from "./clickhouse";
import { TimeBudgetExhausted, withDeadline } from "./deadline";
import type { Logger } from "./log";
import type { Plan, Step } from "./planner";
import { quoteString } from "./retention-sql";

/*
 * Runs a plan one step at a time. Each step is one ALTER/TRUNCATE statement, so "no half-applied destructive step"
 * means: a DROP PARTITION or TRUNCATE either happened or did not; a DELETE mutation only ever removes rows older
 * than the cutoff, and if interrupted ClickHouse finishes it on its own (re-planning skips the table meanwhile).
 * On the first failure the executor stops: later steps are not attempted, earlier ones are reported as done.
 * A step is only started while the time budget lasts, and it may not run past it: a statement still running at the
 * deadline is abandoned ("timed-out"; ClickHouse may still complete it) and the steps after it are skipped.
 * The bytes are measured before the first step (within the budget: nothing has changed if that read runs out of
 * time) and after the last one, which may take `measureGraceMs` past the deadline; if that read fails, the steps'
 * outcomes stand and the bytes after are reported as not measured.
 */

export type StepOutcome = "done" | "planned" | "failed" | "timed-out" | "not-run" | "skipped-time-budget";

export interface StepResult {
  readonly step: Step;
  readonly outcome: StepOutcome;
  readonly durationMs?: number;
  readonly error?: string;
}

export interface TableBytes {
  readonly database: string;
  readonly table: string;
  readonly bytesBefore: number;
  /** Undefined when the measurement after the steps failed (see Execution.bytesNotMeasured). */
  readonly bytesAfter?: number;
  readonly bytesFreed?: number;
}

export interface Execution {
  readonly results: StepResult[];
  readonly tables: TableBytes[];
  /** Why execution stopped early, if it did. */
  readonly stoppedBy?: "error" | "time-budget";
  /** Why the bytes after the steps are unknown, if they are. */
  readonly bytesNotMeasured?: string;
}

export interface ExecuteOptions {
  readonly dryRun: boolean;
  /** Epoch milliseconds by which every step must have finished. */
  readonly deadline: number;
  /**
   * How long past the deadline the measurement after the last step may take.
   * @default 0
   */
  readonly measureGraceMs?: number;
  readonly logger: Logger;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

export async function executePlan(clickhouse: ClickHouse, plan: Plan, options: ExecuteOptions): Promise<Execution> {
  const now = options.now ?? Date.now;
  const tables = plan.tables.map(({ database, table }) => ({ database, table }));
  const budgeted = withDeadline(clickhouse, options.deadline, now);
  const before = await activeBytes(budgeted, tables);
  if (options.dryRun) {
    const results = plan.steps.map((step) => ({ step, outcome: "planned" as const }));
    results.forEach(({ step }) => options.logger.log("info", "step-planned", describe(step)));
    return { results, tables: compare(tables, before, before) };
  }
  const results: StepResult[] = [];
  let stoppedBy: Execution["stoppedBy"];
  for (const step of plan.steps) {
    if (stoppedBy) {
      results.push({ step, outcome: stoppedBy === "error" ? "not-run" : "skipped-time-budget" });
      continue;
    }
    const started = now();
    try {
      await budgeted.exec(step.sql);
      const durationMs = now() - started;
      results.push({ step, outcome: "done", durationMs });
      options.logger.log("info", "step-done", { ...describe(step), durationMs });
    } catch (error) {
      const message = errorMessage(error);
      if (error instanceof TimeBudgetExhausted) {
        stoppedBy = "time-budget";
        if (!error.started) {
          results.push({ step, outcome: "skipped-time-budget" });
          continue;
        }
        results.push({ step, outcome: "timed-out", durationMs: now() - started, error: message });
        options.logger.log("warn", "step-timed-out", { ...describe(step), error: message });
        continue;
      }
      stoppedBy = "error";
      results.push({ step, outcome: "failed", durationMs: now() - started, error: message });
      options.logger.log("error", "step-failed", { ...describe(step), error: message });
    }
  }
  const stopped = stoppedBy ? { stoppedBy } : {};
  let after: Map<string, number>;
  try {
    after = await activeBytes(withDeadline(clickhouse, options.deadline + (options.measureGraceMs ?? 0), now), tables);
  } catch (error) {
    const reason = errorMessage(error);
    options.logger.log("warn", "bytes-not-measured", { error: reason });
    return { results, tables: compare(tables, before), bytesNotMeasured: reason, ...stopped };
  }
  const freed = compare(tables, before, after);
  freed.forEach((table) => options.logger.log("info", "table-freed", { ...table }));
  return { results, tables: freed, ...stopped };
}

type TableKey = { readonly database: string; readonly table: string };

async function activeBytes(clickhouse: ClickHouse, tables: readonly TableKey[]): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map();
  const databases = [...new Set(tables.map((table) => table.database))].map(quoteString).join(", ");
  const rows = await clickhouse.rows<{ database: string; table: string; bytes: string }>(
    `SELECT database, table, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database IN (${databases}) GROUP BY database, table`,
  );
  return new Map(rows.map((row) => [`${row.database}.${row.table}`, Number(row.bytes)]));
}

function compare(tables: readonly TableKey[], before: Map<string, number>, after?: Map<string, number>): TableBytes[] {
  return tables.map(({ database, table }) => {
    const key = `${database}.${table}`;
    const bytesBefore = before.get(key) ?? 0;
    if (!after) return { database, table, bytesBefore };
    const bytesAfter = after.get(key) ?? 0;
    return { database, table, bytesBefore, bytesAfter, bytesFreed: bytesBefore - bytesAfter };
  });
}

function describe(step: Step): Record<string, unknown> {
  return {
    kind: step.kind,
    table: `${step.database}.${step.table}`,
    ...("partitionId" in step ? { partitionId: step.partitionId } : {}),
    rows: step.rows,
    estimatedBytes: step.estimatedBytes,
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
