import { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";
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

/**
 * Labels of the bundled Valkey pod (chart subchart `redis`): instance and component, which do not depend on how
 * the subchart alias renames the chart.
 */
export const BUNDLED_VALKEY_POD_LABELS = { "app.kubernetes.io/instance": LANGFUSE_RELEASE_NAME, "app.kubernetes.io/component": "primary" } as const;

/**
 * Labels of chart 2.x's Valkey pod: the valkey-io chart (0.9.4) labels its pods with its selector labels only,
 * `app.kubernetes.io/name` (the chart's name, which Helm replaces by the dependency alias `redis`) and
 * `app.kubernetes.io/instance`. The name tells Valkey from web and worker, which share the instance label.
 */
export const V4_VALKEY_POD_LABELS = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": LANGFUSE_RELEASE_NAME } as const;

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
