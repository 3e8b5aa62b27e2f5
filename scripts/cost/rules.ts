import { supportPhase } from "../../config/eks-versions";
import { addonPodLines } from "./addon-pods";
import type { UsageAssumptions } from "./assumptions";
import { isLangfuseV4Release, langfuseV4ChartVolumes } from "./langfuse-v4-volumes";
import { claimVolume, langfuseChartVolumes, statefulSetVolumes, volumeType, type ClaimedVolume, type StorageClasses } from "./kubernetes-volumes";
import type { PriceBook } from "./prices";
import { block, blocks, isJson, literalNumber, literalString, referencedNames, type TerraformResource } from "./synthesized";

/*
 * One pricing rule per AWS resource type (and the Kubernetes resources that make AWS create something). A rule
 * returns the monthly lines of one resource block, or says why it cannot price it; the estimate lists those as
 * unpriced rather than counting them as zero.
 */

export interface PricingContext {
  readonly prices: PriceBook;
  readonly usage: UsageAssumptions;
  /** YYYY-MM-DD, for the EKS support phase. */
  readonly today: string;
  readonly storageClasses: StorageClasses;
  /** Subnets that give instances a public IPv4 address (map_public_ip_on_launch). */
  readonly publicSubnets: ReadonlySet<string>;
  /** Subnets tagged for internet-facing load balancers (kubernetes.io/role/elb). */
  readonly elbSubnetCount: number;
  /** Nodes per node group (by node_group_name_prefix) the capacity model counts; a group not listed runs at its desired size. */
  readonly nodeCounts?: Readonly<Record<string, number>>;
  find(type: string, name: string): TerraformResource | undefined;
}

export interface LineItem {
  /** What is billed ("EKS control plane", "node group general"). */
  readonly item: string;
  /** How the figure was reached ("2 × t4g.medium × $0.0336/h"). */
  readonly detail: string;
  readonly monthlyUsd: number;
  /** Something the reader must act on (e.g. extended support). */
  readonly warning?: string;
}

export type Priced = readonly LineItem[] | { readonly unpriced: string };
export type Rule = (resource: TerraformResource, context: PricingContext) => Priced;

// cdktf suffixes logical names with a hash ("nodes_general_A0F5B3C0"); the reader wants the construct's name.
const displayName = (resource: TerraformResource) => resource.name.replace(/_[0-9A-F]{8}$/, "");
const usd = (value: number, digits = 4) => `$${value.toFixed(digits).replace(/\.?0+$/, "")}`;
const hourly = (context: PricingContext, perHour: number) => perHour * context.prices.hoursPerMonth;
const hours = (context: PricingContext) => `${context.prices.hoursPerMonth} h`;

function ebsLine(context: PricingContext, item: string, count: number, sizeGiB: number, type: string, note = ""): LineItem | { unpriced: string } {
  const price = context.prices.ebsPerGbMonth[type];
  if (price === undefined) return { unpriced: `EBS volume type ${type} is not in the price list` };
  return { item, detail: `${count} × ${sizeGiB} GiB ${type} × ${usd(price)}/GB-month${note}`, monthlyUsd: count * sizeGiB * price };
}

function collect(items: ReadonlyArray<LineItem | { unpriced: string }>): Priced {
  const failed = items.find((entry): entry is { unpriced: string } => "unpriced" in entry);
  return failed ?? (items as LineItem[]);
}

function volumeLines(context: PricingContext, volumes: readonly ClaimedVolume[]): Priced {
  return collect(
    volumes.map((volume) => {
      if (volume.sizeGiB === undefined) return { unpriced: `size of ${volume.label} is only known at apply time` };
      const { type, assumed } = volumeType(volume, context.storageClasses);
      return ebsLine(context, `EBS: ${volume.label}`, volume.count, volume.sizeGiB, type, assumed ? " (storage class not found: gp3 assumed)" : "");
    }),
  );
}

const eksCluster: Rule = (cluster, context) => {
  const version = literalString(cluster.body.version);
  const phase = version === undefined ? undefined : supportPhase(version, context.today);
  const { standardSupportPerHour, extendedSupportPerHour } = context.prices.eks;
  if (phase === "extended" || phase === "ended") {
    return [{
      item: `EKS control plane (${version}, extended support)`,
      detail: `${hours(context)} × ${usd(extendedSupportPerHour)}/h`,
      monthlyUsd: hourly(context, extendedSupportPerHour),
      warning: `Kubernetes ${version} is in extended support on ${context.today}: the control plane costs ${Math.round(extendedSupportPerHour / standardSupportPerHour)}x the standard price; upgrade cluster.kubernetesVersion`,
    }];
  }
  const note = phase === "standard" ? "standard support" : `version ${version ?? "(set at apply time)"} not in config/eks-versions.ts: standard price assumed`;
  return [{ item: `EKS control plane (${version ?? "?"}, ${note})`, detail: `${hours(context)} × ${usd(standardSupportPerHour)}/h`, monthlyUsd: hourly(context, standardSupportPerHour) }];
};

/** The root volumes of a node group: disk_size, else its launch template's volumes, else the EKS default. */
function nodeRootVolumes(group: TerraformResource, context: PricingContext): { sizeGiB: number; type: string }[] {
  const diskSize = literalNumber(group.body.disk_size);
  if (diskSize !== undefined) return [{ sizeGiB: diskSize, type: "gp3" }];
  const template = referencedNames(block(group.body.launch_template), "aws_launch_template").map((name) => context.find("aws_launch_template", name))[0];
  const volumes = blocks(template?.body.block_device_mappings).flatMap((mapping) => {
    const ebs = block(mapping.ebs);
    const size = literalNumber(ebs?.volume_size);
    return size === undefined ? [] : [{ sizeGiB: size, type: literalString(ebs?.volume_type) ?? "gp3" }];
  });
  return volumes.length > 0 ? volumes : [{ sizeGiB: context.usage.defaultNodeDiskGiB, type: "gp3" }];
}

const eksNodeGroup: Rule = (group, context) => {
  const types = Array.isArray(group.body.instance_types) ? group.body.instance_types.map(literalString) : [];
  const instanceType = types[0];
  const desired = literalNumber(block(group.body.scaling_config)?.desired_size);
  if (instanceType === undefined) return { unpriced: "instance_types is not a literal list" };
  if (desired === undefined) return { unpriced: "scaling_config.desired_size is not a literal number" };
  const onDemand = context.prices.ec2PerHour[instanceType];
  if (onDemand === undefined) return { unpriced: `instance type ${instanceType} is not in the price list` };
  const prefix = literalString(group.body.node_group_name_prefix);
  const modelled = prefix === undefined ? undefined : context.nodeCounts?.[prefix];
  const nodes = modelled ?? desired;
  const name = literalString(group.body.node_group_name) ?? displayName(group);
  const discount = context.prices.spotDiscountAssumed;
  const isSpot = group.body.capacity_type === "SPOT";
  const price = isSpot ? onDemand * (1 - discount) : onDemand;
  const spot = isSpot ? ` (Spot: on-demand ${usd(onDemand)}/h less an assumed ${Math.round(discount * 100)}%)` : "";
  const counted = modelled === undefined ? "" : ` (nodes the capacity model needs, at least minSize)`;
  const lines: Array<LineItem | { unpriced: string }> = [
    { item: `node group ${name}`, detail: `${nodes} × ${instanceType} × ${usd(price)}/h × ${hours(context)}${spot}${counted}`, monthlyUsd: nodes * hourly(context, price) },
    ...nodeRootVolumes(group, context).map((volume) => ebsLine(context, `EBS: node root volumes (${name})`, nodes, volume.sizeGiB, volume.type)),
  ];
  const subnets = referencedNames(group.body.subnet_ids, "aws_subnet");
  if (subnets.length > 0 && subnets.every((subnet) => context.publicSubnets.has(subnet))) {
    const ipPrice = context.prices.publicIpv4PerHour;
    lines.push({ item: `public IPv4 of nodes (${name}, public subnets)`, detail: `${nodes} × ${usd(ipPrice)}/h × ${hours(context)}`, monthlyUsd: nodes * hourly(context, ipPrice) });
  }
  return collect(lines);
};

const natGateway: Rule = (_gateway, context) => {
  const price = context.prices.natGateway.perHour;
  return [{ item: "NAT gateway (hourly)", detail: `${hours(context)} × ${usd(price)}/h`, monthlyUsd: hourly(context, price) }];
};

const elasticIp: Rule = (_ip, context) => {
  const price = context.prices.publicIpv4PerHour;
  return [{ item: "public IPv4 address (Elastic IP)", detail: `${hours(context)} × ${usd(price)}/h`, monthlyUsd: hourly(context, price) }];
};

/** An ALB's fixed hourly price, its assumed LCUs, and one public IPv4 address per AZ when internet-facing. */
export function albLines(context: PricingContext, label: string, internetFacing: boolean, azCount: number): LineItem[] {
  const { perHour, perLcuHour } = context.prices.applicationLoadBalancer;
  const lcu = context.usage.albLcuPerHour;
  const lines: LineItem[] = [
    { item: `ALB ${label}`, detail: `${hours(context)} × ${usd(perHour)}/h + ${lcu} LCU × ${usd(perLcuHour)}/LCU-h × ${hours(context)}`, monthlyUsd: hourly(context, perHour + lcu * perLcuHour) },
  ];
  if (internetFacing) {
    const ipPrice = context.prices.publicIpv4PerHour;
    lines.push({ item: `public IPv4 of ALB ${label}`, detail: `${azCount} AZ × ${usd(ipPrice)}/h × ${hours(context)}`, monthlyUsd: azCount * hourly(context, ipPrice) });
  }
  return lines;
}

/** An internet-facing load balancer gets an address in each public subnet it spans: the elb-tagged ones, at least 2. */
export function publicAzCount(context: PricingContext): number {
  return Math.max(2, context.elbSubnetCount || context.publicSubnets.size);
}

const loadBalancer: Rule = (balancer, context) => {
  const kind = literalString(balancer.body.load_balancer_type) ?? "application";
  const internetFacing = balancer.body.internal !== true;
  const subnets = Array.isArray(balancer.body.subnets) ? balancer.body.subnets.length : blocks(balancer.body.subnet_mapping).length;
  const azCount = subnets > 0 ? subnets : publicAzCount(context);
  const name = literalString(balancer.body.name) ?? displayName(balancer);
  if (kind === "application") return albLines(context, name, internetFacing, azCount);
  if (kind !== "network") return { unpriced: `load balancer type ${kind} is not in the price list` };
  const { perHour, perNlcuHour } = context.prices.networkLoadBalancer;
  return [{ item: `NLB ${name}`, detail: `${hours(context)} × ${usd(perHour)}/h + 1 NLCU × ${usd(perNlcuHour)}/h × ${hours(context)}`, monthlyUsd: hourly(context, perHour + perNlcuHour) }];
};

const rdsInstance: Rule = (database, context) => {
  const instanceClass = literalString(database.body.instance_class);
  if (instanceClass === undefined) return { unpriced: "instance_class is not a literal" };
  const price = context.prices.rdsPerHour[instanceClass];
  if (price === undefined) return { unpriced: `RDS instance class ${instanceClass} is not in the price list` };
  const copies = database.body.multi_az === true ? 2 : 1;
  const az = copies === 2 ? "Multi-AZ: primary + standby" : "Single-AZ";
  const storage = literalNumber(database.body.allocated_storage);
  const storageType = literalString(database.body.storage_type) ?? "gp2";
  const storagePrice = context.prices.rdsStoragePerGbMonth[storageType];
  if (storage === undefined) return { unpriced: "allocated_storage is not a literal number" };
  if (storagePrice === undefined) return { unpriced: `RDS storage type ${storageType} is not in the price list` };
  return [
    { item: `RDS ${instanceClass} (${az})`, detail: `${copies} × ${usd(price)}/h × ${hours(context)}`, monthlyUsd: copies * hourly(context, price) },
    { item: `RDS storage (${az})`, detail: `${copies} × ${storage} GB ${storageType} × ${usd(storagePrice)}/GB-month (autoscaling may grow it)`, monthlyUsd: copies * storage * storagePrice },
  ];
};

const auroraCluster: Rule = (_cluster, context) => {
  const { auroraStorageGb } = context.usage;
  const price = context.prices.auroraStoragePerGbMonth;
  return [{ item: "Aurora storage (assumed use)", detail: `${auroraStorageGb} GB × ${usd(price)}/GB-month, I/O not counted`, monthlyUsd: auroraStorageGb * price }];
};

const auroraInstance: Rule = (instance, context) => {
  if (instance.body.instance_class !== "db.serverless") return { unpriced: `Aurora provisioned class ${String(instance.body.instance_class)} is not in the price list` };
  const cluster = referencedNames(instance.body.cluster_identifier, "aws_rds_cluster").map((name) => context.find("aws_rds_cluster", name))[0];
  const minimum = literalNumber(block(cluster?.body.serverlessv2_scaling_configuration)?.min_capacity);
  if (minimum === undefined) return { unpriced: "the cluster's serverlessv2_scaling_configuration.min_capacity is not a literal" };
  const price = context.prices.auroraServerlessV2PerAcuHour;
  return [{ item: "Aurora Serverless v2 instance (at minimum capacity)", detail: `${minimum} ACU × ${usd(price)}/ACU-h × ${hours(context)}`, monthlyUsd: minimum * hourly(context, price) }];
};

function cacheNodes(context: PricingContext, nodeType: string | undefined, count: number | undefined, engine: unknown, label: string): Priced {
  if (nodeType === undefined || count === undefined) return { unpriced: "node_type or the node count is not a literal" };
  const redisPrice = context.prices.elasticachePerHour[nodeType];
  if (redisPrice === undefined) return { unpriced: `ElastiCache node type ${nodeType} is not in the price list` };
  const valkey = engine === "valkey";
  const price = valkey ? redisPrice * (1 - context.prices.valkeyNodeDiscount) : redisPrice;
  return [{ item: `ElastiCache ${label} (${valkey ? "Valkey" : String(engine ?? "redis")})`, detail: `${count} × ${nodeType} × ${usd(price)}/h × ${hours(context)}`, monthlyUsd: count * hourly(context, price) }];
}

const cacheReplicationGroup: Rule = (group, context) => {
  const shards = literalNumber(group.body.num_node_groups);
  const replicas = literalNumber(group.body.replicas_per_node_group);
  const count = shards !== undefined ? shards * ((replicas ?? 0) + 1) : (literalNumber(group.body.num_cache_clusters) ?? 1);
  return cacheNodes(context, literalString(group.body.node_type), count, group.body.engine, "replication group");
};

const cacheCluster: Rule = (cluster, context) => {
  // A member of a replication group is billed through the group's line.
  if (cluster.body.replication_group_id !== undefined) return [];
  return cacheNodes(context, literalString(cluster.body.node_type), literalNumber(cluster.body.num_cache_nodes) ?? 1, cluster.body.engine, "cluster");
};

const ebsVolume: Rule = (volume, context) => {
  const size = literalNumber(volume.body.size);
  if (size === undefined) return { unpriced: "size is not a literal number" };
  return collect([ebsLine(context, "EBS volume", 1, size, literalString(volume.body.type) ?? "gp3")]);
};

const flat = (item: string, pick: (prices: PriceBook) => number): Rule => (_resource, context) => [
  { item, detail: `${usd(pick(context.prices), 2)}/month`, monthlyUsd: pick(context.prices) },
];

const logGroup: Rule = (group, context) => {
  const gb = context.usage.logGbPerGroupMonth;
  const { logIngestionPerGb, logStoragePerGbMonth } = context.prices.cloudwatch;
  const retentionDays = literalNumber(group.body.retention_in_days) || 365;
  const storedGb = (gb * retentionDays) / 30;
  const name = literalString(group.body.name) ?? displayName(group);
  return [{
    item: `CloudWatch logs ${name}`,
    detail: `${gb} GB ingested × ${usd(logIngestionPerGb)}/GB + ${storedGb.toFixed(1)} GB kept × ${usd(logStoragePerGbMonth)}/GB-month`,
    monthlyUsd: gb * logIngestionPerGb + storedGb * logStoragePerGbMonth,
  }];
};

const lambdaFunction: Rule = (fn) => [
  { item: `Lambda ${literalString(fn.body.function_name) ?? displayName(fn)}`, detail: "priced per request: negligible at this volume", monthlyUsd: 0 },
];

const s3Bucket: Rule = (bucket, context) => {
  const gb = context.usage.s3GbPerBucket;
  const price = context.prices.s3StandardPerGbMonth;
  return [{ item: `S3 bucket ${literalString(bucket.body.bucket) ?? displayName(bucket)} (assumed ${gb} GB)`, detail: `${gb} GB × ${usd(price)}/GB-month`, monthlyUsd: gb * price }];
};

const vpcEndpoint: Rule = (endpoint, context) => {
  if ((literalString(endpoint.body.vpc_endpoint_type) ?? "Gateway") !== "Interface") return [];
  const literal = Array.isArray(endpoint.body.subnet_ids) && endpoint.body.subnet_ids.every((id) => typeof id === "string") ? endpoint.body.subnet_ids.length : undefined;
  // Subnets read from another stack are a token: assume one per AZ of the environment, as its public subnets are.
  const azs = literal ?? (context.elbSubnetCount || context.publicSubnets.size || undefined);
  if (azs === undefined) return { unpriced: "subnet_ids is not a literal list and the environment's AZ count is unknown" };
  const price = context.prices.interfaceEndpointPerAzHour;
  const service = literalString(endpoint.body.service_name)?.split(".").pop() ?? displayName(endpoint);
  const assumed = literal === undefined ? " (one per AZ assumed)" : "";
  return [{ item: `interface endpoint ${service}`, detail: `${azs} AZ × ${usd(price)}/h × ${hours(context)}${assumed}`, monthlyUsd: azs * hourly(context, price) }];
};

const helmRelease: Rule = (release, context) => {
  const volumes = isLangfuseV4Release(release) ? langfuseV4ChartVolumes(release) : langfuseChartVolumes(release);
  // An unreadable release is reported once, by the ingress scan of the estimate.
  if (volumes === undefined) return [];
  const priced = volumeLines(context, volumes);
  return "unpriced" in priced ? priced : [...priced, ...addonPodLines(release)];
};
const persistentVolumeClaim: Rule = (claim, context) => volumeLines(context, [claimVolume(claim)]);
const statefulSet: Rule = (set, context) => volumeLines(context, statefulSetVolumes(set));

const kubernetesService: Rule = (service, context) => {
  if (block(service.body.spec)?.type !== "LoadBalancer") return [];
  const annotations = block(block(service.body.metadata)?.annotations) ?? {};
  const { perHour, perNlcuHour } = context.prices.networkLoadBalancer;
  const name = literalString(block(service.body.metadata)?.name) ?? displayName(service);
  const scheme = isJson(annotations) ? annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] : undefined;
  return [{ item: `NLB for service ${name} (${scheme === "internet-facing" ? "internet-facing" : "internal"})`, detail: `${hours(context)} × ${usd(perHour)}/h + 1 NLCU × ${usd(perNlcuHour)}/h × ${hours(context)}`, monthlyUsd: hourly(context, perHour + perNlcuHour) }];
};

/** Add-ons cost nothing themselves, except Container Insights, billed per metric observation it records. */
const eksAddon: Rule = (addon, context) => {
  if (literalString(addon.body.addon_name) !== "amazon-cloudwatch-observability") return [];
  const millions = context.usage.containerInsightsMillionObservations;
  const price = context.prices.cloudwatch.containerInsightsPerMillionObservations;
  return [{ item: "Container Insights (enhanced observability)", detail: `${millions} M observations × ${usd(price)}/M (assumed volume)`, monthlyUsd: millions * price }];
};

/** A web ACL: the ACL, one rule charge per rule or managed rule group (rule_json), and the requests it inspects. */
const webAcl: Rule = (acl, context) => {
  const text = literalString(acl.body.rule_json);
  if (text === undefined) return { unpriced: "web ACL rules are only priced from a literal rule_json" };
  const rules = (JSON.parse(text) as unknown[]).length;
  const { webAclPerMonth, rulePerMonth, perMillionRequests } = context.prices.waf;
  const millions = context.usage.wafMillionRequestsPerMonth;
  return [
    {
      item: `WAF web ACL ${literalString(acl.body.name) ?? displayName(acl)}`,
      detail: `${usd(webAclPerMonth, 2)} + ${rules} rules × ${usd(rulePerMonth, 2)} + ${millions} M requests × ${usd(perMillionRequests)}/M (assumed volume)`,
      monthlyUsd: webAclPerMonth + rules * rulePerMonth + millions * perMillionRequests,
    },
  ];
};

export const RULES: Readonly<Record<string, Rule>> = {
  aws_wafv2_web_acl: webAcl,
  aws_eks_addon: eksAddon,
  aws_eks_cluster: eksCluster,
  aws_eks_node_group: eksNodeGroup,
  aws_nat_gateway: natGateway,
  aws_eip: elasticIp,
  aws_lb: loadBalancer,
  aws_alb: loadBalancer,
  aws_db_instance: rdsInstance,
  aws_rds_cluster: auroraCluster,
  aws_rds_cluster_instance: auroraInstance,
  aws_elasticache_replication_group: cacheReplicationGroup,
  aws_elasticache_cluster: cacheCluster,
  aws_ebs_volume: ebsVolume,
  aws_kms_key: flat("KMS key", (p) => p.kmsKeyPerMonth),
  aws_secretsmanager_secret: flat("Secrets Manager secret", (p) => p.secretPerMonth),
  aws_cloudwatch_metric_alarm: flat("CloudWatch alarm", (p) => p.cloudwatch.alarmPerMonth),
  aws_cloudwatch_composite_alarm: flat("CloudWatch composite alarm", (p) => p.cloudwatch.compositeAlarmPerMonth),
  aws_cloudwatch_dashboard: flat("CloudWatch dashboard", (p) => p.cloudwatch.dashboardPerMonth),
  aws_cloudwatch_log_group: logGroup,
  aws_lambda_function: lambdaFunction,
  aws_s3_bucket: s3Bucket,
  aws_route53_zone: flat("Route53 hosted zone", (p) => p.route53HostedZonePerMonth),
  aws_vpc_endpoint: vpcEndpoint,
  helm_release: helmRelease,
  kubernetes_persistent_volume_claim_v1: persistentVolumeClaim,
  kubernetes_persistent_volume_claim: persistentVolumeClaim,
  kubernetes_stateful_set_v1: statefulSet,
  kubernetes_stateful_set: statefulSet,
  kubernetes_service_v1: kubernetesService,
  kubernetes_service: kubernetesService,
};
