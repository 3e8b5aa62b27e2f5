import { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { LangfuseChartValues } from "./values";

/** Helm release name; the chart derives every object name from it (langfuse-web, langfuse-clickhouse …). */
export const LANGFUSE_RELEASE_NAME = "langfuse";

/** The official chart repository (langfuse-k8s). */
export const LANGFUSE_CHART_REPOSITORY = "https://langfuse.github.io/langfuse-k8s";

/** The web Service the ingress and port-forward target. */
export const LANGFUSE_WEB_SERVICE = { name: `${LANGFUSE_RELEASE_NAME}-web`, port: 3000 } as const;

/** The web Deployment the autoscaler targets. */
export const LANGFUSE_WEB_DEPLOYMENT = `${LANGFUSE_RELEASE_NAME}-web`;

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
 * Labels of the bundled Valkey pod (chart subchart `redis`): instance and component, which do not depend on how
 * the subchart alias renames the chart.
 */
export const BUNDLED_VALKEY_POD_LABELS = { "app.kubernetes.io/instance": LANGFUSE_RELEASE_NAME, "app.kubernetes.io/component": "primary" } as const;

export interface LangfuseReleaseProps {
  /** Namespace of the release (created beforehand, with the `langfuse-secrets` Secret in it). */
  readonly namespace: string;
  /** Version of the langfuse chart (1.5.x: Langfuse v3). */
  readonly chartVersion: string;
  /** The chart values, from `buildLangfuseValues`. */
  readonly values: LangfuseChartValues;
  /**
   * Seconds Helm waits for every pod to be Ready; a first install runs all migrations inside it.
   * @default 900
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
      timeout: props.timeoutSeconds ?? 900,
      maxHistory: 10,
      dependsOn: props.dependsOn,
    });
  }
}
