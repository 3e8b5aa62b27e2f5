import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrationScript, type MigrationScriptMode } from "../constructs/clickhouse/migration-scripts";
import { copyStatement, ddlQuery, rowCountCheck, withSource } from "../lambda/clickhouse-migration/copy-sql";

/*
 * The migration Jobs' shell scripts, run by bash against a recording stand-in for clickhouse-client (the SQL itself
 * is proven on chdb in lambda/clickhouse-migration/copy-sql.test.ts). What matters here: each statement reaches
 * the right server with the table and its remote() source put in, the password never sits on a command line, an
 * unexpected table name stops the Job, and a copy after the switch refuses to truncate the serving tables.
 */

const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

// A password with the characters SQL and the shell care about (' and \), none of those ClickHouse passwords avoid.
const PASSWORD = "pa'ss\\word-42";
const REMOTE = (table: string) => `remote('langfuse-clickhouse:9000', 'default', '${table}', 'default', 'pa\\'ss\\\\word-42')`;

const STUB = `#!/bin/bash
# Both ends of a pipeline run at once: number the calls under a lock.
exec 9> "$STUB_DIR/lock"; flock 9
n=$(( $(cat "$STUB_DIR/count" 2>/dev/null || echo 0) + 1 )); echo $n > "$STUB_DIR/count"
flock -u 9
host=""; query=""; args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in --host) host="\${args[i+1]}" ;; -q) query="\${args[i+1]}" ;; esac
done
printf '%s\\0' "$@" > "$STUB_DIR/$n.args"
if [ -z "$query" ]; then query=$(cat); printf '%s' "$query" > "$STUB_DIR/$n.stdin"; fi
echo "$host" > "$STUB_DIR/$n.host"
case "$query" in
  "SELECT 1") echo 1 ;;
  "SELECT t.name"*) cat "$STUB_DIR/tables" ;;
  "SELECT concat(replaceOne(create_table_query, 'CREATE TABLE"*) echo "CREATE TABLE IF NOT EXISTS default.traces (id String) ENGINE = ReplacingMergeTree ORDER BY id;" ;;
  *"name = 'state'"*|*"WHERE event = 'switched'"*) cat "$STUB_DIR/switched" ;;
esac
`;

interface Call {
  readonly host: string;
  readonly args: string[];
  readonly sql: string;
}

function run(mode: MigrationScriptMode, options: { tables?: string; switched?: boolean; marker?: string } = {}): { status: number; output: string; calls: Call[] } {
  const dir = mkdtempSync(join(tmpdir(), "migration-script-"));
  scratch.push(dir);
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "clickhouse-client"), STUB, { mode: 0o755 });
  writeFileSync(join(dir, "tables"), options.tables ?? "schema_migrations\t0\t0\ntraces\t1\t1\n");
  writeFileSync(join(dir, "switched"), options.switched ? "1\n" : "0\n");
  writeFileSync(join(dir, "job.sh"), migrationScript(mode, 30, options.marker));
  const result = spawnSync("/bin/bash", [join(dir, "job.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      TMPDIR: dir,
      STUB_DIR: dir,
      SOURCE_HOST: "langfuse-clickhouse",
      SOURCE_PORT: "9000",
      TARGET_HOST: "langfuse-v4-clickhouse-headless",
      TARGET_PORT: "9000",
      CLICKHOUSE_USER: "default",
      CLICKHOUSE_PASSWORD: PASSWORD,
    },
  });
  const count = existsSync(join(dir, "count")) ? Number(readFileSync(join(dir, "count"), "utf8")) : 0;
  const calls = Array.from({ length: count }, (_, i) => {
    const args = readFileSync(join(dir, `${i + 1}.args`), "utf8").split("\0").slice(0, -1);
    const stdin = join(dir, `${i + 1}.stdin`);
    const sql = existsSync(stdin) ? readFileSync(stdin, "utf8") : args[args.indexOf("-q") + 1];
    return { host: readFileSync(join(dir, `${i + 1}.host`), "utf8").trim(), args, sql };
  });
  expect(readdirSync(dir)).toContain("client.xml");
  return { status: result.status ?? -1, output: result.stdout + result.stderr, calls };
}

const onTarget = (calls: Call[]) => calls.filter((call) => call.host === "langfuse-v4-clickhouse-headless" && call.sql !== "SELECT 1").map((call) => call.sql);

describe("the copy Job's script", () => {
  const copy = run("copy");

  it("succeeds and copies each table from the old server's remote(), truncating first and checking the counts after", () => {
    expect(copy.status, copy.output).toBe(0);
    const target = onTarget(copy.calls);
    const traces = target.filter((sql) => sql.includes("`traces`") || sql.includes("'traces'"));
    expect(traces[0]).toBe("TRUNCATE TABLE IF EXISTS `default`.`traces`");
    expect(traces[1]).toContain(`SELECT 'traces', max(event_ts) FROM ${REMOTE("traces")}`);
    expect(traces[2]).toBe(withSource(copyStatement("default", "traces"), REMOTE("traces")));
    // traces is retained: compared with FINAL within the retention window only.
    expect(traces[3]).toContain("FINAL WHERE toDateTime(`timestamp`) >= now() - INTERVAL 30 DAY");
    const migrations = target.filter((sql) => sql.includes("schema_migrations"));
    expect(migrations.some((sql) => sql.includes("max(event_ts)"))).toBe(false);
    expect(migrations.at(-1)).toBe(withSource(rowCountCheck("default", "schema_migrations", false), REMOTE("schema_migrations")));
  });

  it("recreates the tables from the old server's definitions before copying, and the views after", () => {
    const ddl = copy.calls.filter((call) => call.args.includes("--multiquery"));
    expect(ddl.map((call) => call.host)).toEqual(["langfuse-v4-clickhouse-headless", "langfuse-v4-clickhouse-headless"]);
    expect(ddl[0].sql).toContain("CREATE TABLE IF NOT EXISTS default.traces");
    const generators = copy.calls.filter((call) => call.host === "langfuse-clickhouse" && call.sql.startsWith("SELECT concat(")).map((call) => call.sql);
    expect(generators).toEqual([ddlQuery("tables", "default", "default"), ddlQuery("views", "default", "default")]);
    const order = copy.calls.map((call) => call.sql);
    expect(order.findIndex((sql) => sql.startsWith("INSERT INTO `default`.`traces`"))).toBeGreaterThan(order.indexOf(ddlQuery("tables", "default", "default")));
    expect(order.findIndex((sql) => sql.startsWith("INSERT INTO `default`.`traces`"))).toBeLessThan(order.indexOf(ddlQuery("views", "default", "default")));
  });

  it("never puts the password on a command line; it reaches the server only inside the SQL sent on stdin", () => {
    for (const call of copy.calls) expect(call.args.join(" ")).not.toContain("word-42");
    expect(copy.calls.filter((call) => call.sql.includes("word-42")).every((call) => !call.args.includes("-q"))).toBe(true);
  });

  it("stops at a table name that is not Langfuse's, before any statement uses it", () => {
    const bad = run("copy", { tables: "traces;DROP\t1\t1\n" });
    expect(bad.status).toBe(1);
    expect(bad.output).toContain("unexpected table name: traces;DROP");
    expect(onTarget(bad.calls).some((sql) => sql.includes("DROP") && !sql.startsWith("SELECT"))).toBe(false);
  });

  it("refuses to run once the new server has served Langfuse (a copy would truncate its tables)", () => {
    const late = run("copy", { switched: true });
    expect(late.status).toBe(1);
    expect(late.output).toContain("copying again would truncate its tables");
    expect(onTarget(late.calls).some((sql) => sql.startsWith("TRUNCATE") || sql.startsWith("INSERT"))).toBe(false);
  });
});

describe("the gates and the catch-up", () => {
  it("the switch gate checks every table, then records the switch", () => {
    const gate = run("verify", { marker: "switched" });
    expect(gate.status, gate.output).toBe(0);
    const target = onTarget(gate.calls);
    expect(target.filter((sql) => sql.includes("throwIf(target_rows < source_rows"))).toHaveLength(2);
    expect(target.at(-1)).toBe("INSERT INTO `langfuse_migration`.`state` (event) VALUES ('switched')");
    expect(target.some((sql) => sql.startsWith("INSERT INTO `default`"))).toBe(false);
  });

  it("the catch-up copies since the watermark where there is event_ts, and checks the counts", () => {
    const catchUp = run("catchup");
    expect(catchUp.status, catchUp.output).toBe(0);
    const target = onTarget(catchUp.calls);
    expect(target.some((sql) => sql.startsWith("INSERT INTO `default`.`traces`") && sql.includes("WHERE event_ts > (SELECT max(copied_until)"))).toBe(true);
    expect(target.some((sql) => sql.startsWith("INSERT INTO `default`.`schema_migrations`"))).toBe(false);
    expect(target.some((sql) => sql.startsWith("TRUNCATE"))).toBe(false);
  });
});
