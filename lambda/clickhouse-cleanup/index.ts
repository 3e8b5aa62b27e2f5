import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { connectHttp, type ClickHouse, type HttpConnection } from "./clickhouse";
import { runCleanup } from "./cleanup";
import { ENV, parseInvocation, readConfig, topicArnOf, type CleanupConfig } from "./config";
import { REPORTING_RESERVE_MS } from "./deadline";
import { errorMessage } from "./executor";
import { createLogger, type Logger } from "./log";
import { publishReport, reportSteps, statusOf, type Report, type Stage } from "./report";
import { retryDecision } from "./retry";
import { readPassword } from "./secret";

/*
 * The emergency cleanup function. Started by the disk alarm (EventBridge), by the retry schedule ({"source":
 * "schedule"}, which goes ahead only while the alarm is still in ALARM: retry.ts) or by hand with {"dryRun": …}.
 * Every run ends with one SNS message and one "cleanup-finished" log line, whatever happened, and returns the
 * report; a scheduled retry that does not go ahead logs one "retry-skipped" line and publishes nothing. It does not
 * throw: a failure is a report with status "failed" or "partial", and a retry of an asynchronous invocation would
 * only repeat the notification.
 *
 * Time: every ClickHouse query ends by the deadline (start + budget; deadline.ts), the measurement after the last
 * step gets half of the reserve past it, and the other half is left for the report, so a slow ClickHouse ends the
 * run as "budget-exhausted" or "partial" with a report, not as a Lambda timeout without one.
 */

export interface HandlerDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly connect: (connection: HttpConnection) => ClickHouse;
  readonly logger: Logger;
  readonly now: () => number;
  /** Database of the system log tables (tests use a stand-in: chdb has no system logs). */
  readonly systemDatabase: string;
  /** Milliseconds kept back from the Lambda timeout, after the budget, to measure and report (tests shorten it). */
  readonly reserveMs: number;
}

/** The part of the Lambda context the handler uses. */
export interface RunContext {
  getRemainingTimeInMillis(): number;
}

/** What a scheduled retry returns when the alarm says there is nothing to retry. */
export interface SkippedRun {
  readonly status: "skipped";
  readonly trigger: string;
  readonly reason: string;
  readonly alarmState?: string;
}

export function createHandler(overrides: Partial<HandlerDependencies> = {}) {
  const deps: HandlerDependencies = {
    env: process.env,
    secrets: new SecretsManagerClient({}),
    sns: new SNSClient({}),
    cloudwatch: new CloudWatchClient({}),
    connect: connectHttp,
    logger: createLogger(),
    now: Date.now,
    systemDatabase: "system",
    reserveMs: REPORTING_RESERVE_MS,
    ...overrides,
  };
  /** Undefined when the retry goes ahead; the skip otherwise, logged. */
  const skipRetry = async (trigger: string): Promise<SkippedRun | undefined> => {
    try {
      const decision = await retryDecision(deps.cloudwatch, deps.env[ENV.diskAlarmName], deps.now());
      if (decision.run) return undefined;
      const skipped: SkippedRun = { status: "skipped", trigger, reason: decision.reason, ...(decision.alarmState ? { alarmState: decision.alarmState } : {}) };
      // No state means no such alarm (or no name): a misconfiguration, not a healthy disk.
      deps.logger.log(decision.alarmState ? "info" : "error", "retry-skipped", { reason: skipped.reason, alarmState: skipped.alarmState });
      return skipped;
    } catch (error) {
      // Without the alarm's state nothing is known to be wrong: skip, loudly in the log, and without an SNS message
      // every 30 minutes.
      const skipped: SkippedRun = { status: "skipped", trigger, reason: `alarm state unreadable: ${errorMessage(error)}` };
      deps.logger.log("error", "retry-skipped", { reason: skipped.reason });
      return skipped;
    }
  };
  return async (event: unknown, context?: RunContext): Promise<Report | SkippedRun> => {
    const invocation = parseInvocation(event);
    if (invocation.scheduled) {
      const skipped = await skipRetry(invocation.trigger);
      if (skipped) return skipped;
    }
    const startedAt = deps.now();
    const finish = async (report: Omit<Report, "finishedAt" | "startedAt" | "trigger">, topicArn: string | undefined): Promise<Report> => {
      const full: Report = { trigger: invocation.trigger, startedAt: new Date(startedAt).toISOString(), finishedAt: new Date(deps.now()).toISOString(), ...report };
      deps.logger.log(full.error ? "error" : "info", "cleanup-finished", { status: full.status, dryRun: full.dryRun, error: full.error, bytes: full.bytes });
      if (!topicArn) {
        deps.logger.log("error", "report-not-published", { reason: "no topic configured" });
        return full;
      }
      try {
        await publishReport(deps.sns, topicArn, full);
      } catch (error) {
        deps.logger.log("error", "report-not-published", { error: errorMessage(error) });
      }
      return full;
    };
    const failure = (stage: Stage, message: string, dryRun: boolean) => ({
      status: "failed" as const,
      dryRun,
      tables: [],
      bytes: [],
      steps: [],
      error: { stage, message },
    });

    let config: CleanupConfig;
    try {
      config = readConfig(deps.env);
    } catch (error) {
      return finish(failure("configuration", errorMessage(error), invocation.dryRun ?? true), topicArnOf(deps.env));
    }
    const dryRun = invocation.dryRun ?? config.dryRun;
    const budgetMs = Math.min(config.timeBudgetSeconds * 1000, (context?.getRemainingTimeInMillis() ?? Infinity) - deps.reserveMs);
    const measureGraceMs = deps.reserveMs / 2;
    deps.logger.log("info", "cleanup-started", { trigger: invocation.trigger, dryRun, retentionDays: config.retentionDays, budgetMs });

    let password: string;
    try {
      password = await readPassword(deps.secrets, config.secretArn);
    } catch (error) {
      return finish(failure("secret", errorMessage(error), dryRun), config.topicArn);
    }
    const clickhouse = deps.connect({
      url: config.clickhouseUrl,
      username: config.clickhouseUser,
      password,
      database: config.clickhouseDatabase,
      // Every query carries its own, shorter limit (deadline.ts); this only bounds the client as a whole.
      requestTimeoutMs: Math.max(1000, budgetMs + measureGraceMs),
    });
    try {
      const outcome = await runCleanup(clickhouse, {
        retentionDays: config.retentionDays,
        systemLogRetentionDays: config.systemLogRetentionDays,
        appDatabase: config.clickhouseDatabase,
        schema: config.clickhouseSchema,
        systemDatabase: deps.systemDatabase,
        now: new Date(startedAt),
        dryRun,
        deadline: startedAt + budgetMs,
        measureGraceMs,
        systemLogMaxBytes: config.systemLogMaxBytes,
        logger: deps.logger,
        clock: deps.now,
      });
      if (!outcome.ok) {
        const base = { ...failure(outcome.stage, outcome.message, dryRun), tables: outcome.plan?.tables ?? [] };
        // A read cut off by the deadline, before any step: nothing changed, and the run did not fail on its own.
        const report = outcome.budgetExhausted ? { ...base, status: "budget-exhausted" as const, stoppedBy: "time-budget" as const } : base;
        return finish(report, config.topicArn);
      }
      const { plan, execution } = outcome;
      const failed = execution.results.find((result) => result.outcome === "failed");
      return finish(
        {
          status: statusOf(execution, dryRun),
          dryRun,
          tables: plan.tables,
          bytes: execution.tables,
          steps: reportSteps(execution.results),
          ...(execution.stoppedBy ? { stoppedBy: execution.stoppedBy } : {}),
          ...(execution.bytesNotMeasured ? { bytesNotMeasured: execution.bytesNotMeasured } : {}),
          ...(failed ? { error: { stage: "execute" as const, message: failed.error ?? "unknown error" } } : {}),
        },
        config.topicArn,
      );
    } finally {
      await clickhouse.close().catch(() => undefined);
    }
  };
}

export const handler = createHandler();
