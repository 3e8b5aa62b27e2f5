import type { ClickHouse } from "./clickhouse";
import { TimeBudgetExhausted, withDeadline } from "./deadline";
import { errorMessage, executePlan, type Execution } from "./executor";
import type { Logger } from "./log";
import { planCleanup, type Plan } from "./planner";
import { retainedTables, type RetentionSettings } from "./retention-sql";
import type { Stage } from "./report";

/*
 * Plan, then execute: the part of a run that touches ClickHouse, shared by the function and the benchmark.
 * Planning is read-only, so a failure there leaves everything as it was; so is the measurement before the first
 * step, the only thing executePlan can throw from. Every read is bounded by the deadline.
 */

export interface CleanupOptions extends RetentionSettings {
  readonly now: Date;
  readonly dryRun: boolean;
  /** Epoch milliseconds by which every step must have finished. */
  readonly deadline: number;
  /**
   * How long past the deadline the measurement after the last step may take.
   * @default 0
   */
  readonly measureGraceMs?: number;
  readonly systemLogMaxBytes: number;
  readonly logger: Logger;
  /** Clock of the time budget. @default Date.now */
  readonly clock?: () => number;
}

export type CleanupOutcome =
  | { readonly ok: true; readonly plan: Plan; readonly execution: Execution }
  | {
      readonly ok: false;
      readonly stage: Stage;
      readonly message: string;
      readonly plan?: Plan;
      /** The deadline cut a read off: nothing was changed, but the run did not fail on its own. */
      readonly budgetExhausted: boolean;
    };

export async function runCleanup(clickhouse: ClickHouse, options: CleanupOptions): Promise<CleanupOutcome> {
  const failed = (stage: Stage, error: unknown, plan?: Plan): CleanupOutcome => ({
    ok: false,
    stage,
    message: errorMessage(error),
    budgetExhausted: error instanceof TimeBudgetExhausted,
    ...(plan ? { plan } : {}),
  });
  let plan: Plan;
  try {
    const budgeted = withDeadline(clickhouse, options.deadline, options.clock ?? Date.now);
    plan = await planCleanup(budgeted, { tables: retainedTables(options), now: options.now, systemLogMaxBytes: options.systemLogMaxBytes });
  } catch (error) {
    return failed("plan", error);
  }
  options.logger.log("info", "plan", { steps: plan.steps.length, tables: plan.tables });
  try {
    const execution = await executePlan(clickhouse, plan, {
      dryRun: options.dryRun,
      deadline: options.deadline,
      measureGraceMs: options.measureGraceMs,
      logger: options.logger,
      now: options.clock,
    });
    return { ok: true, plan, execution };
  } catch (error) {
    return failed("measure", error, plan);
  }
}
