import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/*
 * The dated price list the estimate multiplies by (data/prices-us-east-1.json). It is validated on load so a
 * typo in the data file fails loudly instead of pricing something at zero.
 */

const perType = z.record(z.string(), z.number().nonnegative());

const priceBookSchema = z
  .object({
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    region: z.string(),
    currency: z.literal("USD"),
    source: z.array(z.string()).min(1),
    hoursPerMonth: z.number().positive(),
    eks: z.object({ standardSupportPerHour: z.number(), extendedSupportPerHour: z.number() }),
    ec2PerHour: perType,
    rdsPerHour: perType,
    rdsStoragePerGbMonth: perType,
    auroraServerlessV2PerAcuHour: z.number(),
    auroraStoragePerGbMonth: z.number(),
    elasticachePerHour: perType,
    valkeyNodeDiscount: z.number().min(0).max(1),
    spotDiscountAssumed: z.number().min(0).max(1),
    ebsPerGbMonth: perType,
    natGateway: z.object({ perHour: z.number(), perGbProcessed: z.number() }),
    publicIpv4PerHour: z.number(),
    applicationLoadBalancer: z.object({ perHour: z.number(), perLcuHour: z.number() }),
    networkLoadBalancer: z.object({ perHour: z.number(), perNlcuHour: z.number() }),
    interfaceEndpointPerAzHour: z.number(),
    kmsKeyPerMonth: z.number(),
    secretPerMonth: z.number(),
    cloudwatch: z.object({
      containerInsightsPerMillionObservations: z.number(),
      alarmPerMonth: z.number(),
      compositeAlarmPerMonth: z.number(),
      dashboardPerMonth: z.number(),
      logIngestionPerGb: z.number(),
      logStoragePerGbMonth: z.number(),
    }),
    s3StandardPerGbMonth: z.number(),
    ecrStoragePerGbMonth: z.number(),
    route53HostedZonePerMonth: z.number(),
    waf: z.object({ webAclPerMonth: z.number(), rulePerMonth: z.number(), perMillionRequests: z.number() }),
  })
  .strict();

export type PriceBook = z.infer<typeof priceBookSchema>;

/** The price file shipped with the repository. */
export const DEFAULT_PRICE_FILE = join(__dirname, "../../data/prices-us-east-1.json");

export function loadPrices(path: string = DEFAULT_PRICE_FILE): PriceBook {
  const parsed = priceBookSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: '${issue.path.join(".")}' ${issue.message}`);
  }
  return parsed.data;
}
