import { COST_GOALS, DEFAULT_ASSUMPTIONS, describeAssumptions, type UsageAssumptions } from "./assumptions";
import { storageClasses } from "./kubernetes-volumes";
import { ingressLoadBalancers } from "./load-balancers";
import type { PriceBook } from "./prices";
import { albLines, publicAzCount, RULES, type LineItem, type PricingContext } from "./rules";
import { allResources, instanceCount, isJson, type SynthesizedStack, type TerraformResource } from "./synthesized";

/*
 * The monthly estimate of one synthesized environment: every resource block goes through its pricing rule, is
 * known to be free, or is listed as unpriced. Usage-driven lines that belong to the environment rather than to one
 * resource (NAT data processing, ALBs created from ingresses, the ECR image cache) are added once.
 */

/** One priced line of the report. */
export interface CostLine extends LineItem {
  readonly stack: string;
  /** The Terraform address it comes from ("aws_eks_cluster.cluster"), or what it is derived from. */
  readonly address: string;
}

/** A resource the estimate does not price, and why. Its cost is missing from the total. */
export interface UnpricedResource {
  readonly stack: string;
  readonly address: string;
  readonly reason: string;
}

export interface Estimate {
  readonly environment: string;
  readonly stacks: readonly string[];
  readonly lines: readonly CostLine[];
  readonly unpriced: readonly UnpricedResource[];
  /** Resource blocks that cost nothing by themselves (IAM, routes, security groups, Kubernetes objects …). */
  readonly freeResources: number;
  /** The same blocks counted per resource type, so the report can name every one of them. */
  readonly freeByType: Readonly<Record<string, number>>;
  readonly totalUsd: number;
  readonly goal: (typeof COST_GOALS)[string] | undefined;
  readonly warnings: readonly string[];
  readonly assumptions: readonly string[];
  readonly pricesAsOf: string;
  readonly priceSources: readonly string[];
}

export interface EstimateOptions {
  readonly environment: string;
  readonly prices: PriceBook;
  /** YYYY-MM-DD, for the EKS support phase. */
  readonly today: string;
  /** @default DEFAULT_ASSUMPTIONS */
  readonly usage?: UsageAssumptions;
  /**
   * Nodes per node group, by node_group_name_prefix, from the capacity model (scripts/cost/node-counts.ts).
   * @default - every group at its desired size
   */
  readonly nodeCounts?: Readonly<Record<string, number>>;
}

/** Configuration-only resources: no charge of their own (what they configure is priced elsewhere). */
const FREE_TYPES = new Set([
  "aws_vpc", "aws_subnet", "aws_internet_gateway", "aws_egress_only_internet_gateway", "aws_route_table", "aws_route",
  "aws_route_table_association", "aws_main_route_table_association", "aws_default_route_table", "aws_default_security_group",
  "aws_default_network_acl", "aws_network_acl", "aws_network_acl_rule", "aws_security_group", "aws_security_group_rule",
  "aws_eks_access_entry", "aws_eks_access_policy_association", "aws_eks_pod_identity_association",
  "aws_eks_identity_provider_config", "aws_launch_template", "aws_db_subnet_group", "aws_db_parameter_group",
  "aws_rds_cluster_parameter_group", "aws_db_option_group", "aws_elasticache_subnet_group", "aws_elasticache_parameter_group",
  "aws_elasticache_user", "aws_elasticache_user_group", "aws_kms_alias", "aws_kms_key_policy", "aws_kms_grant",
  "aws_secretsmanager_secret_version", "aws_secretsmanager_secret_policy", "aws_acm_certificate", "aws_acm_certificate_validation",
  "aws_route53_record", "aws_sns_topic", "aws_sns_topic_subscription", "aws_sns_topic_policy", "aws_lambda_permission",
  "aws_lambda_function_event_invoke_config", "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target", "aws_scheduler_schedule",
  "aws_scheduler_schedule_group", "aws_cloudwatch_log_metric_filter", "aws_cloudwatch_log_resource_policy",
  "aws_ecr_pull_through_cache_rule", "aws_ecr_repository", "aws_ecr_repository_creation_template", "aws_ecr_registry_policy",
  "aws_ecr_lifecycle_policy", "aws_ec2_tag", "aws_lb_listener", "aws_lb_listener_rule", "aws_lb_target_group",
  "aws_lb_target_group_attachment", "kubernetes_ingress_v1", "kubernetes_ingress", "terraform_data", "null_resource",
]);
const FREE_PREFIXES = ["aws_iam_", "aws_s3_bucket_", "aws_vpc_security_group_", "kubernetes_", "random_", "tfe_", "time_", "tls_", "null_", "local_"];

const isFree = (type: string) => FREE_TYPES.has(type) || FREE_PREFIXES.some((prefix) => type.startsWith(prefix));

function pricingContext(resources: readonly TerraformResource[], options: EstimateOptions, usage: UsageAssumptions): PricingContext {
  const byAddress = new Map(resources.map((resource) => [`${resource.type}.${resource.name}`, resource]));
  const subnets = resources.filter((r) => r.type === "aws_subnet");
  const publicSubnets = new Set(subnets.filter((r) => r.body.map_public_ip_on_launch === true).map((r) => r.name));
  // The AWS Load Balancer Controller places internet-facing ALBs in the subnets tagged kubernetes.io/role/elb.
  const elbSubnets = subnets.filter((r) => isJson(r.body.tags) && r.body.tags["kubernetes.io/role/elb"] === "1");
  return {
    prices: options.prices,
    usage,
    today: options.today,
    storageClasses: storageClasses(resources),
    publicSubnets,
    elbSubnetCount: elbSubnets.reduce((sum, subnet) => sum + (instanceCount(subnet) ?? 1), 0),
    nodeCounts: options.nodeCounts,
    find: (type, name) => byAddress.get(`${type}.${name}`),
  };
}

function scaled(line: LineItem, count: number): LineItem {
  return count === 1 ? line : { ...line, detail: `${count} × (${line.detail})`, monthlyUsd: line.monthlyUsd * count };
}

/** Lines that belong to the environment as a whole rather than to one resource block. */
function environmentLines(resources: readonly TerraformResource[], context: PricingContext): { lines: CostLine[]; unpriced: UnpricedResource[] } {
  const lines: CostLine[] = [];
  const firstOf = (types: readonly string[]) => resources.find((resource) => types.includes(resource.type));
  const nat = firstOf(["aws_nat_gateway"]);
  if (nat) {
    const { natGbPerMonth } = context.usage;
    const price = context.prices.natGateway.perGbProcessed;
    lines.push({ stack: nat.stack, address: "aws_nat_gateway (all)", item: `NAT data processing (assumed ${natGbPerMonth} GB)`, detail: `${natGbPerMonth} GB × $${price}/GB`, monthlyUsd: natGbPerMonth * price });
  }
  const registry = firstOf(["aws_ecr_pull_through_cache_rule", "aws_ecr_repository"]);
  if (registry) {
    const { ecrCacheGb } = context.usage;
    const price = context.prices.ecrStoragePerGbMonth;
    lines.push({ stack: registry.stack, address: `${registry.type} (all)`, item: `ECR image storage (assumed ${ecrCacheGb} GB)`, detail: `${ecrCacheGb} GB × $${price}/GB-month`, monthlyUsd: ecrCacheGb * price });
  }
  const { balancers, unrecognized } = ingressLoadBalancers(resources);
  for (const balancer of balancers) {
    const label = `${balancer.name} (${balancer.internetFacing ? "internet-facing" : "internal"})`;
    const address = `ingress ${balancer.ingresses.join(", ")}`;
    for (const line of albLines(context, label, balancer.internetFacing, publicAzCount(context))) lines.push({ ...line, stack: balancer.stack, address });
  }
  return { lines, unpriced: unrecognized };
}

export function estimate(stacks: readonly SynthesizedStack[], options: EstimateOptions): Estimate {
  const usage = options.usage ?? DEFAULT_ASSUMPTIONS;
  const resources = allResources(stacks);
  const context = pricingContext(resources, options, usage);
  const lines: CostLine[] = [];
  const unpriced: UnpricedResource[] = [];
  const freeByType: Record<string, number> = {};
  const free = (type: string) => (freeByType[type] = (freeByType[type] ?? 0) + 1);
  for (const resource of resources) {
    const address = `${resource.type}.${resource.name}`;
    const rule = RULES[resource.type];
    if (!rule) {
      if (isFree(resource.type)) free(resource.type);
      else unpriced.push({ stack: resource.stack, address, reason: `no price rule for resource type ${resource.type}` });
      continue;
    }
    const count = instanceCount(resource);
    const priced = rule(resource, context);
    if ("unpriced" in priced) unpriced.push({ stack: resource.stack, address, reason: priced.unpriced });
    else if (count === undefined && priced.length > 0) unpriced.push({ stack: resource.stack, address, reason: "count/for_each is only known at apply time" });
    else if (priced.length === 0) free(resource.type);
    else for (const line of priced) lines.push({ ...scaled(line, count ?? 1), stack: resource.stack, address });
  }
  const environment = environmentLines(resources, context);
  lines.push(...environment.lines);
  unpriced.push(...environment.unpriced);
  return {
    environment: options.environment,
    stacks: stacks.map((stack) => stack.name),
    lines,
    unpriced,
    freeResources: Object.values(freeByType).reduce((sum, count) => sum + count, 0),
    freeByType: Object.fromEntries(Object.entries(freeByType).sort(([a], [b]) => a.localeCompare(b))),
    totalUsd: lines.reduce((sum, line) => sum + line.monthlyUsd, 0),
    goal: COST_GOALS[options.environment],
    warnings: lines.flatMap((line) => (line.warning ? [line.warning] : [])),
    assumptions: describeAssumptions(usage),
    pricesAsOf: options.prices.asOf,
    priceSources: options.prices.source,
  };
}
