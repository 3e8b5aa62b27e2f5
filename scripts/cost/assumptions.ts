/*
 * What the estimate cannot read from the synthesized JSON: usage. Each figure is printed with the report, so a
 * reader can scale the usage-driven lines to their own traffic. Sized for the production seed's ~8,000 chats a day.
 */
export interface UsageAssumptions {
  /** Load balancer capacity units per hour per ALB (1 LCU = 25 new connections/s or 1 GB/h processed). */
  readonly albLcuPerHour: number;
  /** Data processed by all NAT gateways of the environment, GB per month (image pulls, calls to LLM APIs). */
  readonly natGbPerMonth: number;
  /** Objects kept per S3 bucket (events, exports, media), GB. */
  readonly s3GbPerBucket: number;
  /** Logs ingested per CloudWatch log group, GB per month (EKS audit logs dominate). */
  readonly logGbPerGroupMonth: number;
  /** Images cached by ECR pull-through rules in the environment, GB. */
  readonly ecrCacheGb: number;
  /** Container Insights (enhanced observability) observations a month: ~40 metrics per pod, node and container each minute for ~30 pods. */
  readonly containerInsightsMillionObservations: number;
  /** Aurora cluster storage used, GB. */
  readonly auroraStorageGb: number;
  /** Root volume of a managed node when neither disk_size nor a launch template sets it (the EKS default), GiB. */
  readonly defaultNodeDiskGiB: number;
  /** Requests a WAF web ACL inspects a month, millions (~8,000 chats a day: SDK ingestion batches and the UI). */
  readonly wafMillionRequestsPerMonth: number;
}

export const DEFAULT_ASSUMPTIONS: UsageAssumptions = {
  albLcuPerHour: 1,
  natGbPerMonth: 50,
  s3GbPerBucket: 50,
  logGbPerGroupMonth: 1,
  ecrCacheGb: 5,
  containerInsightsMillionObservations: 60,
  auroraStorageGb: 20,
  defaultNodeDiskGiB: 20,
  wafMillionRequestsPerMonth: 5,
};

/** The monthly figures to beat, per environment name, from the seeds this project replaces. */
export const COST_GOALS: Readonly<Record<string, { readonly usdPerMonth: number; readonly baseline: string }>> = {
  dev: { usdPerMonth: 150, baseline: "the three-workspaces seed's dev (~$150/month)" },
  prod: { usdPerMonth: 518, baseline: "the ECS seed's production (~$518/month)" },
};

/** The assumptions as sentences, for the report. */
export function describeAssumptions(usage: UsageAssumptions): string[] {
  return [
    "Prices are on-demand list prices, except Spot node groups: on-demand less the assumed Spot discount of the price file (Spot prices move hourly).",
    "Every hourly resource runs the whole month (730 hours); node groups run the nodes the capacity model needs at minimum replicas, never fewer than minSize (npm run capacity; without the model, their desired size). The total at max scale prices the nodes needed with web and worker at maxReplicas.",
    `Each ALB uses ${usage.albLcuPerHour} LCU every hour.`,
    `NAT gateways process ${usage.natGbPerMonth} GB a month in total.`,
    `Each S3 bucket holds ${usage.s3GbPerBucket} GB (Standard); requests are not counted.`,
    `Each CloudWatch log group ingests ${usage.logGbPerGroupMonth} GB a month.`,
    `ECR pull-through caches hold ${usage.ecrCacheGb} GB of images.`,
    `Container Insights records ${usage.containerInsightsMillionObservations} million observations a month (about 30 pods, their containers and nodes, each minute).`,
    `Aurora clusters store ${usage.auroraStorageGb} GB; I/O requests are not counted.`,
    `A node group without disk_size or a launch-template volume gets the EKS default ${usage.defaultNodeDiskGiB} GiB root volume.`,
    "A persistent volume claim whose storage class cannot be resolved is priced as gp3.",
    `A WAF web ACL inspects ${usage.wafMillionRequestsPerMonth} million requests a month.`,
    "Lambda, SNS, EventBridge and other request-priced services are listed at $0: their volume here stays in the free tier.",
    "Data transfer out of AWS, support plans and taxes are not included.",
  ];
}
