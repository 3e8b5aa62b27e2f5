/*
 * Requests of the ClickHouse lifecycle's own pods, shared by the constructs that run them (retention.ts,
 * disk-metrics.ts) and the capacity model (config/capacity), which counts them on the general node group.
 */

/** The retention Job (each deploy) and its daily CronJob: clickhouse-client sending a few statements. */
export const RETENTION_JOB_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } } as const;

/** The disk-metrics CronJob (every 5 minutes): one Node.js process reading kubelet stats. */
export const DISK_METRICS_RESOURCES = { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "192Mi" } } as const;
