import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Execution, StepResult, TableBytes } from "./executor";
import type { TablePlan } from "./planner";

/*
 * The outcome of one run, for the SNS summary (read by a person) and the function's return value (read by a
 * script). Status: "ok" every step done; "dry-run" planned only; "nothing-to-do" no expired data; "partial" stopped
 * early by the time budget, or by an error, after some steps were done (or one was cut off by the deadline);
 * "budget-exhausted" the time budget ran out (a slow ClickHouse) before any step ran: nothing changed; "failed" an
 * error and nothing changed.
 */

export type Status = "ok" | "dry-run" | "nothing-to-do" | "partial" | "budget-exhausted" | "failed";

/**
 * Where a failure happened: before ClickHouse was touched, while planning or measuring the tables before the first
 * step (both read-only), or while executing.
 */
export type Stage = "configuration" | "secret" | "plan" | "measure" | "execute";

export interface Report {
  readonly status: Status;
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly tables: readonly TablePlan[];
  readonly bytes: readonly TableBytes[];
  readonly steps: readonly ReportedStep[];
  readonly stoppedBy?: Execution["stoppedBy"];
  /** Why the bytes after the steps are unknown, if they are. */
  readonly bytesNotMeasured?: string;
  readonly error?: { readonly stage: Stage; readonly message: string };
}

export interface ReportedStep {
  readonly kind: string;
  readonly table: string;
  readonly partitionId?: string;
  readonly rows: number;
  readonly estimatedBytes: number;
  readonly outcome: StepResult["outcome"];
  readonly error?: string;
}

export function statusOf(execution: Execution, dryRun: boolean): Status {
  if (execution.results.length === 0) return "nothing-to-do";
  if (dryRun) return "dry-run";
  const done = execution.results.filter((result) => result.outcome === "done").length;
  if (done === execution.results.length) return "ok";
  // A statement cut off by the deadline may still complete inside ClickHouse: something may have changed.
  const touched = done + execution.results.filter((result) => result.outcome === "timed-out").length;
  if (touched > 0) return "partial";
  return execution.stoppedBy === "time-budget" ? "budget-exhausted" : "failed";
}

export function reportSteps(results: readonly StepResult[]): ReportedStep[] {
  return results.map(({ step, outcome, error }) => ({
    kind: step.kind,
    table: `${step.database}.${step.table}`,
    ...("partitionId" in step ? { partitionId: step.partitionId } : {}),
    rows: step.rows,
    estimatedBytes: step.estimatedBytes,
    outcome,
    ...(error ? { error } : {}),
  }));
}

const GIB = 1024 ** 3;

const STAGE_WORDS: Record<Stage, string> = {
  configuration: "reading the configuration",
  secret: "reading the secret",
  plan: "planning (nothing was changed)",
  measure: "measuring the tables before the first step (nothing was changed)",
  execute: "executing",
};

function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(2)} GiB`;
}

/** A short human summary, then the full report as JSON. */
export function formatMessage(report: Report): string {
  const lines = [
    `ClickHouse emergency cleanup: ${report.status}${report.dryRun ? " (dry run: nothing was changed)" : ""}`,
    `Trigger: ${report.trigger}. Started ${report.startedAt}, finished ${report.finishedAt}.`,
  ];
  if (report.error) lines.push(`Error while ${STAGE_WORDS[report.error.stage]}: ${report.error.message}`);
  if (report.stoppedBy === "time-budget") lines.push("Stopped by the time budget; run again to continue.");
  if (report.steps.some((step) => step.outcome === "timed-out")) lines.push("A statement was abandoned at the deadline; ClickHouse may still complete it.");
  for (const table of report.bytes) {
    if (table.bytesAfter === undefined || table.bytesFreed === undefined || table.bytesFreed === 0) continue;
    lines.push(`${table.database}.${table.table}: freed ${gib(table.bytesFreed)} (${gib(table.bytesBefore)} -> ${gib(table.bytesAfter)})`);
  }
  if (report.bytesNotMeasured) lines.push(`Bytes freed not measured: ${report.bytesNotMeasured}`);
  const counts = new Map<string, number>();
  report.steps.forEach((step) => counts.set(step.outcome, (counts.get(step.outcome) ?? 0) + 1));
  lines.push(`Steps: ${report.steps.length === 0 ? "none" : [...counts].map(([outcome, count]) => `${count} ${outcome}`).join(", ")}.`);
  if (report.status === "failed" || report.status === "budget-exhausted") lines.push("No data was changed.");
  return [...lines, "", JSON.stringify(report, null, 2)].join("\n");
}

/** SNS subjects are limited to 100 printable ASCII characters. */
export function subjectOf(report: Report): string {
  return `ClickHouse cleanup ${report.status}${report.dryRun ? " (dry run)" : ""}`.slice(0, 100);
}

export async function publishReport(sns: SNSClient, topicArn: string, report: Report): Promise<void> {
  await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subjectOf(report), Message: formatMessage(report) }));
}
