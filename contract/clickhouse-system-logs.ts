/*
 * ClickHouse system log tables that grow without bound on a default server. The bundled ClickHouse's server
 * configuration (constructs/langfuse/values.ts) removes the ones nothing reads and keeps the others with a TTL;
 * the emergency cleanup (lambda/clickhouse-cleanup) covers all of them, for tables created before that
 * configuration.
 */

/** Removed by the server configuration: diagnostics nobody reads that fill disks. */
export const REMOVED_SYSTEM_LOGS = [
  "trace_log",
  "text_log",
  "metric_log",
  "asynchronous_metric_log",
  "opentelemetry_span_log",
  "latency_log",
  "processors_profile_log",
] as const;

/** Kept with a TTL: Langfuse reads query_log; part_log explains merges and disk use when a volume fills. */
export const KEPT_SYSTEM_LOGS = ["query_log", "part_log"] as const;

export const SYSTEM_LOG_TABLES = [...KEPT_SYSTEM_LOGS, ...REMOVED_SYSTEM_LOGS] as const;
