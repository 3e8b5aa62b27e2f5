/*
 * Which ClickHouse the lifecycle (retention jobs, disk alarm, emergency cleanup) and the v3→v4 migration talk to,
 * and which Langfuse tables it holds. Two servers exist in this project's world:
 *
 *   bitnami-v3  the bitnami subchart of langfuse-k8s 1.5.x (image bitnamilegacy/clickhouse 25.2): the v3 line.
 *   operator    a ClickHouseCluster custom resource, reconciled by the ClickHouse operator (ClickHouse/clickhouse-
 *               operator, image clickhouse/clickhouse-server 26.4): the v4 line. Chart 2.x renders one named after
 *               the release's fullname; the v3→v4 migration renders its own beside the bitnami one.
 *
 * The operator's names, read from its source (commit 581494e, api/v1alpha1/clickhousecluster_types.go and
 * internal/controller/clickhouse/templates.go) for a ClickHouseCluster named N, one shard, one replica:
 *   SpecificName = N + "-clickhouse"; headless Service <specific>-headless (no ClusterIP Service);
 *   StatefulSet <specific>-<shard>-<replica>, so the pod is <specific>-0-0-0;
 *   volumeClaimTemplate "clickhouse-storage-volume", so the claim is clickhouse-storage-volume-<pod>;
 *   container "clickhouse-server"; pod labels app=<specific>, app.kubernetes.io/name=clickhouse-server,
 *   app.kubernetes.io/instance=<specific>, clickhouse.com/role=clickhouse-server, clickhouse.com/shard-id,
 *   clickhouse.com/replica-id. The chart's own example confirms the pod name (`langfuse-v2-clickhouse-0-0-0`).
 *
 * The schema is separate from the server: after the migration's switch the operator's server still holds the v3
 * tables until the app moves to v4, whose migrations add events_full and events_core.
 */

import { pinnedImage } from "./image-digests";

/** Langfuse's Helm release name; the chart's fullname for it is the same (the release name contains "langfuse"). */
const RELEASE = "langfuse";

/** Image that provides clickhouse-client, matching the server's version. */
export interface ClickHouseClientImage {
  /** Repository on Docker Hub (pulled through the ECR cache when imageCache is on). */
  readonly dockerHubRepository: string;
  readonly tag: string;
}

/** The Kubernetes objects of one ClickHouse server with one shard and one replica. */
export interface ClickHouseFlavour {
  /** "bitnami-v3" (langfuse-k8s 1.5.x subchart) or "operator" (a ClickHouseCluster). */
  readonly kind: "bitnami-v3" | "operator";
  /** Service clients connect to (HTTP 8123, native 9000). */
  readonly serviceName: string;
  /** Headless Service of the StatefulSet. */
  readonly headlessServiceName: string;
  /** StatefulSet of shard 0 (replica 0). */
  readonly statefulSetName: string;
  /** The only pod. */
  readonly podName: string;
  /** Claim of the data volume: a PodName/PVCName dimension of the disk metrics and the alarm. */
  readonly persistentVolumeClaimName: string;
  /** Container the server runs in. */
  readonly containerName: string;
  /** Labels that select the server pod (and only it: not Keeper's pods). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** HTTP interface port (the internal load balancer of the emergency cleanup). */
  readonly httpPort: number;
  /** Native protocol port (clickhouse-client in the retention and migration jobs). */
  readonly nativePort: number;
  /** clickhouse-client of the server's own version. */
  readonly clientImage: ClickHouseClientImage;
}

/** The bitnami subchart of langfuse-k8s 1.5.x (release `langfuse`): the v3 line's bundled ClickHouse. */
export const BITNAMI_V3_CLICKHOUSE: ClickHouseFlavour = {
  kind: "bitnami-v3",
  serviceName: `${RELEASE}-clickhouse`,
  headlessServiceName: `${RELEASE}-clickhouse-headless`,
  statefulSetName: `${RELEASE}-clickhouse-shard0`,
  podName: `${RELEASE}-clickhouse-shard0-0`,
  persistentVolumeClaimName: `data-${RELEASE}-clickhouse-shard0-0`,
  containerName: "clickhouse",
  podLabels: { "app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/name": "clickhouse" },
  httpPort: 8123,
  nativePort: 9000,
  clientImage: { dockerHubRepository: "bitnamilegacy/clickhouse", tag: "25.2.1-debian-12-r0" },
};

/** clickhouse/clickhouse-server 26.4: the image chart 2.0.0 gives the ClickHouseCluster (v4 needs >= 25.12). */
export const OPERATOR_CLICKHOUSE_IMAGE: ClickHouseClientImage = { dockerHubRepository: "clickhouse/clickhouse-server", tag: "26.4" };

/**
 * clickhouse-client of this project's own Jobs against an operator server (retention, the v3→v4 copy and checks):
 * an exact release of the server's 26.4 line, so it is listed in contract/image-digests.ts (a floating `26.4` tag
 * cannot be), while the ClickHouseCluster keeps the chart's tag.
 */
export const OPERATOR_CLICKHOUSE_CLIENT_IMAGE: ClickHouseClientImage = { dockerHubRepository: "clickhouse/clickhouse-server", tag: "26.4.4.38" };

/**
 * The reference a Job pulls a client image by: from contract/image-digests.ts (by digest once known), from Docker
 * Hub, or through the ECR pull-through cache `registryPrefix` (`<registry host>/<prefix>`) when one is given.
 */
export function clientImageReference(image: ClickHouseClientImage, registryPrefix?: string): string {
  const pinned = pinnedImage(`docker.io/${image.dockerHubRepository}:${image.tag}`);
  return registryPrefix ? `${registryPrefix}/${pinned.slice("docker.io/".length)}` : pinned;
}

/** Names the ClickHouse operator gives the objects of the ClickHouseCluster `clusterName` (one shard, one replica). */
export function operatorClickHouse(clusterName: string): ClickHouseFlavour {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(clusterName)) {
    throw new Error(`'clusterName' (${clusterName}) must be a DNS label (lower-case letters, digits and '-'): the operator names Services after it`);
  }
  const specific = `${clusterName}-clickhouse`;
  const statefulSet = `${specific}-0-0`;
  const pod = `${statefulSet}-0`;
  return {
    kind: "operator",
    // The operator makes no ClusterIP Service; the headless one resolves to the pod (chart 2.x points the app at it).
    serviceName: `${specific}-headless`,
    headlessServiceName: `${specific}-headless`,
    statefulSetName: statefulSet,
    podName: pod,
    persistentVolumeClaimName: `clickhouse-storage-volume-${pod}`,
    containerName: "clickhouse-server",
    podLabels: { app: specific, "clickhouse.com/role": "clickhouse-server" },
    httpPort: 8123,
    nativePort: 9000,
    clientImage: OPERATOR_CLICKHOUSE_CLIENT_IMAGE,
  };
}

/** The ClickHouseCluster chart 2.x renders for release `langfuse`: a new v4-line environment's ClickHouse. */
export const OPERATOR_V4_CLICKHOUSE: ClickHouseFlavour = operatorClickHouse(RELEASE);

/**
 * Name of the ClickHouseCluster (and KeeperCluster) the v3→v4 migration renders beside the bitnami one. Not
 * `langfuse`: the operator would then name its headless Service `langfuse-clickhouse-headless`, which the bitnami
 * subchart already owns.
 */
export const MIGRATION_CLICKHOUSE_CLUSTER = `${RELEASE}-v4`;

/** The migration's ClickHouse, which a migrated environment keeps serving from after the switch. */
export const MIGRATED_V4_CLICKHOUSE: ClickHouseFlavour = operatorClickHouse(MIGRATION_CLICKHOUSE_CLUSTER);

/** Which Langfuse tables a ClickHouse holds: the v3 app's, or the v4 app's (v3's plus events_full / events_core). */
export type ClickHouseSchema = "v3" | "v4";
