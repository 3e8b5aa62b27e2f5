import type { ClickHouse } from "./clickhouse";
import { errorMessage, executePlan, type Execution } from "./executor";
import type { Logger } from "./log";
import { planCleanup, type Plan } from "./planner";
import { retainedTables, type RetentionSettings } from "./retention-sql";
import type { Stage } from "./report";

/*
 * Plan, then execute: the part of a run that touches ClickHouse, shared by the function and the benchmark.
 * Planning is read-only, so a failure there leaves everything as it was.
 */

export interface CleanupOptions extends RetentionSettings {
  readonly now: Date;
  readonly dryRun: boolean;
  /** Epoch milliseconds by which every step must have finished. */
  readonly deadline: number;
  readonly systemLogMaxBytes: number;
  readonly logger: Logger;
  /** Clock of the time budget. @default Date.now */
  readonly clock?: () => number;
}

export type CleanupOutcome =
  | { readonly ok: true; readonly plan: Plan; readonly execution: Execution }
  | { readonly ok: false; readonly stage: Stage; readonly message: string; readonly plan?: Plan };

export async function runCleanup(clickhouse: ClickHouse, options: CleanupOptions): Promise<CleanupOutcome> {
  let plan: Plan;
  try {
    plan = await planCleanup(clickhouse, { tables: retainedTables(options), now: options.now, systemLogMaxBytes: options.systemLogMaxBytes });
  } catch (error) {
    return { ok: false, stage: "plan", message: errorMessage(error) };
  }
  options.logger.log("info", "plan", { steps: plan.steps.length, tables: plan.tables });
  try {
    const execution = await executePlan(clickhouse, plan, { dryRun: options.dryRun, deadline: options.deadline, logger: options.logger, now: options.clock });
    return { ok: true, plan, execution };
  } catch (error) {
    return { ok: false, stage: "execute", message: errorMessage(error), plan };
  }
}
