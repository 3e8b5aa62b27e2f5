/*
 * Configuration of the amazon-cloudwatch-observability EKS add-on, apart from the construct that installs it
 * (eks-addons.ts) so the capacity model (config/capacity) can read it without loading the AWS provider.
 */

/*
 * Container Insights metrics only: container logs would ship every Langfuse log line to CloudWatch Logs, billed per
 * GB, and `kubectl logs` already serves them. Metrics (replicas, pod CPU) feed the operations dashboard and alarms.
 * With logs off the add-on runs no fluent-bit DaemonSet.
 */
export const CLOUDWATCH_OBSERVABILITY_CONFIGURATION = { containerLogs: { enabled: false } } as const;
