import { join } from "node:path";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { JobV1, type JobV1Spec } from "@cdktf/provider-kubernetes/lib/job-v1";
import { Release } from "@cdktf/provider-helm/lib/release";
import { AssetType, TerraformAsset, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { phaseAtLeast, type MigrationPhase } from "../../config/clickhouse-migration";
import { KEPT_SYSTEM_LOGS, REMOVED_SYSTEM_LOGS } from "../../contract/clickhouse-system-logs";
import { operatorClickHouse, type ClickHouseFlavour } from "../../contract/clickhouse-flavours";
import { migrationScript } from "./migration-scripts";

/*
 * The v3→v4 ClickHouse move (config/clickhouse-migration.ts has the phases). This construct renders, by phase:
 *
 *   side-by-side  KeeperCluster + ClickHouseCluster `<clusterName>` through the local manifests chart (a Helm
 *                 release, so the custom resources need no CRD at plan time), on the same nodes, storage class and
 *                 password Secret as the old server.
 *   copy          + the copy Job. It runs for as long as the data takes (hours on 200 GiB), longer than the
 *                 cluster token of one apply lives (~15 minutes), so the apply does not wait for it: follow it with
 *                 `kubectl -n langfuse logs -f job/clickhouse-v4-copy`.
 *   switched      + `switchGate`, a Job that verifies the row counts (so a copy still running or failed stops the
 *                 apply here) and records the switch; the stack makes the release depend on it. Then
 *                 `catchUpAfter(release)` adds the Job that copies what the old server received until the rollout.
 *   retired       + `retireGate`: the counts once more (within the retention window), which the release's removal
 *                 of the old server depends on.
 *
 * Jobs keep their names and specs from phase to phase, so Terraform never runs one twice; their scripts run with
 * the new server's clickhouse-client (26.4), which speaks to the old 25.2 server as well.
 */

const MANIFESTS_CHART = join(__dirname, "..", "..", "charts", "kubernetes-manifests");
const SCRIPT_PATH = "/scripts";
const OPERATOR_API = "clickhouse.com/v1alpha1";

/** Kubernetes requests and limits of the new server's container. */
export interface MigrationResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface ClickHouseMigrationProps {
  /** Namespace of the Langfuse release (both servers live there). */
  readonly namespace: string;
  /** The configured phase; "none" renders nothing and is refused here. */
  readonly phase: Exclude<MigrationPhase, "none">;
  /** The old server (the bitnami subchart). */
  readonly source: ClickHouseFlavour;
  /** Name of the ClickHouseCluster and KeeperCluster (MIGRATION_CLICKHOUSE_CLUSTER). */
  readonly clusterName: string;
  /** Size of the new data volume, GiB (room for the copy and for v4's historic backfill). */
  readonly storageGiB: number;
  /** Size of Keeper's volume, GiB. */
  readonly keeperStorageGiB: number;
  /** Storage class of both volumes (the ClickHouse class: gp3, Retain in prod). */
  readonly storageClassName: string;
  /** Requests and limits of the new server: the old one's, since it takes over the same load. */
  readonly resources: MigrationResources;
  /**
   * Node selector and tolerations of the new server (the dedicated ClickHouse nodes); Keeper stays on the general nodes.
   * @default - none: any node
   */
  readonly placement?: { readonly nodeSelector: Record<string, string>; readonly tolerations: Record<string, string>[] };
  /** Kubernetes Secret and key holding the `default` user's password, the same as the old server's. */
  readonly passwordSecret: { readonly name: string; readonly key: string };
  /**
   * Users configuration of the new server (settings.extraUsersConfig, ClickHouse's YAML form): the cleanup
   * function's role once it serves (constructs/clickhouse/cleanup-user.ts).
   * @default - none
   */
  readonly usersConfig?: Readonly<Record<string, unknown>>;
  /** Days Langfuse's rows are kept: older rows are not compared (retention may have dropped them). */
  readonly retentionDays: number;
  /** Days the kept system log tables (query_log, part_log) are kept on the new server. */
  readonly systemLogRetentionDays: number;
  /**
   * clickhouse/clickhouse-server and clickhouse/clickhouse-keeper repositories of the new cluster, `<registry>/` prefix
   * included, and their tag; `client` is the full reference the copy and check Jobs run (clientImageReference).
   */
  readonly images: { readonly server: string; readonly keeper: string; readonly tag: string; readonly client: string };
  /** The ClickHouse operator (its CRDs and webhook) and the storage class. */
  readonly dependsOn: ITerraformDependable[];
}

export class ClickHouseMigration extends Construct {
  /** The names the operator gives the new server's objects. */
  readonly target: ClickHouseFlavour;
  /** The Helm release of the KeeperCluster and ClickHouseCluster. */
  readonly cluster: Release;
  /** The copy (phase copy and later). */
  readonly copy?: JobV1;
  /** Verifies the copy before the release switches (phase switched and later). */
  readonly switchGate?: JobV1;
  /** Verifies the counts before the old server is removed (phase retired). */
  readonly retireGate?: JobV1;
  private readonly props: ClickHouseMigrationProps;
  private readonly script: ConfigMapV1;

  constructor(scope: Construct, id: string, props: ClickHouseMigrationProps) {
    super(scope, id);
    if ((props.phase as string) === "none") throw new Error("'phase' (none) renders no migration: create ClickHouseMigration only for a phase past none");
    if (props.storageGiB < 1 || props.keeperStorageGiB < 1) throw new Error(`'storageGiB' (${props.storageGiB}) and 'keeperStorageGiB' (${props.keeperStorageGiB}) must be at least 1`);
    this.props = props;
    this.target = operatorClickHouse(props.clusterName);
    const chart = new TerraformAsset(this, "chart", { path: MANIFESTS_CHART, type: AssetType.DIRECTORY });
    this.cluster = new Release(this, "cluster", {
      name: `clickhouse-${props.clusterName}`,
      chart: chart.path,
      namespace: props.namespace,
      values: [JSON.stringify({ manifests: clusterManifests(props) }, null, 2)],
      maxHistory: 10,
      dependsOn: props.dependsOn,
    });
    this.script = new ConfigMapV1(this, "scripts", {
      metadata: { name: "clickhouse-v4-migration", namespace: props.namespace, labels: LABELS },
      data: {
        "copy.sh": migrationScript("copy", props.retentionDays),
        "verify-switch.sh": migrationScript("verify", props.retentionDays, "switched"),
        "catchup.sh": migrationScript("catchup", props.retentionDays),
        "verify-retire.sh": migrationScript("verify", props.retentionDays, "retired"),
      },
    });
    if (phaseAtLeast(props.phase, "copy")) this.copy = this.job("copy", "copy.sh", false, [this.cluster]);
    if (phaseAtLeast(props.phase, "switched")) this.switchGate = this.job("verify-switch", "verify-switch.sh", true, [this.cluster, ...(this.copy ? [this.copy] : [])]);
    if (phaseAtLeast(props.phase, "retired")) this.retireGate = this.job("verify-retire", "verify-retire.sh", true, [this.cluster]);
  }

  /**
   * The catch-up Job, run once the release has moved to the new server (phase switched and later). The apply does
   * not wait for it: after the switch gate (up to 12 minutes) and the release's rollout (5), another 12 would
   * outlive the apply's cluster token (about 15 minutes). Nothing later in the apply needs its rows; the retire
   * gate counts them again before the old server goes, and docs/upgrading.md has the operator check it completed.
   */
  catchUpAfter(release: ITerraformDependable): JobV1 | undefined {
    if (!phaseAtLeast(this.props.phase, "switched")) return undefined;
    return this.job("catchup", "catchup.sh", false, [release]);
  }

  private job(name: string, script: string, wait: boolean, dependsOn: ITerraformDependable[]): JobV1 {
    const { props } = this;
    const spec: JobV1Spec = {
      backoffLimit: wait ? 2 : 3,
      template: {
        metadata: { labels: LABELS },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: "101", runAsGroup: "101" },
          container: [
            {
              name: "migration",
              image: props.images.client,
              command: ["/bin/bash", `${SCRIPT_PATH}/${script}`],
              env: [
                { name: "SOURCE_HOST", value: props.source.serviceName },
                { name: "SOURCE_PORT", value: String(props.source.nativePort) },
                { name: "TARGET_HOST", value: this.target.serviceName },
                { name: "TARGET_PORT", value: String(this.target.nativePort) },
                { name: "CLICKHOUSE_USER", value: "default" },
                { name: "CLICKHOUSE_PASSWORD", valueFrom: { secretKeyRef: { name: props.passwordSecret.name, key: props.passwordSecret.key } } },
                { name: "TMPDIR", value: "/tmp" },
              ],
              volumeMount: [
                { name: "scripts", mountPath: SCRIPT_PATH, readOnly: true },
                { name: "scratch", mountPath: "/tmp" },
              ],
              resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
          ],
          volume: [
            { name: "scripts", configMap: { name: this.script.metadata.name, defaultMode: "0555" } },
            { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
          ],
        },
      },
    };
    return new JobV1(this, name, {
      metadata: { name: `clickhouse-v4-${name}`, namespace: props.namespace, labels: LABELS },
      spec,
      waitForCompletion: wait,
      // A gate counts rows with FINAL on both servers: minutes on a large table, inside one apply's token lifetime.
      ...(wait ? { timeouts: { create: "12m", update: "12m" } } : {}),
      dependsOn: [this.script, ...dependsOn],
    });
  }
}

/** Labels of everything the migration renders: its ClickHouseCluster, KeeperCluster and Jobs (network policies select them). */
export const CLICKHOUSE_MIGRATION_LABELS = { "app.kubernetes.io/name": "clickhouse-v4-migration", "app.kubernetes.io/part-of": "langfuse" } as const;
const LABELS = CLICKHOUSE_MIGRATION_LABELS;

/** ClickHouse server settings: the same system log taming as the old server (constructs/langfuse/values.ts). */
function serverSettings(systemLogRetentionDays: number): Record<string, unknown> {
  return {
    ...Object.fromEntries(REMOVED_SYSTEM_LOGS.map((table) => [table, { "@remove": 1 }])),
    ...Object.fromEntries(KEPT_SYSTEM_LOGS.map((table) => [table, { ttl: `event_date + INTERVAL ${systemLogRetentionDays} DAY DELETE` }])),
  };
}

/** KeeperCluster and ClickHouseCluster as chart 2.0.0's templates render them (templates/clickhouse/*.yaml). */
export function clusterManifests(props: ClickHouseMigrationProps): Record<string, unknown>[] {
  const volume = (size: number) => ({ accessModes: ["ReadWriteOnce"], storageClassName: props.storageClassName, resources: { requests: { storage: `${size}Gi` } } });
  const podTemplate = props.placement ? { podTemplate: { nodeSelector: props.placement.nodeSelector, tolerations: props.placement.tolerations } } : {};
  const metadata = { name: props.clusterName, namespace: props.namespace, labels: LABELS };
  return [
    {
      apiVersion: OPERATOR_API,
      kind: "KeeperCluster",
      metadata,
      spec: {
        // One replica serves one ClickHouse replica (the operator requires a Keeper even then); it holds metadata only.
        replicas: 1,
        dataVolumeClaimSpec: volume(props.keeperStorageGiB),
        containerTemplate: {
          image: { repository: props.images.keeper, tag: props.images.tag },
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        },
        // On the general nodes: a dedicated ClickHouse node has no room left beside the server and the DaemonSets.
      },
    },
    {
      apiVersion: OPERATOR_API,
      kind: "ClickHouseCluster",
      metadata,
      spec: {
        replicas: 1,
        shards: 1,
        keeperClusterRef: { name: props.clusterName },
        dataVolumeClaimSpec: volume(props.storageGiB),
        containerTemplate: { image: { repository: props.images.server, tag: props.images.tag }, resources: props.resources },
        ...podTemplate,
        settings: {
          defaultUserPassword: { secret: { name: props.passwordSecret.name, key: props.passwordSecret.key } },
          extraConfig: serverSettings(props.systemLogRetentionDays),
          ...(props.usersConfig && { extraUsersConfig: props.usersConfig }),
        },
      },
    },
  ];
}
