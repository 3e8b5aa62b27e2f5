/*
 * The AWS regions an environment may name, with the availability zones EKS can use there. A pattern is not
 * enough (`us-east-9` matches one): a region that does not exist fails only at the first apply.
 *
 * `eksZones` counts the zones a new account sees in the region minus those where EKS cannot place a control
 * plane (use1-az3, usw1-az2, cac1-az3; constructs/network/vpc.ts excludes the same ones). `optIn` regions
 * must be enabled in the account before anything can be created there.
 * Add a row when AWS opens a region (and EKS runs there).
 *
 * @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 * @see https://aws.amazon.com/about-aws/global-infrastructure/regions_az/
 * @see https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html (zones EKS does not support)
 */

/** One region: its partition (the `arn:<partition>:` of its ARNs), usable zones and whether it is opt-in. */
export interface AwsRegion {
  /** ARN partition of the region. */
  readonly partition: "aws" | "aws-us-gov" | "aws-cn";
  /** Availability zones EKS can use there for a new account. */
  readonly eksZones: number;
  /** The account must enable the region first (Account settings → Regions). */
  readonly optIn: boolean;
}

const region = (eksZones: number, optIn = false, partition: AwsRegion["partition"] = "aws"): AwsRegion => ({ partition, eksZones, optIn });

export const AWS_REGIONS: Readonly<Record<string, AwsRegion>> = {
  "us-east-1": region(5),
  "us-east-2": region(3),
  "us-west-1": region(2),
  "us-west-2": region(4),
  "ca-central-1": region(3),
  "ca-west-1": region(3, true),
  "mx-central-1": region(3, true),
  "sa-east-1": region(3),
  "eu-west-1": region(3),
  "eu-west-2": region(3),
  "eu-west-3": region(3),
  "eu-central-1": region(3),
  "eu-central-2": region(3, true),
  "eu-north-1": region(3),
  "eu-south-1": region(3, true),
  "eu-south-2": region(3, true),
  "il-central-1": region(3, true),
  "me-south-1": region(3, true),
  "me-central-1": region(3, true),
  "af-south-1": region(3, true),
  "ap-east-1": region(3, true),
  "ap-east-2": region(3, true),
  "ap-south-1": region(3),
  "ap-south-2": region(3, true),
  "ap-northeast-1": region(3),
  "ap-northeast-2": region(4),
  "ap-northeast-3": region(3),
  "ap-southeast-1": region(3),
  "ap-southeast-2": region(3),
  "ap-southeast-3": region(3, true),
  "ap-southeast-4": region(3, true),
  "ap-southeast-5": region(3, true),
  "ap-southeast-6": region(3, true),
  "ap-southeast-7": region(3, true),
  "us-gov-west-1": region(3, false, "aws-us-gov"),
  "us-gov-east-1": region(3, false, "aws-us-gov"),
  "cn-north-1": region(3, false, "aws-cn"),
  "cn-northwest-1": region(3, false, "aws-cn"),
};

/** The region names, for messages and the configuration reference. */
export const AWS_REGION_NAMES: readonly string[] = Object.keys(AWS_REGIONS);
