import { Release } from "@cdktf/provider-helm/lib/release";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { CLUSTER_AUTOSCALER_SERVICE_ACCOUNT, KEDA_OPERATOR_SERVICE_ACCOUNT, LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT } from "../../contract/service-accounts";
import { terraformDuration, WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";
import { READINESS_GATE_POD_LABEL } from "../../contract/readiness-gates";
import { pinnedImage } from "../../contract/image-digests";
import { clusterAutoscalerValues } from "./cluster-autoscaler";
import { LOAD_BALANCER_CONTROLLER_WEBHOOKS, loadBalancerControllerScheduling, WEBHOOK_PROBE_RESOURCES } from "./load-balancer-controller";

/*
 * Cluster add-ons the Langfuse release relies on, each a Helm chart at a pinned version: the AWS Load Balancer
 * Controller (ingress → ALB), metrics-server (CPU metrics for HPAs), KEDA (the web autoscaler that combines
 * CPU with the ALB's request count from CloudWatch) and the Cluster Autoscaler (nodes for the pods those add).
 * Upgrading one is a change of its version here.
 */

/** A Helm chart at a pinned version; the release is named after the chart. */
export interface AddonChart {
  /** URL of the chart repository. */
  readonly repository: string;
  /** Chart name in that repository (also the release name). */
  readonly chart: string;
  /** Exact chart version: upgrades are deliberate. */
  readonly version: string;
}

/** Pinned add-on charts (current releases when written, November 2026). */
export const ADDON_CHARTS = {
  // Versions seen published and in use (eks-charts 3.4.2 was its latest stable in mid-2026); bump deliberately.
  /** eks-charts aws-load-balancer-controller 3.4.2 = controller v3.4.2. */
  loadBalancerController: { repository: "https://aws.github.io/eks-charts", chart: "aws-load-balancer-controller", version: "3.4.2" },
  /** metrics-server chart 3.13.0 = metrics-server 0.8.0. */
  metricsServer: { repository: "https://kubernetes-sigs.github.io/metrics-server/", chart: "metrics-server", version: "3.13.0" },
  /** kedacore keda 2.18.0 = KEDA 2.18.0. */
  keda: { repository: "https://kedacore.github.io/charts", chart: "keda", version: "2.18.0" },
  /**
   * cluster-autoscaler chart 9.59.0 (default image v1.35.0); the image tag is set per cluster minor
   * (CLUSTER_AUTOSCALER_IMAGE_TAGS in constructs/platform/cluster-autoscaler.ts).
   */
  clusterAutoscaler: { repository: "https://kubernetes.github.io/autoscaler", chart: "cluster-autoscaler", version: "9.59.0" },
} as const satisfies Record<string, AddonChart>;

/** The Service in front of the controller's admission webhooks (named by the chart). */
export const LOAD_BALANCER_WEBHOOK_SERVICE = "aws-load-balancer-webhook-service";

/** Image of the webhook readiness probe job: a pinned curl from Docker Hub. */
export const WEBHOOK_PROBE_IMAGE = pinnedImage("curlimages/curl:8.11.1");

export interface PlatformAddonsProps {
  /** Name of the EKS cluster (the controller tags and discovers resources by it). */
  readonly clusterName: string;
  /** AWS region of the cluster. */
  readonly region: string;
  /** VPC of the cluster (the controller would otherwise read it from instance metadata). */
  readonly vpcId: string;
  /** IRSA role of the load balancer controller's service account. */
  readonly loadBalancerControllerRoleArn: string;
  /** IRSA role of the KEDA operator (reads CloudWatch metrics). */
  readonly kedaOperatorRoleArn: string;
  /** IRSA role of the Cluster Autoscaler (resizes this cluster's node groups). */
  readonly clusterAutoscalerRoleArn: string;
  /** Kubernetes minor of the cluster (e.g. 1.35); the Cluster Autoscaler's image must match it. */
  readonly kubernetesVersion: string;
  /**
   * <registry host>/<prefix> of an ECR pull-through cache of Docker Hub; the probe job's image is pulled through it.
   * @default - straight from Docker Hub
   */
  readonly imageRegistryPrefix?: string;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** Options of an add-on release. */
export interface ReleaseOptions {
  readonly createNamespace?: boolean;
  /** Seconds Helm waits for the release's pods (contract/apply-budget.ts). */
  readonly timeoutSeconds?: number;
  readonly dependsOn?: ITerraformDependable[];
}

/** A pinned add-on chart installed and waited for, within its bound (contract/apply-budget.ts). */
export function release(scope: Construct, id: string, chart: AddonChart, namespace: string, values: object, options: ReleaseOptions = {}): Release {
  return new Release(scope, id, {
    name: chart.chart,
    repository: chart.repository,
    chart: chart.chart,
    version: chart.version,
    namespace,
    createNamespace: options.createNamespace ?? false,
    values: [json(values)],
    // Dependents (the Langfuse release, the ingress, ScaledObjects) need these running, not just submitted.
    wait: true,
    timeout: options.timeoutSeconds ?? WAIT_BOUNDS_SECONDS.addonRelease,
    maxHistory: 10,
    dependsOn: options.dependsOn,
  });
}

/**
 * The add-ons, plus `ready`: a resource that completes only once the load balancer controller's webhook answers
 * through its Service. Helm's `wait` returns when the controller pod is Ready, but the webhook Service can still
 * have no endpoint for a moment, and every Ingress or opted-in pod created then fails with "failed calling webhook
 * …elbv2.k8s.aws: no endpoints available" (a known upstream failure). The job polls the webhook over HTTPS until it
 * responds; anything that creates Ingresses, pods in readiness-gated namespaces or load balancer Services depends on it.
 */
export class PlatformAddons extends Construct {
  readonly loadBalancerController: Release;
  readonly metricsServer: Release;
  readonly keda: Release;
  readonly clusterAutoscaler: Release;
  /** Completes when the load balancer controller's webhook serves requests; depend on this, not on the release. */
  readonly ready: JobV1;

  constructor(scope: Construct, id: string, props: PlatformAddonsProps) {
    super(scope, id);
    const lbc = ADDON_CHARTS.loadBalancerController;
    this.loadBalancerController = release(this, "aws-load-balancer-controller", lbc, LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace, {
      clusterName: props.clusterName,
      region: props.region,
      vpcId: props.vpcId,
      ...loadBalancerControllerScheduling(),
      ...LOAD_BALANCER_CONTROLLER_WEBHOOKS,
      // Readiness gates only for pods that opt in (those behind an ALB), not every pod a target group selects in a
      // labelled namespace: the ClickHouse pod behind the cleanup NLB must not wait on NLB health to turn Ready.
      objectSelector: { matchLabels: { [READINESS_GATE_POD_LABEL.key]: READINESS_GATE_POD_LABEL.value } },
      serviceAccount: {
        create: true,
        name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name,
        annotations: { "eks.amazonaws.com/role-arn": props.loadBalancerControllerRoleArn },
      },
    }, { timeoutSeconds: WAIT_BOUNDS_SECONDS.loadBalancerControllerRelease });
    this.ready = this.webhookReadinessJob(lbc.version, props.imageRegistryPrefix);
    // These charts create Services and no opted-in pod: the controller's Service webhook fails open, so they install
    // beside the controller instead of after its webhook gate.
    this.metricsServer = release(this, "metrics-server", ADDON_CHARTS.metricsServer, "kube-system", {});
    // The chart names the operator's account keda-operator (KEDA_OPERATOR_SERVICE_ACCOUNT) and annotates it.
    this.keda = release(
      this,
      "keda",
      ADDON_CHARTS.keda,
      KEDA_OPERATOR_SERVICE_ACCOUNT.namespace,
      { podIdentity: { aws: { irsa: { enabled: true, roleArn: props.kedaOperatorRoleArn } } } },
      { createNamespace: true },
    );
    this.clusterAutoscaler = release(
      this,
      "cluster-autoscaler",
      ADDON_CHARTS.clusterAutoscaler,
      CLUSTER_AUTOSCALER_SERVICE_ACCOUNT.namespace,
      clusterAutoscalerValues({
        clusterName: props.clusterName,
        region: props.region,
        kubernetesVersion: props.kubernetesVersion,
        roleArn: props.clusterAutoscalerRoleArn,
      }),
    );
  }

  private webhookReadinessJob(controllerVersion: string, imageRegistryPrefix?: string): JobV1 {
    const url = `https://${LOAD_BALANCER_WEBHOOK_SERVICE}.${LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace}.svc/`;
    // Any HTTP answer (even 404) proves the Service routes to a serving webhook; curl fails only on no connection.
    const script = `until curl --silent --insecure --max-time 3 --output /dev/null ${url}; do echo "waiting for ${url}"; sleep 3; done`;
    return new JobV1(this, "webhook-ready", {
      metadata: {
        // The version in the name replaces the job on a controller upgrade, so the check runs again.
        name: `aws-load-balancer-webhook-ready-${controllerVersion.replace(/\./g, "-")}`,
        namespace: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace,
      },
      spec: {
        backoffLimit: 3,
        // The whole job (every retry) ends within its bound: failed, it fails the apply, and the next one replaces it.
        activeDeadlineSeconds: WAIT_BOUNDS_SECONDS.webhookReadyJob,
        template: {
          metadata: {},
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            container: [
              {
                name: "wait-for-webhook",
                image: imageRegistryPrefix ? `${imageRegistryPrefix}/${WEBHOOK_PROBE_IMAGE}` : WEBHOOK_PROBE_IMAGE,
                command: ["sh", "-c", script],
                resources: WEBHOOK_PROBE_RESOURCES,
                // The image names its user (curl_user), which runAsNonRoot cannot verify: give a numeric one.
                securityContext: { runAsNonRoot: true, runAsUser: "65534", runAsGroup: "65534", allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
              },
            ],
          },
        },
      },
      waitForCompletion: true,
      // A margin over the deadline: Kubernetes, not the provider's timer, ends the job.
      timeouts: { create: terraformDuration(WAIT_BOUNDS_SECONDS.webhookReadyJob + 30), update: terraformDuration(WAIT_BOUNDS_SECONDS.webhookReadyJob + 30) },
      dependsOn: [this.loadBalancerController],
    });
  }
}
