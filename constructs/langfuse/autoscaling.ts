import { join } from "node:path";
import { Release } from "@cdktf/provider-helm/lib/release";
import { AssetType, TerraformAsset, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";

/*
 * Web autoscaling on CPU OR requests (the ECS autoscaling seed's lesson: scaling on requests alone missed a CPU
 * spike). One KEDA ScaledObject carries both triggers; the HPA it creates computes a replica count per metric and
 * takes the largest, so whichever signal needs more capacity wins. The worker scales on CPU through the chart's
 * own HPA (langfuse-values.ts); PodDisruptionBudgets come from the chart too.
 *
 * Why KEDA adopts the chart's web HPA instead of creating its own: the chart renders `spec.replicas` into the web
 * Deployment whenever its HPA is off, and every Helm upgrade would then reset web to that count, dropping the
 * replicas KEDA had added under load. With the chart's HPA on, the Deployment has no `replicas`; the ScaledObject
 * names that HPA (`horizontalPodAutoscalerConfig.name`) and takes it over (`transfer-hpa-ownership`), adding the
 * request trigger and the scaling behaviour. A later Helm upgrade re-applies the chart's HPA spec (CPU only); KEDA
 * owns the HPA and rewrites it on its next reconcile, seconds later, and the replica count is never touched.
 *
 * Why a Helm release of a local chart rather than kubernetes_manifest: kubernetes_manifest reads the CRD's schema
 * at plan time, so a plan that also installs KEDA fails on a fresh cluster. Helm resolves the kinds at apply time,
 * after the KEDA release (a dependency) has installed the CRDs.
 */

/** Scale-out reacts within a minute; scale-in waits five, so a short lull does not drop capacity. */
export const WEB_SCALING_BEHAVIOR = {
  scaleUp: { stabilizationWindowSeconds: 60, policies: [{ type: "Percent", value: 100, periodSeconds: 60 }] },
  scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
} as const;

/** How often KEDA evaluates the triggers, seconds. */
export const POLLING_INTERVAL_SECONDS = 30;

const MANIFESTS_CHART = join(__dirname, "..", "..", "charts", "kubernetes-manifests");

export interface RequestScaling {
  /** app/<name>/<id> of the ALB in front of web (its CloudWatch LoadBalancer dimension). */
  readonly loadBalancerArnSuffix: string;
  /** Region of the ALB's metrics. */
  readonly region: string;
  /** Requests per minute one web replica should serve; more adds replicas. */
  readonly requestsPerReplicaPerMinute: number;
}

/** KEDA's annotation that lets a ScaledObject take over an existing HPA of the same target. */
export const TRANSFER_HPA_OWNERSHIP_ANNOTATION = "scaledobject.keda.sh/transfer-hpa-ownership";

export interface LangfuseAutoscalingProps {
  /** Namespace of the web Deployment. */
  readonly namespace: string;
  /** Name of the web Deployment. */
  readonly deploymentName: string;
  /**
   * The HPA the chart creates for web (chart value langfuse.web.hpa.enabled): the ScaledObject takes it over, so the
   * chart keeps `replicas` out of the Deployment and a Helm upgrade never resets the replica count.
   */
  readonly adoptedHpaName: string;
  /** Fewest web replicas, also when idle. */
  readonly minReplicas: number;
  /** Most web replicas, whichever trigger asks for more; at least minReplicas. */
  readonly maxReplicas: number;
  /** Target average CPU utilization of web, % of the CPU request. */
  readonly cpuTargetPercent: number;
  /**
   * Also scale on the ALB's request count.
   * @default - CPU only (no load balancer in front of web)
   */
  readonly requests?: RequestScaling;
  /** KEDA (its CRDs and webhooks) and the release that creates the Deployment. */
  readonly dependsOn: ITerraformDependable[];
}

type Manifest = Record<string, unknown>;

const KEDA_API = "keda.sh/v1alpha1";

function cpuTrigger(targetPercent: number): Manifest {
  return { type: "cpu", metricType: "Utilization", metadata: { value: String(targetPercent) } };
}

/**
 * RequestCount of the whole ALB, summed per minute. With metricType AverageValue the HPA divides it by the
 * current replica count, which makes it requests per target: the same signal as RequestCountPerTarget, without
 * needing the target group the controller names on its own.
 */
function requestTrigger(requests: RequestScaling, authenticationName: string): Manifest {
  return {
    type: "aws-cloudwatch",
    metricType: "AverageValue",
    authenticationRef: { name: authenticationName },
    metadata: {
      namespace: "AWS/ApplicationELB",
      metricName: "RequestCount",
      dimensionName: "LoadBalancer",
      dimensionValue: requests.loadBalancerArnSuffix,
      metricStat: "Sum",
      metricStatPeriod: "60",
      metricCollectionTime: "300",
      // The newest minute is still filling up; read the last complete one.
      metricEndTimeOffset: "60",
      targetMetricValue: String(requests.requestsPerReplicaPerMinute),
      minMetricValue: "0",
      awsRegion: requests.region,
    },
  };
}

/** The Kubernetes objects of the web autoscaler. */
function webAutoscalerManifests(props: Omit<LangfuseAutoscalingProps, "dependsOn">): Manifest[] {
  const authenticationName = `${props.deploymentName}-aws`;
  const triggers = [cpuTrigger(props.cpuTargetPercent), ...(props.requests ? [requestTrigger(props.requests, authenticationName)] : [])];
  const scaledObject: Manifest = {
    apiVersion: KEDA_API,
    kind: "ScaledObject",
    metadata: { name: props.deploymentName, namespace: props.namespace, annotations: { [TRANSFER_HPA_OWNERSHIP_ANNOTATION]: "true" } },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: props.deploymentName },
      minReplicaCount: props.minReplicas,
      maxReplicaCount: props.maxReplicas,
      pollingInterval: POLLING_INTERVAL_SECONDS,
      advanced: { horizontalPodAutoscalerConfig: { name: props.adoptedHpaName, behavior: WEB_SCALING_BEHAVIOR } },
      triggers,
    },
  };
  if (!props.requests) return [scaledObject];
  // podIdentity aws with the default owner: KEDA calls CloudWatch with its operator's IRSA role.
  const authentication: Manifest = {
    apiVersion: KEDA_API,
    kind: "TriggerAuthentication",
    metadata: { name: authenticationName, namespace: props.namespace },
    spec: { podIdentity: { provider: "aws" } },
  };
  return [authentication, scaledObject];
}

export class LangfuseAutoscaling extends Construct {
  readonly release: Release;

  constructor(scope: Construct, id: string, props: LangfuseAutoscalingProps) {
    super(scope, id);
    if (props.minReplicas > props.maxReplicas) {
      throw new Error(`LangfuseAutoscaling '${id}': minReplicas (${props.minReplicas}) is greater than maxReplicas (${props.maxReplicas})`);
    }
    const chart = new TerraformAsset(this, "chart", { path: MANIFESTS_CHART, type: AssetType.DIRECTORY });
    this.release = new Release(this, "release", {
      name: `${props.deploymentName}-autoscaler`,
      chart: chart.path,
      namespace: props.namespace,
      values: [JSON.stringify({ manifests: webAutoscalerManifests(props) }, null, 2)],
      wait: true,
      timeout: WAIT_BOUNDS_SECONDS.autoscalerRelease,
      maxHistory: 10,
      dependsOn: props.dependsOn,
    });
  }
}
