import { digestSuffix } from "../../contract/image-digests";
import { CLUSTER_AUTOSCALER_SERVICE_ACCOUNT } from "../../contract/service-accounts";

/*
 * The Kubernetes Cluster Autoscaler: it adds a node to a managed node group when pods are Pending for lack of
 * room, and removes an underused node once its pods fit elsewhere, always between the group's minSize and
 * maxSize. It finds the groups by the tags EKS puts on their Auto Scaling groups, so a new node group needs no
 * change here. Installed by PlatformAddons (constructs/platform/platform-addons.ts) from the pinned chart there.
 */

/**
 * The image for each Kubernetes minor the configuration accepts (config/eks-versions.ts). The autoscaler
 * compiles in the scheduler of its own minor, so its version must follow the cluster's: a cluster upgrade
 * changes the tag with it. Each tag was checked as promoted to registry.k8s.io (multi-arch images, arm64 too);
 * a newer patch of a minor goes here once its image is published, not merely tagged on GitHub.
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = {
  // v1.31.4 was tagged but never published as an image; v1.31.3 is the last one that was.
  "1.31": "v1.31.3",
  "1.32": "v1.32.5",
  "1.33": "v1.33.3",
  "1.34": "v1.34.2",
  "1.35": "v1.35.0",
};

/** The autoscaler's tag for a Kubernetes minor with its digest from contract/image-digests.ts, when known. */
function autoscalerTagWithDigest(kubernetesVersion: string): string {
  const tag = clusterAutoscalerImageTag(kubernetesVersion);
  return `${tag}${digestSuffix(`${CLUSTER_AUTOSCALER_IMAGE_REPOSITORY}:${tag}`)}`;
}

/** The upstream image repository; not Docker Hub, so the Docker Hub pull-through cache does not apply to it. */
export const CLUSTER_AUTOSCALER_IMAGE_REPOSITORY = "registry.k8s.io/autoscaling/cluster-autoscaler";

/** The autoscaler's image tag for a Kubernetes minor (e.g. "1.35" → "v1.35.0"); throws for a minor without one. */
export function clusterAutoscalerImageTag(kubernetesVersion: string): string {
  const tag = CLUSTER_AUTOSCALER_IMAGE_TAGS[kubernetesVersion];
  if (!tag) {
    throw new Error(
      `'kubernetesVersion' (${kubernetesVersion}) has no Cluster Autoscaler image in CLUSTER_AUTOSCALER_IMAGE_TAGS ` +
        `(constructs/platform/cluster-autoscaler.ts knows ${Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ")}); ` +
        `add the v${kubernetesVersion}.x tag published on registry.k8s.io for it`,
    );
  }
  return tag;
}

export interface ClusterAutoscalerSettings {
  /** Name of the EKS cluster; the autoscaler manages the Auto Scaling groups tagged with it. */
  readonly clusterName: string;
  /** AWS region of the cluster. */
  readonly region: string;
  /** Kubernetes minor of the cluster (e.g. 1.35); picks the image. */
  readonly kubernetesVersion: string;
  /** IRSA role of the autoscaler's service account (CLUSTER_AUTOSCALER_SERVICE_ACCOUNT). */
  readonly roleArn: string;
}

/** Values of the `cluster-autoscaler` chart (kubernetes.github.io/autoscaler). */
export function clusterAutoscalerValues(settings: ClusterAutoscalerSettings): object {
  return {
    // The chart would name the Deployment <release>-aws-cluster-autoscaler; this keeps it at cluster-autoscaler.
    fullnameOverride: "cluster-autoscaler",
    cloudProvider: "aws",
    awsRegion: settings.region,
    // Discovers the groups tagged k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<cluster>:
    // EKS tags every managed node group's Auto Scaling group with both.
    autoDiscovery: { clusterName: settings.clusterName },
    // The chart renders repository:tag, so a digest rides on the tag (repository:tag@sha256:…).
    image: { repository: CLUSTER_AUTOSCALER_IMAGE_REPOSITORY, tag: autoscalerTagWithDigest(settings.kubernetesVersion) },
    rbac: {
      serviceAccount: {
        create: true,
        name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT.name,
        annotations: { "eks.amazonaws.com/role-arn": settings.roleArn },
      },
    },
    resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
    extraArgs: {
      // Groups of the same shape (one per zone, say) grow together instead of one filling up first; a single
      // multi-zone group is balanced across zones by its Auto Scaling group anyway.
      "balance-similar-node-groups": true,
      // Pick the group that leaves the least CPU and memory idle after the Pending pods are placed.
      expander: "least-waste",
      // kube-system pods (CoreDNS, the controllers) move like any other, else no node holding one ever goes.
      "skip-nodes-with-system-pods": false,
      // The default, stated: the bundled ClickHouse and Valkey keep temporary files in emptyDir volumes, so
      // a node running them is never drained to save money.
      "skip-nodes-with-local-storage": true,
      // A node goes once its requests stay under half its capacity for 10 minutes, and not within 10 minutes
      // of a scale-out: the web autoscaler scales in over 5 minutes, a burst does not flap the nodes.
      "scale-down-utilization-threshold": 0.5,
      "scale-down-unneeded-time": "10m",
      "scale-down-delay-after-add": "10m",
    },
  };
}
