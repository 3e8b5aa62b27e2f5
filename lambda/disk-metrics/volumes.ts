import { DISK_METRIC_DIMENSIONS } from "../../contract/metrics";

/*
 * Turns the kubelet's stats summary (GET https://<node>:10250/stats/summary) into the seed's volume metrics:
 * one UsagePercent, UsedGB and TotalGB per persistent volume claim mounted by a pod of the release's namespace.
 * "GB" keeps the seed's metric names; the values are GiB (1024^3 bytes), as `df -BG` reported them.
 * UsagePercent is used / (used + available), as df computes it (filesystem reserved blocks count as neither).
 */

/** The part of the kubelet summary API this job reads. */
export interface StatsSummary {
  readonly pods?: readonly {
    readonly podRef: { readonly name: string; readonly namespace: string };
    readonly volume?: readonly {
      readonly name: string;
      readonly pvcRef?: { readonly name: string; readonly namespace: string };
      readonly capacityBytes?: number;
      readonly usedBytes?: number;
      readonly availableBytes?: number;
    }[];
  }[];
}

export interface VolumeMetric {
  readonly MetricName: "UsagePercent" | "UsedGB" | "TotalGB";
  readonly Unit: "Percent" | "Gigabytes";
  readonly Value: number;
  readonly Dimensions: { readonly Name: string; readonly Value: string }[];
}

const GIB = 1024 ** 3;

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function volumeMetrics(summary: StatsSummary, clusterName: string, namespace: string): VolumeMetric[] {
  const metrics: VolumeMetric[] = [];
  for (const pod of summary.pods ?? []) {
    if (pod.podRef.namespace !== namespace) continue;
    for (const volume of pod.volume ?? []) {
      const { pvcRef, usedBytes, availableBytes, capacityBytes } = volume;
      if (!pvcRef || usedBytes === undefined || availableBytes === undefined || capacityBytes === undefined) continue;
      const Dimensions = [
        { Name: DISK_METRIC_DIMENSIONS.clusterName, Value: clusterName },
        { Name: DISK_METRIC_DIMENSIONS.namespace, Value: pvcRef.namespace },
        { Name: DISK_METRIC_DIMENSIONS.pvcName, Value: pvcRef.name },
        { Name: DISK_METRIC_DIMENSIONS.podName, Value: pod.podRef.name },
      ];
      const usable = usedBytes + availableBytes;
      metrics.push(
        { MetricName: "UsagePercent", Unit: "Percent", Value: usable > 0 ? round((usedBytes / usable) * 100, 2) : 0, Dimensions },
        { MetricName: "UsedGB", Unit: "Gigabytes", Value: round(usedBytes / GIB, 3), Dimensions },
        { MetricName: "TotalGB", Unit: "Gigabytes", Value: round(capacityBytes / GIB, 3), Dimensions },
      );
    }
  }
  return metrics;
}

/** A kubelet to ask: the node's name (for messages) and the address its API listens on. */
export interface Kubelet {
  readonly node: string;
  readonly hostIP: string;
}

/** Kubelets of nodes that run a pod of the namespace with a persistent volume claim: the only ones worth asking. */
export function kubeletsWithClaims(pods: { readonly items?: readonly PodItem[] }): Kubelet[] {
  const kubelets = new Map<string, Kubelet>();
  for (const pod of pods.items ?? []) {
    const node = pod.spec?.nodeName;
    const hostIP = pod.status?.hostIP;
    if (!node || !hostIP || !(pod.spec?.volumes ?? []).some((volume) => volume.persistentVolumeClaim)) continue;
    kubelets.set(node, { node, hostIP });
  }
  return [...kubelets.values()].sort((a, b) => a.node.localeCompare(b.node));
}

export interface PodItem {
  readonly spec?: { readonly nodeName?: string; readonly volumes?: readonly { readonly persistentVolumeClaim?: unknown }[] };
  readonly status?: { readonly hostIP?: string };
}
