import { parseArgs } from "node:util";
import { loadAllEnvironments } from "../config/load";
import type { EnvironmentConfig } from "../config/schema";
import { retentionStatements } from "../constructs/clickhouse/retention-script";
import { CLEANUP_USER_PLACEHOLDERS, cleanupUserStatements } from "../constructs/clickhouse/cleanup-user";
import { CLEANUP_CLICKHOUSE_USER } from "../contract/clickhouse-cleanup-user";
import { appTables } from "../lambda/clickhouse-cleanup/retention-sql";
import { servingClickHouse } from "../stacks/clickhouse-serving";
import { ConfigError } from "../config/errors";
import { runCli } from "./cli";
import { selectEnvironment, selectionKey } from "../config/select-environment";

/*
 * npm run retention:sql -- [--env <environment>]   (or LANGFUSE_ENV; default dev)
 * Prints every SQL statement the deploy-time retention Job and the daily CronJob send to ClickHouse for that
 * environment, `;`-terminated, in the order they send them: what a database owner reviews before a deploy. The
 * DROP PARTITION statements are computed at run time from the partitions that exist then, so they appear as the
 * `SELECT … FORMAT TSVRaw` query that generates them. The statements come from the same function that writes the
 * Job's script, so the two cannot drift.
 */

const USAGE = "usage: npm run retention:sql -- [--env <environment>]";

/** The review text for one environment: a header of SQL comments, then one `;`-terminated statement per line. */
export function renderRetentionSql(config: EnvironmentConfig): string {
  const serving = servingClickHouse(config);
  if (!serving) {
    throw new ConfigError(`environments.${config.name}.clickhouse.mode`, config.clickhouse.mode, "an external ClickHouse gets no retention Job from this project; its owner manages retention");
  }
  const tables = appTables(config.clickhouse.retentionDays, "default", serving.schema);
  return [
    `-- Environment ${config.name}: ClickHouse ${serving.flavour.serviceName}:${serving.flavour.nativePort} (${serving.flavour.kind}), Langfuse ${serving.schema} tables.`,
    `-- Run by the Job clickhouse-retention-<hash> on every deploy that changes it, and by the CronJob clickhouse-retention daily.`,
    `-- Rows older than ${config.clickhouse.retentionDays} days expire; the last statements print the DROP PARTITION statements the Job then runs`,
    "-- (with max_partition_size_to_drop = 0) for partitions whose newest row is past the retention.",
    ...retentionStatements(tables).map((sql) => `${sql};`),
    ...(config.clickhouse.emergencyCleanup && serving.flavour.kind === "operator"
      ? [
          `-- Then the cleanup function's user, its grants in the role ${CLEANUP_CLICKHOUSE_USER.roleName} (lambda/clickhouse-cleanup/grants.ts); the Job puts in`,
          `-- ${CLEANUP_USER_PLACEHOLDERS.passwordHash} the sha256 of its password from the Kubernetes Secret and ${CLEANUP_USER_PLACEHOLDERS.network} the VPC's CIDR.`,
          ...cleanupUserStatements().map((sql) => `${sql};`),
        ]
      : []),
  ].join("\n") + "\n";
}

/**
 * The review text for the environment that `args` (--env) or else `langfuseEnv` selects in `environmentsFile`:
 * what the command prints.
 */
export function retentionSqlCommand(args: string[], langfuseEnv: string | undefined, environmentsFile = "environments.yaml"): string {
  const { values } = parseArgs({ args, options: { env: { type: "string" } } });
  const selection = selectEnvironment(values.env, langfuseEnv);
  const { selected } = loadAllEnvironments(environmentsFile, selection.name, new Date().toISOString().slice(0, 10), selectionKey(selection));
  return renderRetentionSql(selected);
}

function main(): void {
  process.stdout.write(retentionSqlCommand(process.argv.slice(2), process.env.LANGFUSE_ENV));
}

if (require.main === module) runCli(main, USAGE);
