import type { ClickHouseSchema } from "../../contract/clickhouse-flavours";

/*
 * The function's settings, read once from its environment. Nothing secret is ever in the environment: the
 * ClickHouse password is fetched from Secrets Manager (CLICKHOUSE_SECRET_ARN) at run time.
 */

/** Environment variable names, shared with constructs/clickhouse/cleanup-function.ts. */
export const ENV = {
  clickhouseUrl: "CLICKHOUSE_URL",
  clickhouseUser: "CLICKHOUSE_USER",
  clickhouseDatabase: "CLICKHOUSE_DATABASE",
  /** "v3" or "v4": which Langfuse tables the server holds (v4 adds events_full and events_core). */
  clickhouseSchema: "CLICKHOUSE_SCHEMA",
  secretArn: "CLICKHOUSE_SECRET_ARN",
  topicArn: "ALERTS_TOPIC_ARN",
  retentionDays: "RETENTION_DAYS",
  systemLogRetentionDays: "SYSTEM_LOG_RETENTION_DAYS",
  systemLogMaxBytes: "SYSTEM_LOG_MAX_BYTES",
  timeBudgetSeconds: "TIME_BUDGET_SECONDS",
  dryRun: "DRY_RUN",
  /** Read by the scheduled retry only: it runs while this alarm is in ALARM. */
  diskAlarmName: "DISK_ALARM_NAME",
} as const;

export interface CleanupConfig {
  /** HTTP(S) URL of ClickHouse (the internal NLB), e.g. http://internal-….elb.amazonaws.com:8123. */
  readonly clickhouseUrl: string;
  /** User the function connects as: its own, limited to the cleanup's statements (grants.ts). */
  readonly clickhouseUser: string;
  /** Database of Langfuse's tables. */
  readonly clickhouseDatabase: string;
  /** Which Langfuse tables the server holds. */
  readonly clickhouseSchema: ClickHouseSchema;
  /** Secrets Manager secret whose string is the ClickHouse password. */
  readonly secretArn: string;
  /** SNS topic the summary is published to. */
  readonly topicArn: string;
  /** Days of Langfuse data kept; older partitions and rows go. */
  readonly retentionDays: number;
  /** Days of system log rows kept; older partitions go. */
  readonly systemLogRetentionDays: number;
  /** A system log table still larger than this after its expired partitions are gone is truncated. */
  readonly systemLogMaxBytes: number;
  /** Seconds the run may spend on steps; steps still waiting when it runs out are reported as skipped. */
  readonly timeBudgetSeconds: number;
  /** Plan and report only (an invocation payload {"dryRun": …} overrides it). */
  readonly dryRun: boolean;
}

/** A missing or malformed variable, named with its value and the fix. */
export class ConfigurationError extends Error {
  constructor(variable: string, value: string | undefined, fix: string) {
    super(`${variable} (${value === undefined ? "unset" : JSON.stringify(value)}) ${fix}`);
    this.name = "ConfigurationError";
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

function required(env: Environment, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(name, value, "must be set");
  return value;
}

function integer(env: Environment, name: string, min: number): number {
  const raw = required(env, name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigurationError(name, raw, `must be an integer >= ${min}`);
  return value;
}

function url(env: Environment, name: string): string {
  const raw = required(env, name);
  if (!/^https?:\/\/[^/\s]+/.test(raw)) throw new ConfigurationError(name, raw, "must be an http(s):// URL");
  return raw;
}

function flag(env: Environment, name: string): boolean {
  const raw = env[name] ?? "false";
  if (raw !== "true" && raw !== "false") throw new ConfigurationError(name, raw, 'must be "true" or "false"');
  return raw === "true";
}

function schema(env: Environment, name: string): ClickHouseSchema {
  const raw = env[name] ?? "v3";
  if (raw !== "v3" && raw !== "v4") throw new ConfigurationError(name, raw, 'must be "v3" or "v4"');
  return raw;
}

/** The topic alone, so even a configuration error can still be reported to SNS. */
export function topicArnOf(env: Environment): string | undefined {
  return env[ENV.topicArn] || undefined;
}

export function readConfig(env: Environment): CleanupConfig {
  return {
    clickhouseUrl: url(env, ENV.clickhouseUrl),
    clickhouseUser: env[ENV.clickhouseUser] || "default",
    clickhouseDatabase: env[ENV.clickhouseDatabase] || "default",
    clickhouseSchema: schema(env, ENV.clickhouseSchema),
    secretArn: required(env, ENV.secretArn),
    topicArn: required(env, ENV.topicArn),
    retentionDays: integer(env, ENV.retentionDays, 1),
    systemLogRetentionDays: integer(env, ENV.systemLogRetentionDays, 1),
    systemLogMaxBytes: integer(env, ENV.systemLogMaxBytes, 0),
    timeBudgetSeconds: integer(env, ENV.timeBudgetSeconds, 1),
    dryRun: flag(env, ENV.dryRun),
  };
}

/** The payload of the scheduled retry's EventBridge target. */
export const SCHEDULE_PAYLOAD = { source: "schedule" } as const;

/** How the function was started: the disk alarm (through EventBridge), the retry schedule, or by hand. */
export interface Invocation {
  readonly trigger: string;
  /** Started by the retry schedule: runs only while the disk alarm is still in ALARM. */
  readonly scheduled: boolean;
  /** Overrides the configured dry-run flag when given. */
  readonly dryRun?: boolean;
}

export function parseInvocation(event: unknown): Invocation {
  const payload = (event ?? {}) as Record<string, unknown>;
  const dryRun = typeof payload.dryRun === "boolean" ? payload.dryRun : undefined;
  if (payload["detail-type"] === "CloudWatch Alarm State Change") {
    const detail = (payload.detail ?? {}) as { alarmName?: string };
    return { trigger: `alarm ${detail.alarmName ?? "(unnamed)"}`, scheduled: false, dryRun };
  }
  if (payload.source === SCHEDULE_PAYLOAD.source) return { trigger: "scheduled retry", scheduled: true, dryRun };
  return { trigger: "manual invocation", scheduled: false, dryRun };
}
