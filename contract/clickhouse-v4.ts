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
 * internal/controllerutil/labels.go (labels). The operator files are from its main branch (early 2026): the 0.0.5
 * release pinned here could not be read, so check these names against a running cluster once (docs/app.md).
 */

/** Release name and chart fullname (release `langfuse` of chart `langfuse`: the fullname is the release name). */
const FULLNAME = "langfuse";
/** The operator's prefix for a ClickHouseCluster's objects. */
const SPECIFIC = `${FULLNAME}-clickhouse`;

/** Names of the operator-managed ClickHouse of the v4 line (one shard, one replica: shard 0, replica 0). */
export const OPERATOR_CLICKHOUSE = {
  /** The ClickHouseCluster custom resource (clickhouse.com/v1alpha1). */
  clusterResourceName: FULLNAME,
  /** The KeeperCluster custom resource it references. */
  keeperResourceName: FULLNAME,
  /** Headless Service of the cluster; the only Service (no ClusterIP one). Langfuse's CLICKHOUSE_URL host. */
  headlessServiceName: `${SPECIFIC}-headless`,
  /** StatefulSet of shard 0, replica 0. */
  statefulSetName: `${SPECIFIC}-0-0`,
  /** Its only pod. */
  podName: `${SPECIFIC}-0-0-0`,
  /** Claim of the data volume: `<volumeClaimTemplate>-<statefulset>-<ordinal>`. */
  persistentVolumeClaimName: `clickhouse-storage-volume-${SPECIFIC}-0-0-0`,
  /** Container the server runs in. */
  containerName: "clickhouse-server",
  /** Labels the operator puts on every ClickHouse server pod. */
  podLabels: { "app.kubernetes.io/name": "clickhouse-server", "clickhouse.com/role": "clickhouse-server" },
  /** HTTP interface port. */
  httpPort: 8123,
  /** Native protocol port. */
  nativePort: 9000,
  /** The chart runs the cluster with ON CLUSTER DDL (CLICKHOUSE_CLUSTER_ENABLED=true) on the operator's cluster `default`. */
  clusterName: "default",
  /** ClickHouse server image the chart's cluster runs (clickhouse.cluster.image). */
  serverImage: { repository: "clickhouse/clickhouse-server", tag: "26.4" },
  /** ClickHouse Keeper image (clickhouse.keeper.image). */
  keeperImage: { repository: "clickhouse/clickhouse-keeper", tag: "26.4" },
} as const;

/** Labels the operator puts on Keeper pods. */
export const OPERATOR_KEEPER_POD_LABELS = { "app.kubernetes.io/name": "clickhouse-keeper", "clickhouse.com/role": "clickhouse-keeper" } as const;
