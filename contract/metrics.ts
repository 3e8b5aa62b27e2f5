/*
 * The custom CloudWatch metrics of the ClickHouse volume. The disk-metrics job publishes them, the alarm and the
 * emergency cleanup read them, and the deps stack scopes the job's IAM role to this namespace: one spelling.
 * The namespace and dimensions are the production seed's, so existing dashboards keep working.
 */

/** CloudWatch namespace of the volume metrics (UsagePercent, UsedGB, TotalGB). */
export const DISK_METRICS_NAMESPACE = "LangfusePVC";

/** Dimension names of every volume metric. */
export const DISK_METRIC_DIMENSIONS = {
  clusterName: "ClusterName",
  namespace: "Namespace",
  pvcName: "PVCName",
  podName: "PodName",
} as const;
