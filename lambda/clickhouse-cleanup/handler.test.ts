import { createServer, type Socket } from "node:net";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ClickHouse } from "./clickhouse";
import { connectHttp } from "./clickhouse";
import {
  activeBytesOf,
  copyTables,
  countRows,
  createLangfuseTables,
  createSystemLogStandIns,
  fillRows,
  insertTracesAt,
  openChdb,
  partitionIds,
  type ChdbSession,
} from "./fixtures";
import { REPORTING_RESERVE_MS } from "./deadline";
import { createHandler, type HandlerDependencies, type RunContext, type SkippedRun } from "./index";
import type { Report } from "./report";

/*
 * The handler against a real ClickHouse engine (chdb, in-process), with Secrets Manager, SNS and CloudWatch mocked.
 * The clock is fixed at NOW; with 30 days of retention the cutoff is 2026-10-24T12:00:00Z, so partitions
 * 202607–202609 are wholly expired, 202610 straddles the cutoff and 202611 is fresh.
 */

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const CUTOFF = Date.UTC(2026, 9, 24, 12, 0, 0);
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:clickhouse-AbCdEf";
const TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:langfuse-prod-alerts";
const ALARM_NAME = "langfuse-prod-clickhouse-cleanup-disk";
const utc = (month: number, day: number) => new Date(Date.UTC(2026, month - 1, day));

const secrets = mockClient(SecretsManagerClient);
const sns = mockClient(SNSClient);
const cloudwatch = mockClient(CloudWatchClient);
let session: ChdbSession;
let databaseCounter = 0;

const APP_TABLES = ["traces", "observations", "scores"];
const SYSTEM_LOGS = ["query_log", "trace_log"];
/** Filled once; every test that needs data gets its own copy (copyTables: one statement a table, its parts hard-linked). */
const TEMPLATE = { app: "langfuse_template", system: "system_logs_template" };

beforeAll(async () => {
  session = openChdb();
  const ch = session.clickhouse;
  await createLangfuseTables(ch, TEMPLATE.app);
  for (const table of APP_TABLES) await fillRows(ch, TEMPLATE.app, table, utc(7, 1), new Date(NOW), 6000);
  await createSystemLogStandIns(ch, TEMPLATE.system, SYSTEM_LOGS);
  await fillRows(ch, TEMPLATE.system, "trace_log", utc(9, 1), new Date(NOW), 2000);
  await fillRows(ch, TEMPLATE.system, "query_log", utc(11, 22), new Date(NOW), 2000);
});

afterAll(async () => {
  await session.dispose();
  secrets.restore();
  sns.restore();
  cloudwatch.restore();
});

beforeEach(() => {
  secrets.reset();
  sns.reset();
  cloudwatch.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: "not-used-by-chdb" });
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
});

interface Fixture {
  readonly app: string;
  readonly system: string;
  readonly logs: string[];
  run(event?: unknown, overrides?: Partial<HandlerDependencies>, env?: Record<string, string | undefined>, context?: RunContext): Promise<Report>;
  /** A run that may be a skipped scheduled retry. */
  invoke(event: unknown, overrides?: Partial<HandlerDependencies>): Promise<Report | SkippedRun>;
}

/**
 * Fresh databases with five months of traces, observations and scores, and two system log stand-ins; or, for a run
 * that must never get as far as ClickHouse's data (`filled` false), only their names.
 */
async function fixture(filled = true): Promise<Fixture> {
  databaseCounter += 1;
  const app = `langfuse_${databaseCounter}`;
  const system = `system_logs_${databaseCounter}`;
  const ch = session.clickhouse;
  if (filled) {
    await copyTables(ch, TEMPLATE.app, app, APP_TABLES);
    await copyTables(ch, TEMPLATE.system, system, SYSTEM_LOGS);
  }
  const logs: string[] = [];
  const invoke = (event: unknown, overrides: Partial<HandlerDependencies> = {}, env: Record<string, string | undefined> = {}, context?: RunContext) => {
      const handler = createHandler({
        env: {
          CLICKHOUSE_URL: "http://clickhouse.internal:8123",
          CLICKHOUSE_DATABASE: app,
          CLICKHOUSE_SECRET_ARN: SECRET_ARN,
          ALERTS_TOPIC_ARN: TOPIC_ARN,
          RETENTION_DAYS: "30",
          SYSTEM_LOG_RETENTION_DAYS: "10",
          SYSTEM_LOG_MAX_BYTES: String(1024 ** 3),
          TIME_BUDGET_SECONDS: "240",
          DRY_RUN: "false",
          DISK_ALARM_NAME: ALARM_NAME,
          ...env,
        },
        secrets: new SecretsManagerClient({ region: "us-east-1" }),
        sns: new SNSClient({ region: "us-east-1" }),
        cloudwatch: new CloudWatchClient({ region: "us-east-1" }),
        connect: () => ch,
        logger: { log: (level, event, fields) => logs.push(JSON.stringify({ level, event, ...fields })) },
        now: () => NOW,
        systemDatabase: system,
        ...overrides,
      });
      return handler(event, context);
  };
  return {
    app,
    system,
    logs,
    // Only a scheduled retry can be skipped; every other invocation returns a report.
    run: (event = {}, overrides = {}, env = {}, context) => invoke(event, overrides, env, context) as Promise<Report>,
    invoke: (event, overrides) => invoke(event, overrides),
  };
}

/**
 * Rows and partitions of every table, [rows, partition ids], from its active parts in one read: equal before and
 * after means nothing changed. The fixture's tables are MergeTrees without lightweight deletes, whose parts hold
 * exactly the rows count() sees.
 */
async function snapshot(f: Fixture): Promise<Record<string, [number, string[]]>> {
  const state: Record<string, [number, string[]]> = Object.fromEntries([...APP_TABLES, ...SYSTEM_LOGS].map((table) => [table, [0, []]]));
  const partitions = await session.clickhouse.rows<{ table: string; partition_id: string; rows: string }>(
    `SELECT table, partition_id, sum(rows) AS rows FROM system.parts WHERE active AND database IN ('${f.app}', '${f.system}') GROUP BY table, partition_id ORDER BY table, partition_id`,
  );
  for (const { table, partition_id: partition, rows } of partitions) {
    state[table][0] += Number(rows);
    state[table][1].push(partition);
  }
  return state;
}

function published(): { subject: string; message: string }[] {
  return sns.commandCalls(PublishCommand).map((call) => ({ subject: call.args[0].input.Subject ?? "", message: call.args[0].input.Message ?? "" }));
}

/** What a cleanup of a fresh copy left, for the tests that only read it (one run instead of one per test). */
interface Cleaned {
  readonly f: Fixture;
  readonly report: Report;
  /** Rows of observations at or after the cutoff, before the run. */
  readonly freshObservations: number;
  readonly tracesBytesBefore: number;
  readonly published: { subject: string; message: string; topicArn?: string }[];
}

let cleaned: Promise<Cleaned> | undefined;

/** The shared run, made by the first test that needs it: boundary traces around the cutoff, then a default run. */
function cleanedOnce(): Promise<Cleaned> {
  cleaned ??= (async () => {
    const f = await fixture();
    const ch = session.clickhouse;
    await insertTracesAt(ch, f.app, [
      { id: "before", at: new Date(CUTOFF - 1) },
      { id: "at", at: new Date(CUTOFF) },
      { id: "after", at: new Date(CUTOFF + 999) },
    ]);
    const freshObservations = await countRows(ch, f.app, "observations", `start_time >= toDateTime64(${CUTOFF / 1000}, 3, 'UTC')`);
    const tracesBytesBefore = await activeBytesOf(ch, f.app, "traces");
    const report = await f.run();
    const topics = sns.commandCalls(PublishCommand).map((call) => call.args[0].input.TopicArn);
    return { f, report, freshObservations, tracesBytesBefore, published: published().map((message, i) => ({ ...message, topicArn: topics[i] })) };
  })();
  return cleaned;
}

describe("emergency cleanup against ClickHouse (chdb)", () => {
  it("drops wholly expired partitions, deletes the rest of the expired rows and keeps fresh ones", async () => {
    const { f, report, freshObservations: fresh } = await cleanedOnce();
    const ch = session.clickhouse;
    expect(report.status).toBe("ok");
    for (const table of APP_TABLES) {
      expect(await partitionIds(ch, f.app, table)).toEqual(["202610", "202611"]);
    }
    expect(await countRows(ch, f.app, "observations")).toBe(fresh);
    expect(await countRows(ch, f.app, "observations", `toDateTime(start_time) < toDateTime(${CUTOFF / 1000}, 'UTC')`)).toBe(0);
    const drops = report.steps.filter((step) => step.kind === "drop-partition" && step.table === `${f.app}.traces`);
    expect(drops.map((step) => step.partitionId)).toEqual(["202607", "202608", "202609"]);
    expect(report.steps.filter((step) => step.kind === "delete-rows").map((step) => step.partitionId)).toEqual(["202610", "202610", "202610"]);
    const kinds = report.steps.map((step) => step.kind);
    expect(kinds.lastIndexOf("drop-partition")).toBeLessThan(kinds.indexOf("delete-rows"));
  });

  it("keeps a row exactly at the cutoff and deletes one a millisecond before it", async () => {
    const { f } = await cleanedOnce();
    const kept = await session.clickhouse.rows<{ id: string }>(`SELECT id FROM ${f.app}.traces WHERE name = 'boundary' ORDER BY id`);
    expect(kept.map((row) => row.id)).toEqual(["after", "at"]);
  });

  it("logs and reports the bytes freed per table, and publishes a summary to SNS", async () => {
    const { f, report, tracesBytesBefore: before, published: [message] } = await cleanedOnce();
    const traces = report.bytes.find((table) => table.table === "traces");
    expect(traces?.bytesBefore).toBe(before);
    expect(traces?.bytesFreed).toBeGreaterThan(before / 2);
    const freedLines = f.logs.map((line) => JSON.parse(line)).filter((line) => line.event === "table-freed");
    expect(freedLines.find((line) => line.table === "traces")?.bytesFreed).toBe(traces?.bytesFreed);
    expect(message.topicArn).toBe(TOPIC_ARN);
    expect(message.subject).toBe("ClickHouse cleanup ok");
    expect(message.message).toContain(`${f.app}.traces: freed`);
  });

  it("drops expired system log partitions and truncates a system log still over its size limit", async () => {
    const f = await fixture();
    const report = await f.run({}, {}, { SYSTEM_LOG_MAX_BYTES: "1000" });
    const ch = session.clickhouse;
    // trace_log: 10 days of retention drop September and October; November is then over 1000 bytes: truncated.
    expect(report.steps.filter((step) => step.table === `${f.system}.trace_log`).map((step) => `${step.kind}:${step.partitionId ?? ""}`)).toEqual([
      "drop-partition:202609",
      "drop-partition:202610",
      "truncate:",
    ]);
    expect(await countRows(ch, f.system, "trace_log")).toBe(0);
    expect(await countRows(ch, f.system, "query_log")).toBe(0);
    const kinds = report.steps.map((step) => step.kind);
    expect(kinds.indexOf("truncate")).toBeGreaterThan(kinds.lastIndexOf("delete-rows"));
  });

  it("drops partitions and truncates tables above the server's drop-size guard (max_*_size_to_drop)", async () => {
    const f = await fixture();
    // Stand-in for the server's 50 GB guard: a 1-byte guard on every query that does not lift it itself.
    const guarded = session.withDefaults({ max_partition_size_to_drop: "1", max_table_size_to_drop: "1" });
    expect(await guarded.rows("SELECT toString(getSetting('max_partition_size_to_drop')) AS guard")).toEqual([{ guard: "1" }]);
    // The engine enforces the guard: a drop under it is refused and changes nothing.
    const [oldest] = await partitionIds(session.clickhouse, f.app, "traces");
    const refused = session.clickhouse.exec(`ALTER TABLE ${f.app}.traces DROP PARTITION ID '${oldest}' SETTINGS max_partition_size_to_drop = 1`);
    await expect(refused).rejects.toThrow(/Table or Partition in .* was not dropped/);
    expect(await partitionIds(session.clickhouse, f.app, "traces")).toContain(oldest);
    const report = await f.run({}, { connect: () => guarded }, { SYSTEM_LOG_MAX_BYTES: "1000" });
    expect(report.status).toBe("ok");
    expect(await partitionIds(session.clickhouse, f.app, "traces")).toEqual(["202610", "202611"]);
    expect(await countRows(session.clickhouse, f.system, "trace_log")).toBe(0);
  });

  it("is idempotent: a second run finds nothing to do", async () => {
    const { f } = await cleanedOnce();
    const second = await f.run();
    expect(second.status).toBe("nothing-to-do");
    expect(second.steps).toEqual([]);
  });

  it("changes nothing in a dry run (payload {dryRun: true}) and reports the plan", async () => {
    const f = await fixture();
    const before = await snapshot(f);
    const report = await f.run({ dryRun: true });
    expect(await snapshot(f)).toEqual(before);
    expect(report.status).toBe("dry-run");
    expect(report.steps.length).toBeGreaterThan(0);
    expect(report.steps.every((step) => step.outcome === "planned")).toBe(true);
    expect(published()[0].message).toContain("dry run: nothing was changed");
  });

  it("stops at a failing statement: earlier steps are reported done, the failed and later ones changed nothing", async () => {
    const f = await fixture();
    const ch = session.clickhouse;
    // The second DROP PARTITION reaches the engine as invalid SQL: a real ClickHouse error mid-run.
    let drops = 0;
    const failing: ClickHouse = {
      ...ch,
      exec: (sql, timeoutMs) => (sql.includes("DROP PARTITION") && ++drops === 2 ? ch.exec(`${sql} FROBNICATE`, timeoutMs) : ch.exec(sql, timeoutMs)),
    };
    const before = await snapshot(f);
    const report = await f.run({}, { connect: () => failing });
    expect(report.status).toBe("partial");
    expect(report.error?.stage).toBe("execute");
    expect(report.steps.map((step) => step.outcome).slice(0, 3)).toEqual(["done", "failed", "not-run"]);
    expect(report.steps.slice(2).every((step) => step.outcome === "not-run")).toBe(true);
    expect(await partitionIds(ch, f.app, "traces")).toEqual(["202608", "202609", "202610", "202611"]);
    expect(await snapshot(f)).toEqual({ ...before, traces: [await countRows(ch, f.app, "traces"), ["202608", "202609", "202610", "202611"]] });
    expect(published()[0].subject).toBe("ClickHouse cleanup partial");
    expect(published()[0].message).toContain("Syntax error");
  });

  it("changes nothing and reports when a planning query fails", async () => {
    const f = await fixture();
    const ch = session.clickhouse;
    // A scores table without the column retention expires on: the planner's read fails on the engine.
    await ch.exec(`DROP TABLE ${f.app}.scores`);
    await ch.exec(`CREATE TABLE ${f.app}.scores (id String, ts DateTime64(3)) ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY id`);
    await ch.exec(`INSERT INTO ${f.app}.scores VALUES ('old', '2026-07-01 00:00:00')`);
    const before = await snapshot(f);
    const report = await f.run().catch((error: unknown) => error);
    expect(report).toMatchObject({ status: "failed", error: { stage: "plan" } });
    expect((report as Report).error?.message).toMatch(/timestamp/);
    expect(await snapshot(f)).toEqual(before);
    expect(published()[0].message).toContain("No data was changed.");
  });

  it("reports ClickHouse unreachable (real HTTP client) and notifies SNS", async () => {
    const f = await fixture(false);
    const report = await f.run({}, { connect: (connection) => connectHttp({ ...connection, url: "http://127.0.0.1:9", requestTimeoutMs: 2000 }) });
    expect(report.status).toBe("failed");
    expect(report.error?.stage).toBe("plan");
    expect(report.error?.message).toMatch(/ECONNREFUSED|connect/i);
    expect(published()[0].subject).toBe("ClickHouse cleanup failed");
  });

  it("reports a missing secret without touching ClickHouse", async () => {
    const f = await fixture(false);
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    let connected = false;
    const report = await f.run({}, { connect: () => ((connected = true), session.clickhouse) });
    expect(connected).toBe(false);
    expect(report).toMatchObject({ status: "failed", error: { stage: "secret", message: "Secrets Manager can't find the specified secret." } });
    expect(published()[0].message).toContain("Error while reading the secret");
  });

  it("reports a configuration error to SNS when the topic is known", async () => {
    const f = await fixture(false);
    const report = await f.run({}, {}, { CLICKHOUSE_URL: undefined });
    expect(report.error).toEqual({ stage: "configuration", message: "CLICKHOUSE_URL (unset) must be set" });
    expect(published()).toHaveLength(1);
  });

  it("starts no step once the time budget is spent and says so", async () => {
    const f = await fixture();
    const ch = session.clickhouse;
    const before = await snapshot(f);
    // The clock jumps past the 240 s budget while the tables are measured, after planning and before the first step.
    let late = false;
    const measuring: ClickHouse = {
      ...ch,
      rows: (sql, timeoutMs) => ((late ||= sql.includes(ACTIVE_BYTES_QUERY)), ch.rows(sql, timeoutMs)),
    };
    const report = await f.run({}, { connect: () => measuring, now: () => (late ? NOW + 241_000 : NOW) });
    expect(report.status).toBe("budget-exhausted");
    expect(report.stoppedBy).toBe("time-budget");
    expect(report.steps.length).toBeGreaterThan(0);
    expect(report.steps.every((step) => step.outcome === "skipped-time-budget")).toBe(true);
    expect(await snapshot(f)).toEqual(before);
    expect(published()[0].message).toContain("Stopped by the time budget");
    expect(published()[0].message).toContain("No data was changed.");
  });
});

/** The executor's measurement of the tables, before the first step and after the last. */
const ACTIVE_BYTES_QUERY = "SELECT database, table, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database IN";

/** The fixture's clock, moving at the speed of real time: deadlines are real, the cutoffs stay those of NOW. */
function movingClock(): () => number {
  const start = Date.now();
  return () => NOW + (Date.now() - start);
}

/** The fixture's clock at the speed of real time, which `jumpTo` moves to another instant in one go. */
function jumpingClock(): { now: () => number; jumpTo: (instant: number) => void } {
  let offset = NOW - Date.now();
  return { now: () => Date.now() + offset, jumpTo: (instant) => void (offset = instant - Date.now()) };
}

/** A Lambda context with `ms` left before the hard timeout. */
function lambdaTimeoutIn(ms: number): RunContext {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
}

describe("emergency cleanup against a slow ClickHouse", () => {
  it("gives a read with a time limit a server-side limit too (max_execution_time, whole seconds rounded up)", async () => {
    expect(await session.clickhouse.rows("SELECT getSetting('max_execution_time') AS limit", 1500)).toEqual([{ limit: 2 }]);
    expect(await session.clickhouse.rows("SELECT getSetting('max_execution_time') AS limit", 200)).toEqual([{ limit: 1 }]);
  });

  it("reports planning reads that never answer as budget-exhausted, before the Lambda timeout, changing nothing", async () => {
    const f = await fixture(false);
    // Never answers and ignores its time limit: only the handler's own deadline can end the wait.
    const statements: string[] = [];
    const silent: ClickHouse = {
      rows: () => new Promise(() => undefined),
      exec: async (sql) => void statements.push(sql),
      close: async () => undefined,
    };
    // 20.25 s before the Lambda timeout, with the 20 s reserve: a budget of 0.25 s (of the configured 240 s).
    const started = Date.now();
    const report = await f.run({}, { connect: () => silent, now: movingClock() }, {}, lambdaTimeoutIn(REPORTING_RESERVE_MS + 250));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(250 + 1000);
    expect(report).toMatchObject({ status: "budget-exhausted", stoppedBy: "time-budget", error: { stage: "plan" } });
    expect(report.error?.message).toMatch(/time budget exhausted/);
    expect(published()).toHaveLength(1);
    expect(published()[0].subject).toBe("ClickHouse cleanup budget-exhausted");
    expect(published()[0].message).toContain("No data was changed.");
    expect(statements).toEqual([]);
  });

  it("ends the wait on a ClickHouse that accepts connections but never answers (real HTTP client)", async () => {
    const f = await fixture(false);
    const sockets: Socket[] = [];
    const requests: string[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on("data", (chunk) => requests.push(chunk.toString("latin1").split("\r\n")[0]));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const started = Date.now();
      const report = await f.run(
        {},
        { connect: (connection) => connectHttp({ ...connection, url: `http://127.0.0.1:${port}` }), now: movingClock() },
        {},
        lambdaTimeoutIn(REPORTING_RESERVE_MS + 250),
      );
      expect(Date.now() - started).toBeLessThan(250 + 1000);
      expect(report).toMatchObject({ status: "budget-exhausted", error: { stage: "plan" } });
      expect(published()[0].subject).toBe("ClickHouse cleanup budget-exhausted");
      // The first read asked the server to stop at the deadline too (0.25 s left, in whole seconds rounded up).
      expect(requests[0]).toMatch(/^POST \/\?.*max_execution_time=1/);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("keeps the status of steps that succeeded when the measurement after them runs out of time", async () => {
    const f = await fixture();
    const ch = session.clickhouse;
    // The Lambda's time is the fixture's clock: a budget of 60 s for the steps (never short, however busy the machine)
    // and a 1.2 s reserve, half of it for the measurement after them. Once the last planned step is done the clock
    // jumps to the end of the budget, so the hanging measurement is cut off after the 0.6 s grace, not a minute.
    const clock = jumpingClock();
    const lambdaEnd = clock.now() + 61_200;
    const plannedSteps = () => f.logs.map((line) => JSON.parse(line)).find((line) => line.event === "plan")?.steps;
    let statements = 0;
    let measurements = 0;
    const slowAfterwards: ClickHouse = {
      ...ch,
      exec: async (sql, timeoutMs) => {
        await ch.exec(sql, timeoutMs);
        if (++statements === plannedSteps()) clock.jumpTo(lambdaEnd - 1200);
      },
      rows: (sql, timeoutMs) => (sql.includes(ACTIVE_BYTES_QUERY) && ++measurements === 2 ? new Promise(() => undefined) : ch.rows(sql, timeoutMs)),
    };
    const report = await f.run({}, { connect: () => slowAfterwards, now: clock.now, reserveMs: 1200 }, {}, { getRemainingTimeInMillis: () => lambdaEnd - clock.now() });
    expect(statements).toBe(plannedSteps());
    // The run still ends before the Lambda timeout.
    expect(clock.now()).toBeLessThan(lambdaEnd);
    expect(report.status).toBe("ok");
    expect(report.error).toBeUndefined();
    expect(report.steps.every((step) => step.outcome === "done")).toBe(true);
    expect(await partitionIds(ch, f.app, "traces")).toEqual(["202610", "202611"]);
    expect(report.bytesNotMeasured).toMatch(/time budget exhausted/);
    const traces = report.bytes.find((table) => table.table === "traces");
    expect(traces?.bytesBefore).toBeGreaterThan(0);
    expect(traces?.bytesAfter).toBeUndefined();
    expect(published()[0].subject).toBe("ClickHouse cleanup ok");
    expect(published()[0].message).toContain("Bytes freed not measured");
  });
});

describe("the scheduled retry", () => {
  const alarmIs = (state: "OK" | "ALARM" | "INSUFFICIENT_DATA", minutesAgo: number) =>
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: ALARM_NAME, StateValue: state, StateTransitionedTimestamp: new Date(NOW - minutesAgo * 60_000) }],
    });

  it("does nothing while the disk alarm is OK: one log line, no SNS message, ClickHouse and the secret untouched", async () => {
    const f = await fixture(false);
    alarmIs("OK", 90);
    let connected = false;
    const result = await f.invoke({ source: "schedule" }, { connect: () => ((connected = true), session.clickhouse) });
    expect(result).toMatchObject({ status: "skipped", trigger: "scheduled retry", alarmState: "OK" });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input.AlarmNames).toEqual([ALARM_NAME]);
    expect(connected).toBe(false);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(published()).toEqual([]);
    expect(f.logs.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ level: "info", event: "retry-skipped", alarmState: "OK" })]);
  });

  it("cleans up and reports while the disk alarm is still in ALARM", async () => {
    const f = await fixture();
    alarmIs("ALARM", 40);
    const report = (await f.invoke({ source: "schedule" })) as Report;
    expect(report).toMatchObject({ status: "ok", trigger: "scheduled retry" });
    expect(await partitionIds(session.clickhouse, f.app, "traces")).toEqual(["202610", "202611"]);
    expect(published()[0].subject).toBe("ClickHouse cleanup ok");
  });

  it("is bounded: no retry in the first 20 minutes of the alarm (its own run) nor after 6 hours", async () => {
    const f = await fixture(false);
    alarmIs("ALARM", 5);
    expect(await f.invoke({ source: "schedule" })).toMatchObject({ status: "skipped", reason: expect.stringMatching(/less than 20 minutes/) });
    cloudwatch.reset();
    alarmIs("ALARM", 7 * 60);
    expect(await f.invoke({ source: "schedule" })).toMatchObject({ status: "skipped", reason: expect.stringMatching(/more than 6 hours/) });
    expect(published()).toEqual([]);
  });

  it("skips, logging an error, when the alarm's state cannot be read", async () => {
    const f = await fixture(false);
    cloudwatch.on(DescribeAlarmsCommand).rejects(new Error("User is not authorized to perform: cloudwatch:DescribeAlarms"));
    expect(await f.invoke({ source: "schedule" })).toMatchObject({ status: "skipped", reason: expect.stringMatching(/not authorized/) });
    expect(JSON.parse(f.logs[0])).toMatchObject({ level: "error", event: "retry-skipped" });
    expect(published()).toEqual([]);
  });
});
