import { join } from "node:path";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { ServiceAccountRef } from "../../contract/service-accounts";
import { DISK_METRICS_RESOURCES } from "./job-resources";
import { pinnedImage } from "../../contract/image-digests";
import { bundleScript, NODE_MAJOR } from "./lambda-bundle";

/*
 * Volume usage to CloudWatch every 5 minutes, without exec'ing into any pod and without building an image: a
 * stock Node.js image runs lambda/disk-metrics (bundled with the AWS SDK into one file, shipped in a ConfigMap).
 * The job reads the kubelets' volume stats, so every persistent volume of the release (ClickHouse, and the
 * bundled Valkey where there is one) is measured the same way. Its Kubernetes rights: list pods in the release
 * namespace, and GET nodes/stats (cluster-scoped, so a ClusterRole), which the kubelet requires for /stats/summary.
 * Not nodes/proxy: through the kubelet API that right also reaches exec in every pod of a node. Its AWS rights
 * come from the IRSA role in the service account annotation, which the deps stack limits to
 * cloudwatch:PutMetricData in the LangfusePVC namespace.
 */

export interface ClickHouseDiskMetricsProps {
  /** Service account the job runs as; the deps stack's IRSA role trusts exactly this one. */
  readonly serviceAccount: ServiceAccountRef;
  /** IRSA role of the service account (PutMetricData in the metrics namespace only). */
  readonly roleArn: string;
  /** EKS cluster name: the ClusterName dimension. */
  readonly clusterName: string;
  /** AWS region the metrics go to. */
  readonly region: string;
  /** Prefix of the cluster-scoped RBAC objects' names (cluster-wide, so it carries the environment's name). */
  readonly clusterRolePrefix: string;
  /**
   * Image with the Node.js major version the bundle targets (NODE_MAJOR).
   * @default DEFAULT_DISK_METRICS_IMAGE, node:<DISK_METRICS_NODE_TAG> from ECR Public (no Docker Hub pull limits)
   */
  readonly image?: string;
  /**
   * Schedule, cron syntax.
   * @default "*\/5 * * * *"
   */
  readonly schedule?: string;
  /**
   * Resources that must exist first (e.g. the namespace).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/** Exact Node.js image tag of the major the bundle targets: a major-only tag would change under running clusters. */
export const DISK_METRICS_NODE_TAG = `${NODE_MAJOR}.8.0-alpine3.21`;
/** The official Node.js image of the version the bundle targets, from ECR Public's Docker Official Images mirror. */
export const DEFAULT_DISK_METRICS_IMAGE = pinnedImage(`public.ecr.aws/docker/library/node:${DISK_METRICS_NODE_TAG}`);

const SCRIPT_KEY = "disk-metrics.js";
const ENTRY = join(__dirname, "..", "..", "lambda", "disk-metrics", "index.ts");

/** Labels of the disk-metrics pods (and its other objects): the network policies select on them. */
export const DISK_METRICS_POD_LABELS = { "app.kubernetes.io/name": "disk-metrics", "app.kubernetes.io/part-of": "langfuse" } as const;

export class ClickHouseDiskMetrics extends Construct {
  readonly serviceAccount: ServiceAccountV1;
  readonly cronJob: CronJobV1;

  constructor(scope: Construct, id: string, props: ClickHouseDiskMetricsProps) {
    super(scope, id);
    const { namespace, name } = props.serviceAccount;
    const labels = { ...DISK_METRICS_POD_LABELS };
    this.serviceAccount = new ServiceAccountV1(this, "account", {
      metadata: { name, namespace, labels, annotations: { "eks.amazonaws.com/role-arn": props.roleArn } },
      dependsOn: props.dependsOn,
    });
    const subject = [{ kind: "ServiceAccount", name, namespace }];
    const podReader = new RoleV1(this, "pods", {
      metadata: { name: `${name}-pods`, namespace, labels },
      rule: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }],
    });
    new RoleBindingV1(this, "pods-binding", {
      metadata: { name: `${name}-pods`, namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: podReader.metadata.name },
      subject,
    });
    const statsReader = new ClusterRoleV1(this, "volume-stats", {
      metadata: { name: `${props.clusterRolePrefix}-volume-stats`, labels },
      rule: [{ apiGroups: [""], resources: ["nodes/stats"], verbs: ["get"] }],
    });
    new ClusterRoleBindingV1(this, "volume-stats-binding", {
      metadata: { name: `${props.clusterRolePrefix}-volume-stats`, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: statsReader.metadata.name },
      subject,
    });
    // One minified file with the CloudWatch client: ~0.5 MiB, under a ConfigMap's 1 MiB (a test keeps it so).
    const script = new ConfigMapV1(this, "script", {
      metadata: { name: "disk-metrics", namespace, labels },
      data: { [SCRIPT_KEY]: bundleScript(ENTRY) },
    });
    this.cronJob = new CronJobV1(this, "cron", {
      metadata: { name: "disk-metrics", namespace, labels },
      spec: {
        schedule: props.schedule ?? "*/5 * * * *",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 120,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: 240,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: this.serviceAccount.metadata.name,
                restartPolicy: "Never",
                // The langfuse namespace enforces the restricted Pod Security Standard, which requires the seccomp profile.
                securityContext: { runAsNonRoot: true, runAsUser: "1000", runAsGroup: "1000", seccompProfile: { type: "RuntimeDefault" } },
                container: [
                  {
                    name: "disk-metrics",
                    image: props.image ?? DEFAULT_DISK_METRICS_IMAGE,
                    command: ["node", `/app/${SCRIPT_KEY}`],
                    env: [
                      { name: "CLUSTER_NAME", value: props.clusterName },
                      { name: "AWS_REGION", value: props.region },
                      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                    ],
                    volumeMount: [{ name: "script", mountPath: "/app", readOnly: true }],
                    resources: DISK_METRICS_RESOURCES,
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  },
                ],
                volume: [{ name: "script", configMap: { name: script.metadata.name } }],
              },
            },
          },
        },
      },
    });
  }
}
