import { relativeCutoff, quoteIdentifier, quoteString, APP_TABLES } from "../../lambda/clickhouse-cleanup/retention-sql";
import {
  catchUpStatement,
  copyListQuery,
  copyStatement,
  ddlQuery,
  recordWatermarkStatement,
  rowCountCheck,
  SOURCE_TOKEN,
  truncateStatement,
  WATERMARK_DATABASE,
  watermarkTableStatements,
} from "../../lambda/clickhouse-migration/copy-sql";

/*
 * The shell scripts of the migration's Jobs, built from lambda/clickhouse-migration/copy-sql.ts (where the SQL is
 * tested on chdb). Each talks to both servers with clickhouse-client; table names come from the old server at run
 * time and stand in the SQL as TABLE_TOKEN until the script puts the (validated) name there.
 *
 *   copy    tables' definitions, then every table's rows (target truncated first: a retry never duplicates), each
 *           verified by row counts, then views. Refuses to run once the new server has served Langfuse.
 *   verify  row counts only: the gate before the switch (the copy finished) and before the retirement.
 *   catchup after the switch: rows the old server received since each table's watermark, then the counts.
 */

export type MigrationScriptMode = "copy" | "verify" | "catchup";

const TABLE_TOKEN = "__TABLE__";
const DATABASE = "default";
const STATE = `${quoteIdentifier(WATERMARK_DATABASE)}.\`state\``;

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The row-count check of one table, windowed on the retention column for Langfuse's retained tables. */
function checkCases(retentionDays: number): string[] {
  const window = (timeColumn: string) => ({ timeColumn, cutoff: relativeCutoff(retentionDays) });
  return [
    'check_sql() { case "$1" in',
    ...APP_TABLES.map(({ table, timeColumn }) => `  ${table}) printf '%s' ${shellQuote(rowCountCheck(DATABASE, TABLE_TOKEN, true, window(timeColumn)))} ;;`),
    `  *) if [ "$2" = "1" ]; then printf '%s' ${shellQuote(rowCountCheck(DATABASE, TABLE_TOKEN, true))}; else printf '%s' ${shellQuote(rowCountCheck(DATABASE, TABLE_TOKEN, false))}; fi ;;`,
    "esac; }",
  ];
}

const PREAMBLE = [
  "#!/bin/bash",
  "set -euo pipefail",
  "umask 077",
  "# The password goes into a client config file (printf is a builtin), never onto a command line; remote() needs it",
  "# inside the SQL, which is sent on stdin (ClickHouse masks remote() passwords in its logs).",
  `printf '<config><user>%s</user><password><![CDATA[%s]]></password></config>\\n' "$CLICKHOUSE_USER" "$CLICKHOUSE_PASSWORD" > "\${TMPDIR:-/tmp}/client.xml"`,
  `PASSWORD_SQL=\${CLICKHOUSE_PASSWORD//\\\\/\\\\\\\\}; PASSWORD_SQL=\${PASSWORD_SQL//\\'/\\\\\\'}`,
  "unset CLICKHOUSE_PASSWORD",
  'src() { clickhouse-client --config-file "${TMPDIR:-/tmp}/client.xml" --host "$SOURCE_HOST" --port "$SOURCE_PORT" "$@"; }',
  'dst() { clickhouse-client --config-file "${TMPDIR:-/tmp}/client.xml" --host "$TARGET_HOST" --port "$TARGET_PORT" "$@"; }',
  "# The new server may still be starting (the operator creates its pods after the custom resource): 15 minutes.",
  'wait_for() { for attempt in $(seq 1 90); do "$1" -q "SELECT 1" >/dev/null 2>&1 && return 0; sleep 10; done; echo "$1: ClickHouse not reachable"; exit 1; }',
  "wait_for src; wait_for dst",
  `source_of() { printf "remote('%s:%s', '%s', '%s', '%s', '%s')" "$SOURCE_HOST" "$SOURCE_PORT" ${shellQuote(DATABASE)} "$1" "$CLICKHOUSE_USER" "$PASSWORD_SQL"; }`,
  `# on_target SQL TABLE: the SQL with the table's name and its source put in, sent to the new server.`,
  `on_target() { local sql=\${1//${TABLE_TOKEN}/"$2"}; local source; source=$(source_of "$2"); printf '%s' "\${sql//${SOURCE_TOKEN}/"$source"}" | dst; }`,
  `tables=$(src -q ${shellQuote(copyListQuery(DATABASE))})`,
  `for_each_table() { while IFS=$'\\t' read -r table final versioned; do [ -n "$table" ] || continue; [[ $table =~ ^[a-z0-9_]+$ ]] || { echo "unexpected table name: $table"; exit 1; }; "$1" "$table" "$final" "$versioned"; done <<< "$tables"; }`,
];

function copyBody(): string[] {
  return [
    `switched=$(dst -q ${shellQuote(`SELECT count() FROM system.tables WHERE database = ${quoteString(WATERMARK_DATABASE)} AND name = 'state'`)})`,
    `if [ "$switched" != "0" ] && [ "$(dst -q ${shellQuote(`SELECT count() FROM ${STATE} WHERE event = 'switched'`)})" != "0" ]; then`,
    '  echo "The new ClickHouse has served Langfuse since the switch: copying again would truncate its tables. Nothing done."; exit 1',
    "fi",
    `src -q ${shellQuote(ddlQuery("tables", DATABASE, DATABASE))} | dst --multiquery`,
    ...watermarkTableStatements().map((sql) => `dst -q ${shellQuote(sql)}`),
    "copy_table() {",
    `  on_target ${shellQuote(truncateStatement(DATABASE, TABLE_TOKEN))} "$1"`,
    `  if [ "$3" = "1" ]; then on_target ${shellQuote(recordWatermarkStatement(TABLE_TOKEN))} "$1"; fi`,
    `  on_target ${shellQuote(copyStatement(DATABASE, TABLE_TOKEN))} "$1"`,
    '  on_target "$(check_sql "$1" "$2")" "$1"; echo',
    "}",
    "for_each_table copy_table",
    `src -q ${shellQuote(ddlQuery("views", DATABASE, DATABASE))} | dst --multiquery`,
    'echo "copy complete"',
  ];
}

function catchUpBody(): string[] {
  return [
    "catch_up() {",
    `  if [ "$3" = "1" ]; then on_target ${shellQuote(catchUpStatement(DATABASE, TABLE_TOKEN))} "$1"`,
    "  # Without event_ts: rows of a merging engine collapse, so copying the table again is harmless; others never change.",
    `  elif [ "$2" = "1" ]; then on_target ${shellQuote(copyStatement(DATABASE, TABLE_TOKEN))} "$1"; fi`,
    '  on_target "$(check_sql "$1" "$2")" "$1"; echo',
    "}",
    "for_each_table catch_up",
    'echo "catch-up complete"',
  ];
}

function verifyBody(marker?: string): string[] {
  return [
    'verify() { on_target "$(check_sql "$1" "$2")" "$1"; echo; }',
    "for_each_table verify",
    ...(marker
      ? [
          `dst -q ${shellQuote(`CREATE TABLE IF NOT EXISTS ${STATE} (event String, at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY at`)}`,
          `dst -q ${shellQuote(`INSERT INTO ${STATE} (event) VALUES (${quoteString(marker)})`)}`,
        ]
      : []),
    'echo "row counts verified"',
  ];
}

/**
 * The script of one Job. `marker` (verify only) is recorded on the new server once the counts pass: "switched"
 * before the release moves to it, after which the copy refuses to run again.
 */
export function migrationScript(mode: MigrationScriptMode, retentionDays: number, marker?: string): string {
  const body = mode === "copy" ? copyBody() : mode === "catchup" ? catchUpBody() : verifyBody(marker);
  return [...PREAMBLE, ...checkCases(retentionDays), ...body].join("\n") + "\n";
}
