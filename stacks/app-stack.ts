import type { Release } from "@cdktf/provider-helm/lib/release";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { DEPS_OUTPUTS, NETWORK_OUTPUTS, type DepsOutputs, type NetworkOutputs } from "../contract/outputs";
import { LANGFUSE_SERVICE_ACCOUNT } from "../contract/service-accounts";
import { readUpstream } from "../contract/upstream";
import { ClickHouseLifecycle } from "../constructs/clickhouse/lifecycle";
import { ClusterProviders } from "../constructs/cluster/cluster-providers";
import { LangfuseAutoscaling } from "../constructs/langfuse/autoscaling";
import { LangfuseIngress } from "../constructs/langfuse/ingress";
import { externalClickHousePorts, LangfuseNetworkPolicies } from "../constructs/langfuse/network-policies";
import { podSecurityLabels } from "../constructs/langfuse/pod-security";
import { LangfuseWaf } from "../constructs/langfuse/waf";
import { BUNDLED_CLICKHOUSE, BUNDLED_VALKEY_POD_LABELS, LANGFUSE_RELEASE_NAME, LANGFUSE_WEB_DEPLOYMENT, LANGFUSE_WEB_SERVICE, LangfuseRelease, type BundledClickHouseNames } from "../constructs/langfuse/release";
import { LangfuseSecret } from "../constructs/langfuse/secret";
import { Observability } from "../constructs/observability/observability";
import { buildLangfuseValues, CLICKHOUSE_STORAGE_CLASS, componentLabels } from "../constructs/langfuse/values";
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
  /** Name of the Langfuse namespace (a reference: using it orders after the namespace). */
  readonly namespace: string;
  /** The Langfuse Helm release. */
  readonly langfuseRelease: Release;
  /** Object names of the bundled ClickHouse, or undefined when ClickHouse is external. */
  readonly clickhouse?: BundledClickHouseNames;
  /** The ALBs, certificate and DNS record, or undefined without an ingress (dev). */
  readonly ingress?: LangfuseIngress;
  readonly autoscaling: LangfuseAutoscaling;
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
      highAvailability: config.profile === "prod",
      imageRegistryPrefix,
    });
    this.storageClasses = new StorageClasses(this, "storage", {
      clickhouseClassName: CLICKHOUSE_STORAGE_CLASS,
      retainClickHouseVolume: config.profile === "prod",
    });

    const namespace = new NamespaceV1(this, "namespace", {
      metadata: {
        name: LANGFUSE_SERVICE_ACCOUNT.namespace,
        // Behind an ALB, the controller holds a rolling update until the new pod is healthy in the target group.
        labels: {
          ...podSecurityLabels(config.cluster.kubernetesVersion),
          ...(config.ingress.enabled ? { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" } : {}),
        },
      },
    });
    this.namespace = namespace.metadata.name;

    const secret = new LangfuseSecret(this, "secret", {
      namespace: this.namespace,
      langfuseSecretsArn: deps.langfuse_secrets_arn,
      clickhousePasswordSecretArn: config.clickhouse.mode === "external" ? config.clickhouse.externalPasswordSecretArn : deps.clickhouse_secret_arn,
    });

    const policies = this.networkPolicies(config);

    const values = buildLangfuseValues(config, {
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
    });
    this.langfuseRelease = new LangfuseRelease(this, "langfuse", {
      namespace: this.namespace,
      chartVersion: config.langfuse.chartVersion,
      values,
      // Default deny and the flows must be in place before the first pod, or its migrations race the policies.
      dependsOn: [...policies.policies, secret.secret, this.storageClasses.defaultClass, this.storageClasses.clickhouseClass, this.platform.ready, this.platform.metricsServer],
    }).release;
    this.clickhouse = config.clickhouse.mode === "bundled" ? BUNDLED_CLICKHOUSE : undefined;

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
        dependsOn: [this.langfuseRelease, this.platform.ready],
      });
    }

    const web = config.langfuse.web;
    this.autoscaling = new LangfuseAutoscaling(this, "autoscaling", {
      namespace: this.namespace,
      deploymentName: LANGFUSE_WEB_DEPLOYMENT,
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
        bundled: this.clickhouse,
        clickhouse: config.clickhouse,
        chartVersion: config.langfuse.chartVersion,
        namespace: this.namespace,
        network,
        deps,
        subnetsWithoutNat: !config.network.privateSubnets || config.network.natGateways === "none",
        imageRegistryPrefix,
        dependsOn: [this.langfuseRelease, this.platform.ready],
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

  /** Default deny in the Langfuse namespace and the flows of each workload this environment runs. */
  private networkPolicies(config: EnvironmentConfig): LangfuseNetworkPolicies {
    const bundled = config.clickhouse.mode === "bundled";
    return new LangfuseNetworkPolicies(this, "network-policies", {
      namespace: this.namespace,
      vpcCidr: this.network.vpc_cidr,
      webLabels: componentLabels("web"),
      workerLabels: componentLabels("worker"),
      clickhouse: bundled
        ? { podLabels: BUNDLED_CLICKHOUSE.podLabels, httpPort: BUNDLED_CLICKHOUSE.httpPort, nativePort: BUNDLED_CLICKHOUSE.nativePort, fromLoadBalancer: config.clickhouse.emergencyCleanup }
        : undefined,
      externalClickHousePorts: bundled ? undefined : externalClickHousePorts(config.clickhouse.externalUrl, config.clickhouse.externalMigrationUrl),
      valkeyLabels: config.redis.mode === "bundled" ? BUNDLED_VALKEY_POD_LABELS : undefined,
      retentionLabels: bundled ? RETENTION_POD_LABELS : undefined,
      diskMetricsLabels: bundled ? DISK_METRICS_POD_LABELS : undefined,
    });
  }
}
