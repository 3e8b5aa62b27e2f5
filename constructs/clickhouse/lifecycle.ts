import type { ITerraformDependable } from "cdktf";
import { CLEANUP_FUNCTION_NAME } from "../../contract/role-names";
import { Construct } from "constructs";
import type { Naming } from "../../config/naming";
import type { EnvironmentConfig } from "../../config/schema";
import type { DepsOutputs, NetworkOutputs } from "../../contract/outputs";
import { CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT } from "../../contract/service-accounts";
import { ClickHouseCleanupFunction } from "./cleanup-function";
import { ClickHouseDiskMetrics } from "./disk-metrics";
import { ClickHouseEndpoint } from "./endpoint";
import { ClickHouseRetention } from "./retention";
import { BITNAMI_V3_CLICKHOUSE, clientImageReference, type ClickHouseFlavour, type ClickHouseSchema } from "../../contract/clickhouse-flavours";

/*
 * Everything that keeps the bundled ClickHouse's volume from filling up, composed in one place:
 *   retention TTLs and old-partition drops (on every deploy and daily),
 *   volume metrics every 5 minutes,
 *   the disk alarm, which notifies the alerts topic and starts the emergency cleanup function,
 *   the internal load balancer the function reaches ClickHouse through (these two only with emergencyCleanup).
 */

export interface ClickHouseLifecycleProps {
  /** Names the load balancer, the function and the maintenance cluster role. */
  readonly naming: Naming;
  /** Region of the metrics, the alarm and the function. */
  readonly region: string;
  /**
   * The ClickHouse server the lifecycle serves (service, pod, volume claim, labels, ports, client image): the
   * v3 line's bitnami subchart, or an operator-managed ClickHouseCluster (OPERATOR_V4_CLICKHOUSE for a v4-line
   * environment, MIGRATED_V4_CLICKHOUSE once a migrated one has switched), from contract/clickhouse-flavours.
   * @default BITNAMI_V3_CLICKHOUSE
   */
  readonly flavour?: ClickHouseFlavour;
  /**
   * Which Langfuse tables the server holds: "v4" once the app runs the v4 line (events_full, events_core).
   * @default "v3"
   */
  readonly schema?: ClickHouseSchema;
  /** Retention, alarm and budget settings of the environment; emergencyCleanup adds the function and its load balancer. */
  readonly clickhouse: EnvironmentConfig["clickhouse"];
  /** Version of the Langfuse chart (re-applies retention after a release's migrations). */
  readonly chartVersion: string;
  /** Namespace of the Langfuse release. */
  readonly namespace: string;
  /** The VPC and cluster the load balancer, the function and the metrics live in. */
  readonly network: Pick<NetworkOutputs, "vpc_id" | "vpc_cidr" | "workload_subnet_ids" | "cluster_name">;
  /** The cleanup function's ClickHouse secret, the maintenance role, the alerts topic and the KMS keys that guard them. */
  readonly deps: Pick<DepsOutputs, "clickhouse_cleanup_secret_arn" | "clickhouse_maintenance_role_arn" | "alerts_topic_arn" | "alerts_kms_key_arn" | "secrets_kms_key_arn">;
  /** The workload subnets route to the internet through no NAT: the function then gets AWS API endpoints. */
  readonly subnetsWithoutNat: boolean;
  /**
   * `<registry>/<prefix>` of the Docker Hub pull-through cache the chart's images come from (imageCache on): the
   * retention jobs pull the server's own ClickHouse image through it.
   * @default - straight from Docker Hub
   */
  readonly imageRegistryPrefix?: string;
  /**
   * The Helm release (its migrations create the tables) and the load balancer controller.
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * What the internal load balancer waits for. It needs only the load balancer controller's webhook, not the release:
   * an NLB targets the pod once it exists, so waiting for the release would add the NLB's wait to the apply's longest path.
   * @default - dependsOn
   */
  readonly loadBalancerDependsOn?: ITerraformDependable[];
}

export class ClickHouseLifecycle extends Construct {
  readonly retention: ClickHouseRetention;
  readonly diskMetrics: ClickHouseDiskMetrics;
  /** The internal load balancer in front of ClickHouse; undefined without emergencyCleanup. */
  readonly endpoint?: ClickHouseEndpoint;
  /** The disk alarm and the function it starts; undefined without emergencyCleanup. */
  readonly cleanup?: ClickHouseCleanupFunction;

  constructor(scope: Construct, id: string, props: ClickHouseLifecycleProps) {
    super(scope, id);
    if (props.clickhouse.mode !== "bundled") {
      throw new Error(`'clickhouse.mode' (${props.clickhouse.mode}) must be "bundled": an external ClickHouse manages its own disks and retention`);
    }
    const { clickhouse, naming, network, deps } = props;
    const flavour = props.flavour ?? BITNAMI_V3_CLICKHOUSE;
    const schema = props.schema ?? "v3";
    if (schema === "v4" && flavour.kind === "bitnami-v3") {
      throw new Error(`'schema' (v4) needs ClickHouse >= 25.12: the bitnami subchart (${flavour.clientImage.tag}) cannot hold Langfuse v4's tables; use an operator flavour`);
    }
    this.retention = new ClickHouseRetention(this, "retention", {
      namespace: props.namespace,
      clickhouseHost: flavour.serviceName,
      clickhousePort: flavour.nativePort,
      retentionDays: clickhouse.retentionDays,
      schema,
      chartVersion: props.chartVersion,
      image: clientImageReference(flavour.clientImage, props.imageRegistryPrefix),
      // The operator's server holds the cleanup function's role; its user is made in SQL (constructs/clickhouse/cleanup-user.ts).
      cleanupUser: clickhouse.emergencyCleanup && flavour.kind === "operator" ? { networkCidr: network.vpc_cidr } : undefined,
      dependsOn: props.dependsOn,
    });
    this.diskMetrics = new ClickHouseDiskMetrics(this, "disk-metrics", {
      serviceAccount: CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT,
      roleArn: deps.clickhouse_maintenance_role_arn,
      clusterName: network.cluster_name,
      region: props.region,
      clusterRolePrefix: naming.resource("clickhouse-maintenance"),
      dependsOn: props.dependsOn,
    });
    if (!clickhouse.emergencyCleanup) return;
    const endpoint = (this.endpoint = new ClickHouseEndpoint(this, "endpoint", {
      namespace: props.namespace,
      loadBalancerName: naming.resource("ch"),
      vpcId: network.vpc_id,
      vpcCidr: network.vpc_cidr,
      subnetIds: network.workload_subnet_ids,
      podSelector: flavour.podLabels,
      port: flavour.httpPort,
      dependsOn: props.loadBalancerDependsOn ?? props.dependsOn,
    }));
    this.cleanup = new ClickHouseCleanupFunction(this, "cleanup", {
      name: naming.resource(CLEANUP_FUNCTION_NAME),
      region: props.region,
      vpcId: network.vpc_id,
      subnetIds: network.workload_subnet_ids,
      clickhouseUrl: endpoint.url,
      clickhouseSecurityGroupId: endpoint.securityGroup.id,
      clickhousePort: endpoint.port,
      clickhouseSecretArn: deps.clickhouse_cleanup_secret_arn,
      secretsKmsKeyArn: deps.secrets_kms_key_arn,
      alertsTopicArn: deps.alerts_topic_arn,
      alertsKmsKeyArn: deps.alerts_kms_key_arn,
      retentionDays: clickhouse.retentionDays,
      schema,
      systemLogRetentionDays: clickhouse.systemLogRetentionDays,
      timeBudgetSeconds: clickhouse.cleanupTimeBudgetSeconds,
      diskAlarmPercent: clickhouse.diskAlarmPercent,
      volume: { clusterName: network.cluster_name, namespace: props.namespace, pvcName: flavour.persistentVolumeClaimName, podName: flavour.podName },
      createApiEndpoints: props.subnetsWithoutNat,
    });
  }
}
