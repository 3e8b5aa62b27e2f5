/*
 * Names of the ClickHouse the v4 line runs: the langfuse chart (2.0.x) renders a ClickHouseCluster and a
 * KeeperCluster, both named after the release's fullname, and the ClickHouse operator (ClickHouse/clickhouse-operator)
 * names what it creates from them. Everything that reaches that ClickHouse by name (the retention jobs, disk
 * metrics and alarm, the cleanup function's load balancer, the v3 → v4 copy) reads these, never spells them.
 *
 * Sources: the chart's templates/clickhouse/{cluster,keeper}.yaml and _helpers.tpl (fullname, `<fullname>-clickhouse-headless`
 * as CLICKHOUSE_URL host); the operator's api/v1alpha1/clickhousecluster_types.go (SpecificName `<name>-clickhouse`,
 * one StatefulSet per replica `<name>-clickhouse-<shard>-<replica>`), internal/controller/clickhouse/constants.go
 * (volume claim template `clickhouse-storage-volume`, container `clickhouse-server`, ports) and
 * internal/controllerutil/labels.go (labels); contract/clickhouse-flavours.ts derives them. The operator files are
 * from its main branch (early 2026): the 0.0.5 release pinned here could not be read, so check these names against
 * a running cluster once (docs/app.md).
 */

import { OPERATOR_CLICKHOUSE_IMAGE, operatorClickHouse } from "./clickhouse-flavours";

/** Release name and chart fullname (release `langfuse` of chart `langfuse`: the fullname is the release name). */
const FULLNAME = "langfuse";
/**
 * The operator's names for the chart's ClickHouseCluster: contract/clickhouse-flavours.ts is the one place they are
 * derived (operatorClickHouse), so the values builder, the lifecycle and the network policies cannot disagree.
 */
const NAMES = operatorClickHouse(FULLNAME);

/** Names of the operator-managed ClickHouse of the v4 line (one shard, one replica: shard 0, replica 0). */
export const OPERATOR_CLICKHOUSE = {
  /** The ClickHouseCluster custom resource (clickhouse.com/v1alpha1). */
  clusterResourceName: FULLNAME,
  /** The KeeperCluster custom resource it references. */
  keeperResourceName: FULLNAME,
  /** Headless Service of the cluster; the only Service (no ClusterIP one). Langfuse's CLICKHOUSE_URL host. */
  headlessServiceName: NAMES.headlessServiceName,
  /** StatefulSet of shard 0, replica 0. */
  statefulSetName: NAMES.statefulSetName,
  /** Its only pod. */
  podName: NAMES.podName,
  /** Claim of the data volume: `<volumeClaimTemplate>-<statefulset>-<ordinal>`. */
  persistentVolumeClaimName: NAMES.persistentVolumeClaimName,
  /** Container the server runs in. */
  containerName: NAMES.containerName,
  /**
   * Labels that select this cluster's server pods only: `app=<name>-clickhouse` (the operator's own selector for
   * them) and the server role. `app.kubernetes.io/name=clickhouse-server` alone would also select the server of
   * any other ClickHouseCluster in the namespace (the v3→v4 migration's).
   */
  podLabels: NAMES.podLabels,
  /** HTTP interface port. */
  httpPort: NAMES.httpPort,
  /** Native protocol port. */
  nativePort: NAMES.nativePort,
  /** The chart runs the cluster with ON CLUSTER DDL (CLICKHOUSE_CLUSTER_ENABLED=true) on the operator's cluster `default`. */
  clusterName: "default",
  /** ClickHouse server image the chart's cluster runs (clickhouse.cluster.image). */
  serverImage: { repository: OPERATOR_CLICKHOUSE_IMAGE.dockerHubRepository, tag: OPERATOR_CLICKHOUSE_IMAGE.tag },
  /** ClickHouse Keeper image (clickhouse.keeper.image). */
  keeperImage: { repository: "clickhouse/clickhouse-keeper", tag: OPERATOR_CLICKHOUSE_IMAGE.tag },
} as const;

/** Labels that select the Keeper pods of the KeeperCluster `langfuse` (the operator names them `<name>-keeper`). */
export const OPERATOR_KEEPER_POD_LABELS = { app: `${FULLNAME}-keeper`, "clickhouse.com/role": "clickhouse-keeper" } as const;
