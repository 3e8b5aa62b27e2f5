/*
 * The ClickHouse identity of the emergency cleanup function (lambda/clickhouse-cleanup): a user of its own, limited
 * to the grants of lambda/clickhouse-cleanup/grants.ts, instead of the admin `default`. The function's environment
 * names the user; the server side (constructs/clickhouse/cleanup-user.ts) defines it under the same names.
 */
export const CLEANUP_CLICKHOUSE_USER = {
  /** The user the function connects as. */
  userName: "langfuse_cleanup",
  /** The role holding the grants on an operator-managed ClickHouse (v4 line), granted to the user. */
  roleName: "langfuse_cleanup_role",
  /** Environment variable of the bundled (v3) ClickHouse container holding the user's password, from the Kubernetes Secret. */
  passwordEnv: "CLICKHOUSE_CLEANUP_PASSWORD",
} as const;
