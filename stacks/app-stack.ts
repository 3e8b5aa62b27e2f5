import type { Release } from "@cdktf/provider-helm/lib/release";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { DEPS_OUTPUTS, NETWORK_OUTPUTS, type DepsOutputs, type NetworkOutputs } from "../contract/outputs";
import { READINESS_GATE_NAMESPACE_LABEL } from "../contract/readiness-gates";
import { LANGFUSE_SERVICE_ACCOUNT } from "../contract/service-accounts";
import { readUpstream } from "../contract/upstream";
import { ClickHouseLifecycle } from "../constructs/clickhouse/lifecycle";
import { ClusterProviders } from "../constructs/cluster/cluster-providers";
import { LangfuseAutoscaling } from "../constructs/langfuse/autoscaling";
import { LangfuseIngress } from "../constructs/langfuse/ingress";
import { BUNDLED_VALKEY_POD_LABELS, LANGFUSE_RELEASE_NAME, V4_VALKEY_POD_LABELS, LANGFUSE_WEB_DEPLOYMENT, LANGFUSE_WEB_HPA, LANGFUSE_WEB_SERVICE, LangfuseRelease } from "../constructs/langfuse/release";
import { BITNAMI_V3_CLICKHOUSE, clientImageReference, MIGRATED_V4_CLICKHOUSE, MIGRATION_CLICKHOUSE_CLUSTER, OPERATOR_CLICKHOUSE_IMAGE, type ClickHouseFlavour } from "../contract/clickhouse-flavours";
import { CLICKHOUSE_NODE_LABEL, CLICKHOUSE_TAINT } from "../contract/scheduling";
import { CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME } from "../contract/secret-keys";
import { migrationStorageGiB } from "../config/clickhouse-migration";
import { CLICKHOUSE_MIGRATION_LABELS, ClickHouseMigration } from "../constructs/clickhouse/migration";
import { cleanupRoleConfig } from "../constructs/clickhouse/cleanup-user";
import { withMigratedClickHouse, withMovedClickHouseV4 } from "../constructs/langfuse/migration-values";
import { servingClickHouse } from "./clickhouse-serving";
import { LangfuseSecret } from "../constructs/langfuse/secret";
import { DatabaseCa } from "../constructs/langfuse/database-ca";
import { Observability } from "../constructs/observability/observability";
import { buildLangfuseValues, CLICKHOUSE_STORAGE_CLASS, componentLabels, type LangfuseChartValues, type LangfuseEndpoints } from "../constructs/langfuse/values";
import { buildLangfuseV4Values, type LangfuseV4ChartValues } from "../constructs/langfuse/values-v4";
import { CLICKHOUSE_ADDON_NAMESPACES, ClickHouseOperatorAddons } from "../constructs/platform/clickhouse-operator";
import { resolveRelease } from "../contract/langfuse-lines";
import { externalClickHousePorts, LangfuseNetworkPolicies } from "../constructs/langfuse/network-policies";
import { podSecurityLabels } from "../constructs/langfuse/pod-security";
import { LangfuseWaf } from "../constructs/langfuse/waf";
import { DISK_METRICS_POD_LABELS } from "../constructs/clickhouse/disk-metrics";
import { RETENTION_POD_LABELS } from "../constructs/clickhouse/retention";
import { PlatformAddons } from "../constructs/platform/platform-addons";
import { StorageClasses } from "../constructs/platform/storage-classes";
import { EnvironmentStack } from "./environment-stack";

/** Langfuse on the cluster: the Helm release, the Kubernetes pieces around it and the ClickHouse lifecycle. */
export class AppStack extends EnvironmentStack {
  readonly network: NetworkOutputs;
  readonly deps: DepsOutputs;
  readonly providers: ClusterProviders;
  /** Load balancer controller, metrics-server, KEDA, Cluster Autoscaler; `platform.ready` gates anything creating Services. */
  readonly platform: PlatformAddons;
  readonly storageClasses: StorageClasses;
  /** cert-manager and the ClickHouse operator; only on the v4 line with the bundled ClickHouse. */
  readonly clickhouseOperator?: ClickHouseOperatorAddons;
  /** Name of the Langfuse namespace (a reference: using it orders after the namespace). */
  readonly namespace: string;
  /** The Langfuse Helm release. */
  readonly langfuseRelease: Release;
  /** Object names of the bundled ClickHouse the app is served by, or undefined when ClickHouse is external. */
  readonly clickhouse?: ClickHouseFlavour;
  /** The ALBs, certificate and DNS record, or undefined without an ingress (dev). */
  readonly ingress?: LangfuseIngress;
  readonly autoscaling: LangfuseAutoscaling;
  /** The v3→v4 ClickHouse move, while clickhouse.migration.phase is past none. */
  readonly clickhouseMigration?: ClickHouseMigration;
  /** Retention, disk metrics, alarm and emergency cleanup of the bundled ClickHouse; undefined when external. */
  readonly clickhouseLifecycle?: ClickHouseLifecycle;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, "app", config);
    this.network = readUpstream(this, config, "network", NETWORK_OUTPUTS);
    this.deps = readUpstream(this, config, "deps", DEPS_OUTPUTS);
    const { network, deps } = this;
    // Where images come from when the environment pulls through the ECR cache; undefined means Docker Hub.
    const imageRegistryPrefix = config.imageCache.enabled ? deps.image_registry_prefix : undefined;

    this.providers = new ClusterProviders(this, "cluster", {
      clusterName: network.cluster_name,
      clusterEndpoint: network.cluster_endpoint,
      clusterCertificateAuthority: network.cluster_certificate_authority,
    });
    this.platform = new PlatformAddons(this, "platform", {
      clusterName: network.cluster_name,
      region: config.region,
      vpcId: network.vpc_id,
      loadBalancerControllerRoleArn: deps.load_balancer_controller_role_arn,
      kedaOperatorRoleArn: deps.keda_operator_role_arn,
      clusterAutoscalerRoleArn: deps.cluster_autoscaler_role_arn,
      kubernetesVersion: config.cluster.kubernetesVersion,
      imageRegistryPrefix,
    });
    this.storageClasses = new StorageClasses(this, "storage", {
      clickhouseClassName: CLICKHOUSE_STORAGE_CLASS,
      retainClickHouseVolume: config.profile === "prod",
    });

    const namespace = new NamespaceV1(this, "namespace", {
      metadata: {
        name: LANGFUSE_SERVICE_ACCOUNT.namespace,
        // Behind an ALB, the controller holds a rolling update until the new pod is healthy in the target group;
        // only pods labelled READINESS_GATE_POD_LABEL (web) get the gate (contract/readiness-gates.ts).
        labels: {
          ...podSecurityLabels(config.cluster.kubernetesVersion),
          ...(config.ingress.enabled ? { [READINESS_GATE_NAMESPACE_LABEL.key]: READINESS_GATE_NAMESPACE_LABEL.value } : {}),
        },
      },
    });
    this.namespace = namespace.metadata.name;

    const secret = new LangfuseSecret(this, "secret", {
      namespace: this.namespace,
      langfuseSecretsArn: deps.langfuse_secrets_arn,
      clickhousePasswordSecretArn: config.clickhouse.mode === "external" ? config.clickhouse.externalPasswordSecretArn : deps.clickhouse_secret_arn,
      clickhouseCleanupPasswordSecretArn: config.clickhouse.mode === "bundled" && config.clickhouse.emergencyCleanup ? deps.clickhouse_cleanup_secret_arn : undefined,
    });

    // The root web and worker verify PostgreSQL against (the values mount it and point Prisma's sslcert at it).
    const databaseCa = config.database.tlsVerification ? new DatabaseCa(this, "database-ca", { namespace: this.namespace, region: config.region }) : undefined;

    const release = resolveRelease(config.langfuse);
    const v4 = release.line === "v4";
    const serving = servingClickHouse(config, release.line);
    const migrationPhase = config.clickhouse.migration.phase;
    const policies = this.networkPolicies(config, serving?.flavour, v4 || migrationPhase !== "none");
    // The v4 chart's ClickHouse, and a v3→v4 move's new one, are custom resources the operator runs: the operator
    // (and cert-manager) come first.
    if ((v4 || migrationPhase !== "none") && config.clickhouse.mode === "bundled") {
      this.clickhouseOperator = new ClickHouseOperatorAddons(this, "clickhouse-operator", { imageRegistryPrefix });
    }
    if (config.clickhouse.mode === "bundled" && migrationPhase !== "none") {
      const clickhouse = config.clickhouse;
      const registry = imageRegistryPrefix ?? "docker.io";
      this.clickhouseMigration = new ClickHouseMigration(this, "clickhouse-migration", {
        namespace: this.namespace,
        phase: migrationPhase,
        source: BITNAMI_V3_CLICKHOUSE,
        clusterName: MIGRATION_CLICKHOUSE_CLUSTER,
        storageGiB: migrationStorageGiB(clickhouse),
        keeperStorageGiB: clickhouse.migration.keeperStorageGiB,
        storageClassName: CLICKHOUSE_STORAGE_CLASS,
        resources: {
          requests: { cpu: clickhouse.resources.cpuRequest, memory: clickhouse.resources.memoryRequest },
          limits: { cpu: clickhouse.resources.cpuLimit, memory: clickhouse.resources.memoryLimit },
        },
        placement: config.nodeGroups.clickhouse
          ? {
              nodeSelector: { [CLICKHOUSE_NODE_LABEL.key]: CLICKHOUSE_NODE_LABEL.value },
              tolerations: [{ key: CLICKHOUSE_TAINT.key, operator: "Equal", value: CLICKHOUSE_TAINT.value, effect: "NoSchedule" }],
            }
          : undefined,
        passwordSecret: { name: KUBERNETES_SECRET_NAME, key: CLICKHOUSE_PASSWORD_KEY },
        usersConfig: clickhouse.emergencyCleanup ? cleanupRoleConfig({ schema: "v4" }) : undefined,
        retentionDays: clickhouse.retentionDays,
        systemLogRetentionDays: clickhouse.systemLogRetentionDays,
        images: {
          server: `${registry}/clickhouse/clickhouse-server`,
          keeper: `${registry}/clickhouse/clickhouse-keeper`,
          tag: OPERATOR_CLICKHOUSE_IMAGE.tag,
          client: clientImageReference(MIGRATED_V4_CLICKHOUSE.clientImage, imageRegistryPrefix),
        },
        dependsOn: [secret.secret, this.storageClasses.clickhouseClass, this.platform.ready, ...policies.policies, ...(this.clickhouseOperator ? [this.clickhouseOperator.ready] : [])],
      });
    }
    const migration = this.clickhouseMigration;
    const endpoints: LangfuseEndpoints = {
      databaseHost: deps.database_host,
      databasePort: deps.database_port,
      databaseName: deps.database_name,
      databaseUsername: deps.database_username,
      bucketName: deps.bucket_name,
      bucketRegion: deps.bucket_region,
      langfuseRoleArn: deps.langfuse_role_arn,
      redisHost: deps.redis_host,
      redisPort: deps.redis_port,
      imageRegistryPrefix: deps.image_registry_prefix,
    };
    const chartValues = v4 ? buildLangfuseV4Values(config, endpoints) : buildLangfuseValues(config, endpoints);
    const values = !migration
      ? chartValues
      : v4
        ? withMovedClickHouseV4(chartValues as LangfuseV4ChartValues, migration.target)
        : withMigratedClickHouse(chartValues as LangfuseChartValues, migrationPhase, migration.target);
    // The release moves to the new ClickHouse only after the copy is verified, and drops the old one only after
    // the counts are verified again: a failed gate stops the apply before the release changes.
    const migrationGates = [migration?.switchGate, migration?.retireGate].filter((job) => job !== undefined);
    this.langfuseRelease = new LangfuseRelease(this, "langfuse", {
      namespace: this.namespace,
      chartVersion: release.chartVersion,
      values,
      // Not metrics-server: HPAs wait for metrics on their own, and that release would add its wait to the apply's path.
      // Default deny and the flows must be in place before the first pod, or its migrations race the policies.
      dependsOn: [
        ...policies.policies,
        secret.secret,
        // Web and worker mount it: without it their pods never start.
        ...(databaseCa ? [databaseCa.configMap] : []),
        this.storageClasses.defaultClass,
        this.storageClasses.clickhouseClass,
        this.platform.ready,
        ...(this.clickhouseOperator ? [this.clickhouseOperator.ready] : []),
        ...migrationGates,
      ],
    }).release;
    migration?.catchUpAfter(this.langfuseRelease);
    this.clickhouse = serving?.flavour;

    if (config.ingress.enabled && config.langfuse.domain) {
      this.ingress = new LangfuseIngress(this, "ingress", {
        namespace: this.namespace,
        domain: config.langfuse.domain,
        service: LANGFUSE_WEB_SERVICE,
        externalLoadBalancerName: this.naming.loadBalancer("external"),
        publicSubnetIds: network.public_subnet_ids,
        inboundCidrs: config.ingress.inboundCidrs,
        webAclArn: config.ingress.waf.enabled
          ? new LangfuseWaf(this, "waf", { name: this.naming.resource("waf"), rateLimitPer5Minutes: config.ingress.waf.rateLimitPer5Minutes }).webAcl.arn
          : undefined,
        certificateArn: config.ingress.certificateArn ?? undefined,
        hostedZoneId: config.ingress.hostedZoneId ?? undefined,
        internal: config.ingress.internal
          ? { loadBalancerName: this.naming.loadBalancer("internal"), subnetIds: network.workload_subnet_ids }
          : undefined,
        // Not the release: the controller creates the ALB as soon as Helm has created the web Service (it watches
        // Services), so the ALB's wait runs beside the release's instead of after it (docs/app.md, apply time budget).
        dependsOn: [this.platform.ready],
      });
    }

    const web = config.langfuse.web;
    this.autoscaling = new LangfuseAutoscaling(this, "autoscaling", {
      namespace: this.namespace,
      deploymentName: LANGFUSE_WEB_DEPLOYMENT,
      adoptedHpaName: LANGFUSE_WEB_HPA,
      minReplicas: web.minReplicas,
      maxReplicas: web.maxReplicas,
      cpuTargetPercent: web.cpuTargetPercent,
      requests: this.ingress
        ? { loadBalancerArnSuffix: this.ingress.externalLoadBalancerArnSuffix, region: config.region, requestsPerReplicaPerMinute: web.requestsPerTargetPerMinute }
        : undefined,
      dependsOn: [this.platform.keda, this.langfuseRelease],
    });

    // Only the bundled ClickHouse: an external one (ClickHouse Cloud …) manages its own disks and retention.
    if (this.clickhouse) {
      this.clickhouseLifecycle = new ClickHouseLifecycle(this, "clickhouse-lifecycle", {
        naming: this.naming,
        region: config.region,
        flavour: this.clickhouse,
        schema: serving?.schema,
        clickhouse: config.clickhouse,
        chartVersion: release.chartVersion,
        namespace: this.namespace,
        network,
        deps,
        subnetsWithoutNat: !config.network.privateSubnets || config.network.natGateways === "none",
        imageRegistryPrefix,
        dependsOn: [this.langfuseRelease, this.platform.ready],
        loadBalancerDependsOn: [this.platform.ready],
      });
    }

    const lifecycle = this.clickhouseLifecycle;
    new Observability(this, "observability", {
      naming: this.naming,
      region: config.region,
      alertsTopicArn: deps.alerts_topic_arn,
      clusterName: network.cluster_name,
      namespace: this.namespace,
      workloads: [
        { name: "web", deploymentName: LANGFUSE_WEB_DEPLOYMENT, maxReplicas: config.langfuse.web.maxReplicas },
        { name: "worker", deploymentName: `${LANGFUSE_RELEASE_NAME}-worker`, maxReplicas: config.langfuse.worker.maxReplicas },
      ],
      database: { engine: config.database.engine, identifier: deps.database_identifier },
      loadBalancerArnSuffix: this.ingress?.externalLoadBalancerArnSuffix,
      cache: config.redis.mode === "elasticache" ? { replicationGroupId: deps.redis_replication_group_id, nodeCount: config.redis.nodeCount } : undefined,
      clickhouse:
        this.clickhouse && lifecycle
          ? {
              volume: { namespace: this.namespace, persistentVolumeClaimName: this.clickhouse.persistentVolumeClaimName, podName: this.clickhouse.podName },
              cleanupPercent: lifecycle.cleanup ? config.clickhouse.diskAlarmPercent : undefined,
              cleanupFunctionName: lifecycle.cleanup?.function.functionName,
              cleanupAlarmArn: lifecycle.cleanup?.alarm.arn,
            }
          : undefined,
      thresholds: config.observability,
    });
  }

  /**
   * Default deny in the Langfuse namespace and the flows of each workload this environment runs. `serving` is the
   * bundled ClickHouse the app uses; `operatorManaged` adds the flows inside an operator-managed ClickHouse (v4 line
   * or a v3→v4 move).
   */
  private networkPolicies(config: EnvironmentConfig, serving: ClickHouseFlavour | undefined, operatorManaged: boolean): LangfuseNetworkPolicies {
    const bundled = config.clickhouse.mode === "bundled";
    const migrating = config.clickhouse.migration.phase !== "none";
    // Chart 2.x's Valkey (valkey-io chart) is not labelled like the bitnami one.
    const valkeyLabels = config.langfuse.line === "v4" ? V4_VALKEY_POD_LABELS : BUNDLED_VALKEY_POD_LABELS;
    return new LangfuseNetworkPolicies(this, "network-policies", {
      namespace: this.namespace,
      vpcCidr: this.network.vpc_cidr,
      webLabels: componentLabels("web"),
      workerLabels: componentLabels("worker"),
      clickhouse:
        bundled && serving
          ? { podLabels: serving.podLabels, httpPort: serving.httpPort, nativePort: serving.nativePort, fromLoadBalancer: config.clickhouse.emergencyCleanup }
          : undefined,
      externalClickHousePorts: bundled ? undefined : externalClickHousePorts(config.clickhouse.externalUrl, config.clickhouse.externalMigrationUrl),
      valkeyLabels: config.redis.mode === "bundled" ? valkeyLabels : undefined,
      retentionLabels: bundled ? RETENTION_POD_LABELS : undefined,
      diskMetricsLabels: bundled ? DISK_METRICS_POD_LABELS : undefined,
      clickhouseCluster:
        bundled && operatorManaged
          ? {
              members: [
                { matchExpressions: [{ key: "clickhouse.com/role", operator: "Exists" }] },
                ...(migrating ? [{ matchLabels: BITNAMI_V3_CLICKHOUSE.podLabels }, { matchLabels: CLICKHOUSE_MIGRATION_LABELS }] : []),
              ],
              operatorNamespace: CLICKHOUSE_ADDON_NAMESPACES.clickhouseOperator,
            }
          : undefined,
    });
  }
}
