import { chartName, releaseValues, valueAt } from "./helm-values";
import { block, blocks, isJson, literalNumber, literalString, quantityGiB, type Json, type TerraformResource } from "./synthesized";

/*
 * EBS volumes that Kubernetes creates at run time, so they appear in the JSON only as claims: persistent volume
 * claims, stateful set claim templates, and the volumes of the Langfuse chart's bundled ClickHouse, Valkey,
 * PostgreSQL and MinIO (sized by the release's values, else the chart's defaults).
 */

/** A set of identical volumes claimed by one resource. */
export interface ClaimedVolume {
  readonly label: string;
  readonly count: number;
  /** Size of one volume; undefined when only known at apply time. */
  readonly sizeGiB: number | undefined;
  /** Requested storage class; undefined means the cluster's default class. */
  readonly storageClass: string | undefined;
}

/** langfuse-k8s 1.5.x (and its bitnami subcharts) defaults for the bundled stores. */
const CHART_DEFAULT_SIZE = "8Gi";
const CHART_DEFAULT_CLICKHOUSE_REPLICAS = 3;
const CHART_DEFAULT_ZOOKEEPER_REPLICAS = 3;
const CHART_DEFAULT_VALKEY_REPLICAS = 3;

const classOf = (values: Json, persistencePath: string): string | undefined =>
  literalString(valueAt(values, `${persistencePath}.storageClass`)) || literalString(valueAt(values, "global.defaultStorageClass")) || literalString(valueAt(values, "global.storageClass")) || undefined;

function chartVolume(values: Json, label: string, persistencePath: string, count: number): ClaimedVolume[] {
  if (valueAt(values, `${persistencePath}.enabled`) === false || count === 0) return [];
  const size = valueAt(values, `${persistencePath}.size`) ?? CHART_DEFAULT_SIZE;
  return [{ label, count, sizeGiB: quantityGiB(size), storageClass: classOf(values, persistencePath) }];
}

const deployed = (values: Json, store: string) => valueAt(values, `${store}.deploy`) !== false;
const replicas = (values: Json, path: string, fallback: number) => literalNumber(valueAt(values, path)) ?? fallback;

/** The volumes of the Langfuse chart 1.5.x's bundled stores (2.x: langfuse-v4-volumes.ts); undefined when the release's values cannot be read. */
export function langfuseChartVolumes(release: TerraformResource): ClaimedVolume[] | undefined {
  if (chartName(release) !== "langfuse") return [];
  const values = releaseValues(release);
  if (!values) return undefined;
  const volumes: ClaimedVolume[] = [];
  if (deployed(values, "clickhouse")) {
    volumes.push(...chartVolume(values, "ClickHouse data", "clickhouse.persistence", replicas(values, "clickhouse.replicaCount", CHART_DEFAULT_CLICKHOUSE_REPLICAS)));
    if (valueAt(values, "clickhouse.zookeeper.enabled") !== false) {
      volumes.push(...chartVolume(values, "ClickHouse ZooKeeper", "clickhouse.zookeeper.persistence", replicas(values, "clickhouse.zookeeper.replicaCount", CHART_DEFAULT_ZOOKEEPER_REPLICAS)));
    }
  }
  if (deployed(values, "redis")) {
    volumes.push(...chartVolume(values, "Valkey primary", "redis.primary.persistence", 1));
    if ((valueAt(values, "redis.architecture") ?? "standalone") === "replication") {
      volumes.push(...chartVolume(values, "Valkey replicas", "redis.replica.persistence", replicas(values, "redis.replica.replicaCount", CHART_DEFAULT_VALKEY_REPLICAS)));
    }
  }
  if (deployed(values, "postgresql")) volumes.push(...chartVolume(values, "bundled PostgreSQL", "postgresql.primary.persistence", 1));
  if (deployed(values, "s3")) volumes.push(...chartVolume(values, "bundled MinIO", "s3.persistence", 1));
  return volumes;
}

function claimSpecVolume(label: string, spec: Json | undefined, count: number): ClaimedVolume {
  const requests = block(block(spec?.resources)?.requests);
  return { label, count, sizeGiB: quantityGiB(requests?.storage), storageClass: literalString(spec?.storage_class_name) };
}

/** The volume of a kubernetes_persistent_volume_claim(_v1). */
export function claimVolume(claim: TerraformResource): ClaimedVolume {
  const name = literalString(block(claim.body.metadata)?.name) ?? claim.name;
  return claimSpecVolume(`claim ${name}`, block(claim.body.spec), 1);
}

/** The volumes of a kubernetes_stateful_set(_v1)'s claim templates, one per replica. */
export function statefulSetVolumes(statefulSet: TerraformResource): ClaimedVolume[] {
  const spec = block(statefulSet.body.spec);
  const count = literalNumber(spec?.replicas) ?? 1;
  return blocks(spec?.volume_claim_template).map((template) =>
    claimSpecVolume(`stateful set ${literalString(block(template.metadata)?.name) ?? statefulSet.name}`, block(template.spec), count),
  );
}

/** Storage class name → EBS volume type, and the cluster's default class, from kubernetes_storage_class(_v1). */
export interface StorageClasses {
  readonly types: ReadonlyMap<string, string>;
  readonly defaultClass: string | undefined;
}

export function storageClasses(resources: readonly TerraformResource[]): StorageClasses {
  const types = new Map<string, string>();
  let defaultClass: string | undefined;
  for (const resource of resources.filter((r) => r.type === "kubernetes_storage_class_v1" || r.type === "kubernetes_storage_class")) {
    const metadata = block(resource.body.metadata);
    const name = literalString(metadata?.name);
    if (!name) continue;
    const parameters = isJson(resource.body.parameters) ? resource.body.parameters : {};
    // The EBS CSI driver defaults to gp3, the in-tree provisioner to gp2.
    const fallback = resource.body.storage_provisioner === "ebs.csi.aws.com" ? "gp3" : "gp2";
    types.set(name, literalString(parameters.type) ?? fallback);
    const annotations = block(metadata?.annotations);
    if (annotations?.["storageclass.kubernetes.io/is-default-class"] === "true") defaultClass = name;
  }
  return { types, defaultClass };
}

/** The EBS type a volume ends up on; `assumed` when its class is not defined in the JSON. */
export function volumeType(volume: ClaimedVolume, classes: StorageClasses): { type: string; assumed: boolean } {
  const name = volume.storageClass ?? classes.defaultClass;
  const known = name === undefined ? undefined : classes.types.get(name);
  if (known) return { type: known, assumed: false };
  if (name === "gp2" || name === "gp3") return { type: name, assumed: false };
  return { type: "gp3", assumed: true };
}
