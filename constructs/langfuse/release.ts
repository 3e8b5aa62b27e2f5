import { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";
import { OPERATOR_CLICKHOUSE } from "../../contract/clickhouse-v4";
import type { LangfuseChartValues } from "./values";
import type { LangfuseV4ChartValues } from "./values-v4";

/** Helm release name; the chart derives every object name from it (langfuse-web, langfuse-clickhouse …). */
export const LANGFUSE_RELEASE_NAME = "langfuse";

/** The official chart repository (langfuse-k8s). */
export const LANGFUSE_CHART_REPOSITORY = "https://langfuse.github.io/langfuse-k8s";

/** The web Service the ingress and port-forward target. */
export const LANGFUSE_WEB_SERVICE = { name: `${LANGFUSE_RELEASE_NAME}-web`, port: 3000 } as const;

/** The web Deployment the autoscaler targets. */
export const LANGFUSE_WEB_DEPLOYMENT = `${LANGFUSE_RELEASE_NAME}-web`;

/** The chart's web HPA (langfuse.web.hpa), which the KEDA ScaledObject adopts. */
export const LANGFUSE_WEB_HPA = `${LANGFUSE_RELEASE_NAME}-web`;

/** Names the bundled ClickHouse subchart gives its objects (one shard, one replica). */
export interface BundledClickHouseNames {
  /** ClusterIP Service (HTTP 8123, native 9000). */
  readonly serviceName: string;
  /** Headless Service of the StatefulSet. */
  readonly headlessServiceName: string;
  /** StatefulSet of shard 0. */
  readonly statefulSetName: string;
  /** The only pod. */
  readonly podName: string;
  /** Claim of the data volume (volumeClaimTemplate `data`). */
  readonly persistentVolumeClaimName: string;
  /** Container the server runs in. */
  readonly containerName: string;
  /** Pod labels that select the ClickHouse pod. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** HTTP interface port (the internal load balancer of the emergency cleanup). */
  readonly httpPort: number;
  /** Native protocol port (clickhouse-client in the retention jobs). */
  readonly nativePort: number;
}

export const BUNDLED_CLICKHOUSE: BundledClickHouseNames = {
  serviceName: `${LANGFUSE_RELEASE_NAME}-clickhouse`,
  headlessServiceName: `${LANGFUSE_RELEASE_NAME}-clickhouse-headless`,
  statefulSetName: `${LANGFUSE_RELEASE_NAME}-clickhouse-shard0`,
  podName: `${LANGFUSE_RELEASE_NAME}-clickhouse-shard0-0`,
  persistentVolumeClaimName: `data-${LANGFUSE_RELEASE_NAME}-clickhouse-shard0-0`,
  containerName: "clickhouse",
  podLabels: { "app.kubernetes.io/instance": LANGFUSE_RELEASE_NAME, "app.kubernetes.io/name": "clickhouse" },
  httpPort: 8123,
  nativePort: 9000,
};

/**
 * The same names for the v4 line's operator-managed ClickHouse (contract/clickhouse-v4.ts). It has no ClusterIP
 * Service: clients use the headless one, which resolves to the single pod.
 */
export const OPERATOR_CLICKHOUSE_NAMES: BundledClickHouseNames = {
  serviceName: OPERATOR_CLICKHOUSE.headlessServiceName,
  headlessServiceName: OPERATOR_CLICKHOUSE.headlessServiceName,
  statefulSetName: OPERATOR_CLICKHOUSE.statefulSetName,
  podName: OPERATOR_CLICKHOUSE.podName,
  persistentVolumeClaimName: OPERATOR_CLICKHOUSE.persistentVolumeClaimName,
  containerName: OPERATOR_CLICKHOUSE.containerName,
  podLabels: OPERATOR_CLICKHOUSE.podLabels,
  httpPort: OPERATOR_CLICKHOUSE.httpPort,
  nativePort: OPERATOR_CLICKHOUSE.nativePort,
};

/**
 * Labels of the bundled Valkey pod (chart subchart `redis`): instance and component, which do not depend on how
 * the subchart alias renames the chart.
 */
export const BUNDLED_VALKEY_POD_LABELS = { "app.kubernetes.io/instance": LANGFUSE_RELEASE_NAME, "app.kubernetes.io/component": "primary" } as const;

export interface LangfuseReleaseProps {
  /** Namespace of the release (created beforehand, with the `langfuse-secrets` Secret in it). */
  readonly namespace: string;
  /** Version of the langfuse chart (1.5.x: Langfuse v3, 2.0.x: Langfuse v4). */
  readonly chartVersion: string;
  /** The chart values, from `buildLangfuseValues` (v3) or `buildLangfuseV4Values` (v4). */
  readonly values: LangfuseChartValues | LangfuseV4ChartValues;
  /**
   * Seconds Helm waits for every pod to be Ready; a first install runs all migrations inside it.
   * @default WAIT_BOUNDS_SECONDS.langfuseRelease (300, contract/apply-budget.ts)
   */
  readonly timeoutSeconds?: number;
  /** What must exist first: the Secret, the storage classes, the load balancer controller's webhook. */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * The Langfuse Helm release. Values go in as one JSON document (YAML's subset): every string is quoted, so a deps
 * output interpolated into it can never change the document's structure.
 */
export class LangfuseRelease extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: LangfuseReleaseProps) {
    super(scope, id);
    this.release = new Release(this, "release", {
      name: LANGFUSE_RELEASE_NAME,
      repository: LANGFUSE_CHART_REPOSITORY,
      chart: "langfuse",
      version: props.chartVersion,
      namespace: props.namespace,
      values: [JSON.stringify(props.values, null, 2)],
      // Not atomic: a failed install stays for inspection; Terraform taints it and the next apply replaces it.
      wait: true,
      timeout: props.timeoutSeconds ?? WAIT_BOUNDS_SECONDS.langfuseRelease,
      maxHistory: 10,
      dependsOn: props.dependsOn,
    });
  }
}
