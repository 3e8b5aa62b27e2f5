import { chartName, releaseValues, valueAt } from "./helm-values";
import type { ClaimedVolume } from "./kubernetes-volumes";
import { literalNumber, literalString, quantityGiB, type Json, type TerraformResource } from "./synthesized";

/*
 * The EBS volumes of the langfuse chart 2.x (Langfuse v4): the ClickHouseCluster's and KeeperCluster's claims
 * (one per replica, created by the ClickHouse operator), the bundled Valkey (valkey-io chart), PostgreSQL
 * (groundhog2k chart) and SeaweedFS, sized by the release's values, else the chart 2.0.0 defaults.
 */

/** langfuse-k8s 2.0.0 defaults (values.yaml). */
const DEFAULTS = {
  clickhouseReplicas: 1,
  clickhouseSize: "100Gi",
  keeperReplicas: 3,
  keeperSize: "20Gi",
  valkeySize: "8Gi",
  valkeyReplicaSize: "8Gi",
  postgresqlSize: "20Gi",
  seaweedfsSize: "50Gi",
} as const;

/** True for a release of the langfuse chart 2.x. */
export function isLangfuseV4Release(release: TerraformResource): boolean {
  return chartName(release) === "langfuse" && /^2\./.test(literalString(release.body.version) ?? "");
}

const deployed = (values: Json, store: string) => valueAt(values, `${store}.deploy`) !== false;
const className = (values: Json, path: string) => literalString(valueAt(values, path)) || undefined;

function volume(values: Json, label: string, count: number, sizePath: string, fallbackSize: string, classPath: string): ClaimedVolume[] {
  if (count === 0) return [];
  return [{ label, count, sizeGiB: quantityGiB(valueAt(values, sizePath) ?? fallbackSize), storageClass: className(values, classPath) }];
}

/** The volumes of a langfuse chart 2.x release; undefined when its values cannot be read. */
export function langfuseV4ChartVolumes(release: TerraformResource): ClaimedVolume[] | undefined {
  const values = releaseValues(release);
  if (!values) return undefined;
  const volumes: ClaimedVolume[] = [];
  if (deployed(values, "clickhouse")) {
    const replicas = literalNumber(valueAt(values, "clickhouse.cluster.replicas")) ?? DEFAULTS.clickhouseReplicas;
    volumes.push(...volume(values, "ClickHouse data (operator)", replicas, "clickhouse.cluster.storage.size", DEFAULTS.clickhouseSize, "clickhouse.cluster.storage.className"));
    if (valueAt(values, "clickhouse.keeper.enabled") !== false) {
      const keepers = literalNumber(valueAt(values, "clickhouse.keeper.replicas")) ?? DEFAULTS.keeperReplicas;
      volumes.push(...volume(values, "ClickHouse Keeper", keepers, "clickhouse.keeper.storage.size", DEFAULTS.keeperSize, "clickhouse.keeper.storage.className"));
    }
  }
  if (deployed(values, "redis") && valueAt(values, "redis.dataStorage.enabled") !== false) {
    volumes.push(...volume(values, "Valkey primary", 1, "redis.dataStorage.requestedSize", DEFAULTS.valkeySize, "redis.dataStorage.className"));
    if (valueAt(values, "redis.replica.enabled") === true) {
      const replicas = literalNumber(valueAt(values, "redis.replica.replicas")) ?? 0;
      volumes.push(...volume(values, "Valkey replicas", replicas, "redis.replica.persistence.size", DEFAULTS.valkeyReplicaSize, "redis.replica.persistence.storageClass"));
    }
  }
  if (deployed(values, "postgresql")) volumes.push(...volume(values, "bundled PostgreSQL", 1, "postgresql.storage.requestedSize", DEFAULTS.postgresqlSize, "postgresql.storage.className"));
  if (deployed(values, "s3")) volumes.push(...volume(values, "bundled SeaweedFS", 1, "s3.allInOne.data.size", DEFAULTS.seaweedfsSize, "s3.allInOne.data.storageClass"));
  return volumes;
}
