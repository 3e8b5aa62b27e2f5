import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { connectHttp, type ClickHouse, type HttpConnection } from "./clickhouse";
import { runCleanup } from "./cleanup";
import { parseInvocation, readConfig, topicArnOf, type CleanupConfig } from "./config";
import { errorMessage } from "./executor";
import { createLogger, type Logger } from "./log";
import { publishReport, reportSteps, statusOf, type Report, type Stage } from "./report";
import { readPassword } from "./secret";

/*
 * The emergency cleanup function. Started by the disk alarm (EventBridge) or by hand with {"dryRun": true|false}.
 * Every run ends with one SNS message and one "cleanup-finished" log line, whatever happened, and returns the
 * report. It does not throw: a failure is a report with status "failed" or "partial", and a retry of an
 * asynchronous invocation would only repeat the notification.
 */

export interface HandlerDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly connect: (connection: HttpConnection) => ClickHouse;
  readonly logger: Logger;
  readonly now: () => number;
  /** Database of the system log tables (tests use a stand-in: chdb has no system logs). */
  readonly systemDatabase: string;
}

/** The part of the Lambda context the handler uses. */
export interface RunContext {
  getRemainingTimeInMillis(): number;
}

/** Time kept back from the Lambda timeout to measure, report and publish after the last step. */
const REPORTING_MARGIN_MS = 15_000;

export function createHandler(overrides: Partial<HandlerDependencies> = {}) {
  const deps: HandlerDependencies = {
    env: process.env,
    secrets: new SecretsManagerClient({}),
    sns: new SNSClient({}),
    connect: connectHttp,
    logger: createLogger(),
    now: Date.now,
    systemDatabase: "system",
    ...overrides,
  };
  return async (event: unknown, context?: RunContext): Promise<Report> => {
    const startedAt = deps.now();
    const invocation = parseInvocation(event);
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
    const budgetMs = Math.min(config.timeBudgetSeconds * 1000, (context?.getRemainingTimeInMillis() ?? Infinity) - REPORTING_MARGIN_MS);
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
      requestTimeoutMs: Math.max(1000, budgetMs),
    });
    try {
      const outcome = await runCleanup(clickhouse, {
        retentionDays: config.retentionDays,
        systemLogRetentionDays: config.systemLogRetentionDays,
        appDatabase: config.clickhouseDatabase,
        systemDatabase: deps.systemDatabase,
        now: new Date(startedAt),
        dryRun,
        deadline: startedAt + budgetMs,
        systemLogMaxBytes: config.systemLogMaxBytes,
        logger: deps.logger,
        clock: deps.now,
      });
      if (!outcome.ok) return finish({ ...failure(outcome.stage, outcome.message, dryRun), tables: outcome.plan?.tables ?? [] }, config.topicArn);
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
