import {
  expiredPartitionDropsQuery,
  qualifiedName,
  relativeCutoff,
  ttlStatements,
  type RetainedTable,
} from "../../lambda/clickhouse-cleanup/retention-sql";
import { cleanupUserScriptLines } from "./cleanup-user";

/*
 * What the retention Job and CronJob run (retention.ts): the script and, for review, the SQL statements it sends.
 * Plain text, no cdktf: `npm run retention:sql` and the tests on a real engine load only this.
 */

/** Where the script writes its client config: a memory-backed emptyDir, the root filesystem is read-only. */
const CLIENT_CONFIG = '"${TMPDIR:-/tmp}/client.xml"';

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function assertAppTables(tables: readonly RetainedTable[]): void {
  if (tables.length === 0 || tables.some((table) => table.kind !== "app")) throw new Error("the retention script covers Langfuse's tables only");
}

/** The query the script repeats until Langfuse's migrations have created the last of `tables`. */
function readinessQuery(tables: readonly RetainedTable[]): string {
  return `EXISTS TABLE ${qualifiedName(tables.at(-1)!)}`;
}

/** The SELECT whose TSVRaw output is the DROP PARTITION statements of `table`'s expired partitions. */
function dropsGenerator(table: RetainedTable): string {
  return `${expiredPartitionDropsQuery(table, relativeCutoff(table.retentionDays))} FORMAT TSVRaw`;
}

/**
 * Every SQL statement the script sends, in the order it sends them: the readiness check, the TTL statements of
 * each table, then per table the SELECT that generates its DROP PARTITION statements (those are computed at run
 * time; the script pipes them back into clickhouse-client). What `npm run retention:sql` prints.
 */
export function retentionStatements(tables: readonly RetainedTable[]): string[] {
  assertAppTables(tables);
  return [readinessQuery(tables), ...tables.flatMap(ttlStatements), ...tables.map(dropsGenerator)];
}

/** The shell script both the Job and the CronJob run, for Langfuse's tables (and, optionally, the cleanup user). */
export function retentionScript(tables: readonly RetainedTable[], options: { readonly cleanupUser?: boolean } = {}): string {
  assertAppTables(tables);
  const lines = [
    "#!/bin/bash",
    "set -euo pipefail",
    "# The password goes into a client config file (printf is a shell builtin), never onto a command line.",
    "umask 077",
    `printf '<config><user>%s</user><password><![CDATA[%s]]></password></config>\\n' "$CLICKHOUSE_USER" "$CLICKHOUSE_PASSWORD" > ${CLIENT_CONFIG}`,
    "unset CLICKHOUSE_PASSWORD",
    `ch() { clickhouse-client --config-file ${CLIENT_CONFIG} --host "$CLICKHOUSE_HOST" --port "$CLICKHOUSE_PORT" "$@"; }`,
    "# Langfuse's migrations create the tables when web first starts: wait for them (at most 10 minutes).",
    "for attempt in $(seq 1 60); do",
    `  [ "$(ch -q ${shellQuote(readinessQuery(tables))})" = "1" ] && break`,
    '  [ "$attempt" = "60" ] && { echo "Langfuse tables not found"; exit 1; }',
    "  sleep 10",
    "done",
    'apply() { local table=$1; shift; for sql in "$@"; do ch -q "$sql"; done; echo "retention applied to $table"; }',
    "# drop_expired QUERY: runs the DROP PARTITION statements QUERY generates. Expired partitions are dropped",
    "# whatever their size: the server's 50 GB guard (max_partition_size_to_drop) is lifted for these statements only.",
    'drop_expired() { local statements; statements=$(ch -q "$1"); if [ -n "$statements" ]; then echo "$statements"; printf "%s\\n" "$statements" | ch --multiquery --max_partition_size_to_drop=0; fi; }',
  ];
  for (const table of tables) {
    lines.push(`apply ${shellQuote(qualifiedName(table))} ${ttlStatements(table).map(shellQuote).join(" ")}`);
  }
  for (const table of tables) {
    lines.push(`drop_expired ${shellQuote(dropsGenerator(table))}`);
  }
  if (options.cleanupUser) lines.push(...cleanupUserScriptLines(shellQuote));
  return lines.join("\n") + "\n";
}
