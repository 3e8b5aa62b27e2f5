import { describe, expect, it } from "vitest";
import { DISK_METRIC_DIMENSIONS } from "../../contract/metrics";
import { kubeletsWithClaims, volumeMetrics, type StatsSummary } from "./volumes";

const GIB = 1024 ** 3;

const summary: StatsSummary = {
  pods: [
    {
      podRef: { name: "langfuse-clickhouse-shard0-0", namespace: "langfuse" },
      volume: [
        { name: "data", pvcRef: { name: "data-langfuse-clickhouse-shard0-0", namespace: "langfuse" }, capacityBytes: 200 * GIB, usedBytes: 150 * GIB, availableBytes: 40 * GIB },
        { name: "kube-api-access", capacityBytes: GIB, usedBytes: 1, availableBytes: GIB },
      ],
    },
    { podRef: { name: "other-db-0", namespace: "other" }, volume: [{ name: "data", pvcRef: { name: "data-other", namespace: "other" }, capacityBytes: GIB, usedBytes: 1, availableBytes: 1 }] },
  ],
};

describe("disk metrics from kubelet volume stats", () => {
  it("publishes UsagePercent (as df computes it), UsedGB and TotalGB per claim of the namespace, with the seed's dimensions", () => {
    const metrics = volumeMetrics(summary, "langfuse-prod", "langfuse");
    expect(metrics.map((metric) => [metric.MetricName, metric.Value, metric.Unit])).toEqual([
      ["UsagePercent", 78.95, "Percent"],
      ["UsedGB", 150, "Gigabytes"],
      ["TotalGB", 200, "Gigabytes"],
    ]);
    expect(metrics[0].Dimensions).toEqual([
      { Name: DISK_METRIC_DIMENSIONS.clusterName, Value: "langfuse-prod" },
      { Name: DISK_METRIC_DIMENSIONS.namespace, Value: "langfuse" },
      { Name: DISK_METRIC_DIMENSIONS.pvcName, Value: "data-langfuse-clickhouse-shard0-0" },
      { Name: DISK_METRIC_DIMENSIONS.podName, Value: "langfuse-clickhouse-shard0-0" },
    ]);
  });

  it("asks only the kubelets (by host IP) of nodes running a pod with a claim", () => {
    const pods = {
      items: [
        { spec: { nodeName: "node-b", volumes: [{ persistentVolumeClaim: { claimName: "data" } }] }, status: { hostIP: "10.0.1.20" } },
        { spec: { nodeName: "node-a", volumes: [{}] }, status: { hostIP: "10.0.1.10" } },
        { spec: { nodeName: "node-b", volumes: [{ persistentVolumeClaim: { claimName: "valkey" } }] }, status: { hostIP: "10.0.1.20" } },
        { spec: { nodeName: "node-c", volumes: [{ persistentVolumeClaim: { claimName: "starting" } }] }, status: {} },
        { spec: { volumes: [{ persistentVolumeClaim: { claimName: "pending" } }] } },
      ],
    };
    expect(kubeletsWithClaims(pods)).toEqual([{ node: "node-b", hostIP: "10.0.1.20" }]);
  });
});
