import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient, type ClickHouseClientConfigOptions } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_LOG_TABLES } from "../../contract/clickhouse-system-logs";
import { CLEANUP_CLICKHOUSE_USER } from "../../contract/clickhouse-cleanup-user";
import { CLEANUP_USER_PLACEHOLDERS, cleanupRoleConfig, cleanupUserStatements, cleanupUserXml } from "../../constructs/clickhouse/cleanup-user";
import { overClient, type ClickHouse } from "./clickhouse";
import { runCleanup } from "./cleanup";
import { chdbScratchDirectory, closeProcessEngine, createLangfuseV4Tables, createSystemLogStandIns, fillEvents, fillRows, openChdbEngine } from "./fixtures";
import { CLEANUP_PRIVILEGES, cleanupGrants, type CleanupGrantScope } from "./grants";

/*
 * The cleanup under exactly its grants, in a real ClickHouse engine (chdb 26.x). chdb runs every query as `default`
 * and reads its users from the configuration it is opened with, so each phase reopens the same data path: first
 * with an administrator to build Langfuse-shaped tables, then with `default` defined by the server configuration
 * this project renders (the v3 users.d override, or the v4 role), and the function plans and executes against it.
 */

/** One pair of databases per chart line's configuration, filled once: each line's cleanup changes its own pair. */
const SCOPES = {
  v3: { schema: "v4", appDatabase: "langfuse_v3", systemDatabase: "system_logs_v3" },
  v4: { schema: "v4", appDatabase: "langfuse_v4", systemDatabase: "system_logs_v4" },
} as const satisfies Record<string, CleanupGrantScope>;
const SCOPE = SCOPES.v4;
const NOW = new Date(Date.UTC(2026, 10, 23, 12, 0, 0));
const utc = (month: number, day: number) => new Date(Date.UTC(2026, month - 1, day));
const DENIED = /ACCESS_DENIED|Not enough privileges/;

const dir = chdbScratchDirectory();
const dataPath = join(dir, "data");

beforeAll(() => {
  // This file's engine replaces the one other chdb test files of its worker share.
  closeProcessEngine();
  // chdb logs in as `default` without a password: the override's <password from_env> must read an empty one.
  process.env[CLEANUP_CLICKHOUSE_USER.passwordEnv] = "";
});

afterAll(() => {
  delete process.env[CLEANUP_CLICKHOUSE_USER.passwordEnv];
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the data path with `users` as the users configuration, runs `use`, and closes it again. */
async function asUsers<T>(name: string, users: string, use: (clickhouse: ClickHouse) => Promise<T>): Promise<T> {
  const usersPath = join(dir, `users-${name}.xml`);
  writeFileSync(usersPath, users);
  const session = openChdbEngine(dataPath, `<user_directories><users_xml><path>${usersPath}</path></users_xml></user_directories>`);
  // Same path, same engine: the client's connection shares the session's server and its users.
  const connection = createChdbConnection({ path: dataPath }) as unknown as ClickHouseClientConfigOptions["connection"];
  const client = createClient({ connection });
  try {
    return await use(overClient(client));
  } finally {
    await client.close();
    session.close();
  }
}

/** A users configuration whose `default` holds `grants`, plus `extra` elements beside <users>. */
function usersWithDefault(grants: readonly string[], extra = ""): string {
  const queries = grants.map((grant) => `<query>${grant}</query>`).join("");
  return (
    `<clickhouse><users><default><password></password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota>` +
    `<grants>${queries}</grants></default></users>${extra}<profiles><default/></profiles><quotas><default/></quotas></clickhouse>`
  );
}

const ADMIN = usersWithDefault(["GRANT ALL ON *.* WITH GRANT OPTION"]);

/** The v3 override with the user renamed `default` (chdb has no login), and the profiles it refers to. */
function v3Users(scope: CleanupGrantScope): string {
  const override = cleanupUserXml({ scope, networks: ["::/0"], userName: "default" });
  return override.replace("</clickhouse>", "<profiles><default/></profiles><quotas><default/></quotas></clickhouse>");
}

/** The v4 role, rendered from the same object the ClickHouseCluster gets, granted to `default`. */
function v4Users(scope: CleanupGrantScope): string {
  const roles = cleanupRoleConfig(scope).roles as Record<string, { grants: { query: string }[] }>;
  const xml = Object.entries(roles)
    .map(([role, { grants }]) => `<${role}><grants>${grants.map(({ query }) => `<query>${query}</query>`).join("")}</grants></${role}>`)
    .join("");
  return usersWithDefault([`GRANT ${CLEANUP_CLICKHOUSE_USER.roleName}`], `<roles>${xml}</roles>`);
}

/** Five months of Langfuse data (v4 schema) and two system log stand-ins for each scope, built as the administrator. */
async function fillData(): Promise<void> {
  await asUsers("admin", ADMIN, async (ch) => {
    for (const { appDatabase: app, systemDatabase: system } of Object.values(SCOPES)) {
      await createLangfuseV4Tables(ch, app);
      for (const table of ["traces", "observations", "scores"]) await fillRows(ch, app, table, utc(7, 1), NOW, 3000);
      await fillEvents(ch, app, utc(7, 1), NOW, 3000);
      await createSystemLogStandIns(ch, system, ["query_log", "trace_log"]);
      await fillRows(ch, system, "trace_log", utc(9, 1), NOW, 1000);
      await fillRows(ch, system, "query_log", utc(11, 22), NOW, 1000);
    }
  });
}

/** Every statement the cleanup sends, through the real planner and executor. */
async function cleanupAs(scope: CleanupGrantScope, users: string): Promise<{ statements: string[]; outcome: Awaited<ReturnType<typeof runCleanup>>; denied: Record<string, string> }> {
  return asUsers("cleanup", users, async (ch) => {
    const statements: string[] = [];
    const recording: ClickHouse = {
      rows: (sql, timeoutMs) => (statements.push(sql), ch.rows(sql, timeoutMs)),
      exec: (sql, timeoutMs) => (statements.push(sql), ch.exec(sql, timeoutMs)),
      close: async () => undefined,
    };
    const outcome = await runCleanup(recording, {
      retentionDays: 30,
      systemLogRetentionDays: 10,
      appDatabase: scope.appDatabase,
      schema: scope.schema,
      systemDatabase: scope.systemDatabase,
      now: NOW,
      dryRun: false,
      deadline: Date.now() + 60_000,
      // Any remaining system log bytes count as oversized: the run exercises TRUNCATE too.
      systemLogMaxBytes: 0,
      logger: { log: () => undefined },
    });
    const denied: Record<string, string> = {};
    for (const sql of outsideTheGrants(scope)) {
      denied[sql] = await ch.exec(sql).then(
        () => "allowed",
        (error: Error) => error.message,
      );
    }
    return { statements, outcome, denied };
  });
}

/** What the user must not be able to do: read payloads, write, change schema or TTLs, drop, manage access. */
const outsideTheGrants = ({ appDatabase: app, systemDatabase: system }: CleanupGrantScope) => [
  `SELECT input FROM ${app}.traces`,
  `SELECT * FROM ${app}.observations`,
  `INSERT INTO ${app}.scores (id) VALUES ('x')`,
  `TRUNCATE TABLE ${app}.traces`,
  `DROP TABLE ${app}.events_core`,
  `ALTER TABLE ${app}.traces MODIFY TTL toDateTime(timestamp) + INTERVAL 1 DAY`,
  `ALTER TABLE ${app}.traces UPDATE name = 'x' WHERE 1`,
  `CREATE TABLE ${app}.intruder (x UInt8) ENGINE = Memory`,
  "CREATE USER intruder",
  `SELECT message FROM ${system}.query_log`,
];

/** The statement kinds of the planner and executor, by their leading words and target. */
function kindOf(sql: string): string {
  if (/^SELECT .* FROM system\.(tables|parts|mutations)\b/.test(sql)) return `read system.${/FROM system\.(\w+)/.exec(sql)![1]}`;
  if (/^SELECT _partition_id/.test(sql)) return "read partitions";
  if (/^ALTER TABLE .* DROP PARTITION ID/.test(sql)) return "drop partition";
  if (/^ALTER TABLE .* DELETE IN PARTITION ID/.test(sql)) return "delete rows";
  if (/^TRUNCATE TABLE/.test(sql)) return "truncate";
  return `unexpected: ${sql}`;
}

const EVERY_KIND = ["delete rows", "drop partition", "read partitions", "read system.mutations", "read system.parts", "read system.tables", "truncate"];

describe("the cleanup function's ClickHouse grants", () => {
  it("use only SELECT (by column), ALTER DELETE and TRUNCATE, on named tables, without grant option", () => {
    const grants = cleanupGrants(SCOPE);
    for (const grant of grants) {
      const match = /^GRANT (.+) ON (`[^`]+`\.`[^`]+`)$/.exec(grant);
      expect(match, grant).not.toBeNull();
      const privileges = match![1].split(/,\s*(?![^(]*\))/).map((privilege) => privilege.replace(/\(.*\)$/, ""));
      for (const privilege of privileges) expect(CLEANUP_PRIVILEGES, grant).toContain(privilege);
      expect(grant).not.toMatch(/\*|\bALL\b|GRANT OPTION|ACCESS|CREATE|DROP\b|INSERT|SYSTEM /);
      // Whole-table SELECT nowhere: only the partition id and time columns (or the metadata columns) are read.
      expect(match![1]).toMatch(/^SELECT\(/);
    }
    // TRUNCATE only on ClickHouse's own logs, never on Langfuse's data.
    const system = `\`${SCOPE.systemDatabase}\`.`;
    expect(grants.filter((grant) => grant.includes("TRUNCATE")).every((grant) => grant.includes(system))).toBe(true);
    expect(grants.filter((grant) => grant.includes(system))).toHaveLength(SYSTEM_LOG_TABLES.length);
  });

  it("parse in a real ClickHouse, as do the v4 user statements", async () => {
    const statements = [
      ...cleanupGrants({ schema: "v4" }).map((grant) => `${grant} TO someone`),
      ...cleanupUserStatements().map((sql) => sql.replace(CLEANUP_USER_PLACEHOLDERS.passwordHash, "a".repeat(64)).replace(CLEANUP_USER_PLACEHOLDERS.network, "10.0.0.0/16")),
    ];
    await asUsers("admin", ADMIN, async (ch) => {
      for (const sql of statements) await expect(ch.rows(`EXPLAIN AST ${sql}`), sql).resolves.toBeDefined();
    });
  });

  let filled: Promise<void> | undefined;
  it.each([
    ["v3: the users.d override", SCOPES.v3, v3Users],
    ["v4: the role of the users configuration", SCOPES.v4, v4Users],
  ])("cover every statement the cleanup runs (%s), and nothing else", async (_, scope, users) => {
    await (filled ??= fillData());
    const { statements, outcome, denied } = await cleanupAs(scope, users(scope));
    expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    if (!outcome.ok) return;
    const results = outcome.execution.results;
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((result) => result.outcome !== "done")).toEqual([]);
    expect([...new Set(statements.map(kindOf))].sort()).toEqual(EVERY_KIND);
    for (const [sql, result] of Object.entries(denied)) expect(result, sql).toMatch(DENIED);
  });
});
