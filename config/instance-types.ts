/*
 * The instance types this project accepts, by family and size. A type that does not exist (`t4g.medum`,
 * `r7g.3xlarge`) or has the wrong prefix (`t4g.micro` for RDS) would synthesize and fail only at apply, after
 * the network stack has been waiting on a node group for many minutes. Families outside these lists may well
 * exist: add them here (with their sizes from the pages below) when an environment needs one.
 *
 * @see https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html
 */

const BURSTABLE = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"];
const GRAVITON = ["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"];
const GRAVITON4 = ["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"];
const INTEL_5 = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"];
const INTEL_6 = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"];
const INTEL_7 = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"];

/** EC2 families for node groups, with their sizes. Graviton (arm64) families have a `g` after the generation. */
export const EC2_INSTANCE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  t3: BURSTABLE,
  t3a: BURSTABLE,
  t4g: BURSTABLE,
  m6g: GRAVITON,
  c6g: GRAVITON,
  r6g: GRAVITON,
  m7g: GRAVITON,
  c7g: GRAVITON,
  r7g: GRAVITON,
  m8g: GRAVITON4,
  c8g: GRAVITON4,
  r8g: GRAVITON4,
  m5: INTEL_5,
  r5: INTEL_5,
  c5: ["large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge", "metal"],
  m6i: INTEL_6,
  c6i: INTEL_6,
  r6i: INTEL_6,
  m7i: INTEL_7,
  c7i: INTEL_7,
  r7i: INTEL_7,
};

const RDS_BURSTABLE = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
const RDS_GRAVITON = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];

/** RDS for PostgreSQL instance classes (`db.<family>.<size>`). */
export const RDS_INSTANCE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  t3: RDS_BURSTABLE,
  t4g: RDS_BURSTABLE,
  m6g: RDS_GRAVITON,
  m7g: RDS_GRAVITON,
  r6g: RDS_GRAVITON,
  r7g: RDS_GRAVITON,
  m5: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  r5: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"],
  m6i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
  r6i: ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"],
};

const CACHE_GRAVITON = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];

/** ElastiCache node types (`cache.<family>.<size>`) that run Valkey. */
export const CACHE_NODE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  t3: ["micro", "small", "medium"],
  t4g: ["micro", "small", "medium"],
  m6g: CACHE_GRAVITON,
  m7g: CACHE_GRAVITON,
  r6g: CACHE_GRAVITON,
  r7g: CACHE_GRAVITON,
  m5: ["large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"],
  r5: ["large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"],
};

/** A catalogue of types written `<prefix><family>.<size>`. */
export interface InstanceCatalogue {
  /** `db.`, `cache.` or "" for EC2. */
  readonly prefix: string;
  /** Families with their sizes. */
  readonly families: Readonly<Record<string, readonly string[]>>;
  /** An example for messages. */
  readonly example: string;
}

export const EC2: InstanceCatalogue = { prefix: "", families: EC2_INSTANCE_FAMILIES, example: "t4g.medium" };
export const RDS: InstanceCatalogue = { prefix: "db.", families: RDS_INSTANCE_FAMILIES, example: "db.t4g.small" };
export const ELASTICACHE: InstanceCatalogue = { prefix: "cache.", families: CACHE_NODE_FAMILIES, example: "cache.t4g.micro" };

/** Why `type` is not in `catalogue`, or undefined when it is. */
export function instanceTypeProblem(type: string, catalogue: InstanceCatalogue): string | undefined {
  if (!type.startsWith(catalogue.prefix)) return `must start with '${catalogue.prefix}' (e.g. ${catalogue.example})`;
  const [family, size, ...rest] = type.slice(catalogue.prefix.length).split(".");
  const sizes = catalogue.families[family];
  if (!sizes || size === undefined || rest.length > 0) {
    return `is not a type this project knows; use one of the families ${Object.keys(catalogue.families).join(", ")} (e.g. ${catalogue.example}), or add the family to config/instance-types.ts if AWS offers it`;
  }
  if (!sizes.includes(size)) return `${catalogue.prefix}${family} comes in ${sizes.join(", ")}; '${size}' does not exist`;
  return undefined;
}
