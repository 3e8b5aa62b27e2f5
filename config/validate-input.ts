import { posix } from "node:path";
import { AWS_REGION_NAMES, AWS_REGIONS, type AwsRegion } from "./aws-regions";
import { ConfigError } from "./errors";
import { EC2, ELASTICACHE, instanceTypeProblem, RDS } from "./instance-types";
import { CLOUDWATCH_RETENTION_DAYS, MAX_DEFAULT_TAGS, MAX_TAG_KEY_LENGTH, MAX_TAG_VALUE_LENGTH } from "./limits";
import { derivedNames, nameProblem } from "./name-limits";
import { hasUrlCredentials } from "./secrets";
import type { EnvironmentConfig, ResourceSettings } from "./schema";

/*
 * Checks of values AWS, Terraform Cloud, Kubernetes or ClickHouse would reject or misread at apply: each a
 * ConfigError at synth naming the key, the value (hidden when it looks like a secret) and the fix.
 */

type Key = (path: string) => string;
type Check = (config: EnvironmentConfig, key: Key) => void;

/** Regions whose name shares the first part (eu-, us-gov- …) with `name`, to suggest. */
function nearbyRegions(name: string): string {
  const area = name.split("-")[0];
  const near = AWS_REGION_NAMES.filter((region) => region.startsWith(`${area}-`));
  return (near.length > 0 ? near : AWS_REGION_NAMES).join(", ");
}

function requireRegion(name: string, key: string): AwsRegion {
  const region = AWS_REGIONS[name];
  if (!region) throw new ConfigError(key, name, `is not an AWS region this project knows; use one of ${nearbyRegions(name)} (config/aws-regions.ts lists them all)`);
  return region;
}

const checkRegions: Check = ({ region, network, backend }, key) => {
  const known = requireRegion(region, key("region"));
  if (backend.type === "s3") requireRegion(backend.region, key("backend.region"));
  if (network.azCount > known.eksZones) {
    throw new ConfigError(key("network.azCount"), network.azCount, `${region} has ${known.eksZones} availability zones EKS can use; set azCount to ${known.eksZones} or less`);
  }
};

const checkLogRetention: Check = ({ cluster }, key) => {
  if (!(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(cluster.logRetentionDays)) {
    const closest = CLOUDWATCH_RETENTION_DAYS.reduce((best, days) => (Math.abs(days - cluster.logRetentionDays) < Math.abs(best - cluster.logRetentionDays) ? days : best));
    throw new ConfigError(key("cluster.logRetentionDays"), cluster.logRetentionDays, `CloudWatch Logs accepts only ${CLOUDWATCH_RETENTION_DAYS.join(", ")} days; the closest is ${closest}`);
  }
};

const checkInstanceTypes: Check = ({ nodeGroups, database, redis }, key) => {
  const groups = [["general", nodeGroups.general], ["clickhouse", nodeGroups.clickhouse]] as const;
  for (const [name, group] of groups) {
    group?.instanceTypes.forEach((type, i) => {
      const problem = instanceTypeProblem(type, EC2);
      if (problem) throw new ConfigError(key(`nodeGroups.${name}.instanceTypes.${i}`), type, problem);
    });
  }
  const rdsProblem = database.engine === "rds-postgres" ? instanceTypeProblem(database.instanceClass, RDS) : undefined;
  if (rdsProblem) throw new ConfigError(key("database.instanceClass"), database.instanceClass, rdsProblem);
  const cacheProblem = redis.mode === "elasticache" ? instanceTypeProblem(redis.nodeType, ELASTICACHE) : undefined;
  if (cacheProblem) throw new ConfigError(key("redis.nodeType"), redis.nodeType, cacheProblem);
};

/**
 * S3 general purpose bucket naming rules.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters; S3 bucket names have 3 to 63`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return "S3 bucket names use lowercase letters, digits, dots and hyphens, and start and end with a letter or digit";
  if (name.includes("..")) return "S3 bucket names cannot have two dots in a row";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "S3 bucket names cannot look like an IP address";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return "S3 reserves this prefix or suffix";
  return undefined;
}

/** Local state must survive every synth: inside the repository, never in a folder a synth regenerates. */
function isSafeStateFolder(directory: string): boolean {
  const normalized = posix.normalize(directory);
  if (!/^[\w./-]+$/.test(directory) || posix.isAbsolute(normalized) || normalized === "." || normalized.startsWith("..")) return false;
  const top = normalized.split("/")[0];
  return top !== "cdktf.out" && top !== "synth";
}

/**
 * Terraform Cloud names: organizations use letters, digits, - and _; projects also spaces, up to 40 characters.
 * @see https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/organizations
 * @see https://developer.hashicorp.com/terraform/cloud-docs/projects/manage
 */
const checkBackend: Check = ({ backend }, key) => {
  if (backend.type === "s3") {
    const problem = bucketNameProblem(backend.bucket);
    if (problem) throw new ConfigError(key("backend.bucket"), backend.bucket, problem);
  }
  if (backend.type === "local" && !isSafeStateFolder(backend.directory)) {
    throw new ConfigError(key("backend.directory"), backend.directory, "must be a folder inside the repository, outside cdktf.out and synth (every synth clears those), such as .state");
  }
  if (backend.type !== "cloud") return;
  if (!/^[A-Za-z0-9_-]+$/.test(backend.organization)) {
    throw new ConfigError(key("backend.organization"), backend.organization, "a Terraform Cloud organization name has only letters, digits, - and _; copy it from the organization's settings page");
  }
  if (!/^[A-Za-z0-9 _-]{1,40}$/.test(backend.project)) {
    throw new ConfigError(key("backend.project"), backend.project, "a Terraform Cloud project name has 1 to 40 letters, digits, spaces, - and _");
  }
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(backend.hostname)) {
    throw new ConfigError(key("backend.hostname"), backend.hostname, "must be the host name of Terraform Cloud or Enterprise (app.terraform.io), without https:// or a path");
  }
};

/** The region and partition of an ARN (`arn:<partition>:<service>:<region>:…`). */
function arnParts(arn: string): { partition: string; region: string } | undefined {
  const parts = arn.split(":");
  return parts.length >= 6 && parts[0] === "arn" ? { partition: parts[1], region: parts[3] } : undefined;
}

/** A regional resource (ACM certificate, secret) must live in the environment's region, in its partition. */
function requireSameRegion(arn: string, path: string, what: string, config: EnvironmentConfig, key: Key): void {
  const parts = arnParts(arn);
  if (!parts) return; // the shape checks of validate.ts name what a well-formed ARN looks like
  if (parts.region !== config.region) {
    throw new ConfigError(key(path), arn, `${what} is in ${parts.region || "no region"}, the environment in ${config.region}: AWS uses it only in its own region; create it in ${config.region} and give that ARN`);
  }
  const partition = AWS_REGIONS[config.region]?.partition;
  if (partition && parts.partition !== partition) {
    throw new ConfigError(key(path), arn, `ARNs of ${config.region} start with arn:${partition}:`);
  }
}

const checkArnRegions: Check = (config, key) => {
  const { ingress, imageCache, clickhouse, cluster } = config;
  if (ingress.enabled && ingress.certificateArn) requireSameRegion(ingress.certificateArn, "ingress.certificateArn", "the ALB's ACM certificate", config, key);
  if (imageCache.enabled && imageCache.dockerHubCredentialArn) {
    requireSameRegion(imageCache.dockerHubCredentialArn, "imageCache.dockerHubCredentialArn", "the pull-through cache's Docker Hub credential", config, key);
  }
  if (clickhouse.mode === "external" && clickhouse.externalPasswordSecretArn.startsWith("arn:")) {
    requireSameRegion(clickhouse.externalPasswordSecretArn, "clickhouse.externalPasswordSecretArn", "the ClickHouse password secret", config, key);
  }
  const partition = AWS_REGIONS[config.region]?.partition;
  cluster.adminPrincipalArns.forEach((arn, i) => {
    if (partition && arnParts(arn)?.partition !== partition) throw new ConfigError(key(`cluster.adminPrincipalArns.${i}`), arn, `ARNs of ${config.region} start with arn:${partition}:`);
  });
};

/** Every string of the configuration with its dotted path. */
function strings(node: unknown, path: string[] = []): [string, string][] {
  if (typeof node === "string") return [[path.join("."), node]];
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([name, value]) => strings(value, [...path, name]));
}

/** A password inside a URL lands in the chart values, the plan and every log that prints the URL. */
const checkNoUrlCredentials: Check = (config, key) => {
  for (const [path, value] of strings(config)) {
    if (hasUrlCredentials(value)) {
      throw new ConfigError(key(path), value, "a URL must not carry a user or password: remove the user:password@ part and give credentials through their own keys (a password goes in Secrets Manager, by ARN)");
    }
  }
};

/** Every name the stacks derive from namePrefix and the environment name, against its limit. */
const checkDerivedNames: Check = (config, key) => {
  for (const { name, rule } of derivedNames(config)) {
    const problem = nameProblem(name, rule);
    if (problem) {
      throw new ConfigError(
        key("namePrefix"),
        config.namePrefix,
        `the ${rule.what} '${name}' ${problem} (${rule.see}); shorten namePrefix (${config.namePrefix.length} characters) or the environment name '${config.name}' (${config.name.length}), and use single hyphens`,
      );
    }
  }
};

const CPU = /^(\d+m|\d+(\.\d{1,3})?)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_FACTORS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** CPU in millicores, memory in bytes, of a quantity this project accepts. */
export function quantityValue(kind: "cpu" | "memory", quantity: string): number {
  if (kind === "cpu") return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
  const [, number, unit] = /^([\d.]+)(\D*)$/.exec(quantity)!;
  return Number(number) * MEMORY_FACTORS[unit];
}

function checkResources(resources: ResourceSettings, path: string, key: Key): void {
  for (const kind of ["cpu", "memory"] as const) {
    const [request, limit] = kind === "cpu" ? [resources.cpuRequest, resources.cpuLimit] : [resources.memoryRequest, resources.memoryLimit];
    const fields = [[`${kind}Request`, request], [`${kind}Limit`, limit]] as const;
    for (const [field, quantity] of fields) {
      const ok = kind === "cpu" ? CPU.test(quantity) : MEMORY.test(quantity);
      const example = kind === "cpu" ? "500m or 1.5 (cores)" : "512Mi or 2Gi (a lowercase m would mean millibytes)";
      if (!ok) throw new ConfigError(key(`${path}.${field}`), quantity, `must be a Kubernetes ${kind} quantity such as ${example}`);
    }
    if (quantityValue(kind, request) > quantityValue(kind, limit)) {
      throw new ConfigError(key(`${path}.${kind}Request`), request, `is above ${kind}Limit (${limit}); Kubernetes rejects a request above its limit: lower the request or raise the limit`);
    }
  }
}

const checkQuantities: Check = ({ langfuse, clickhouse }, key) => {
  checkResources(langfuse.web.resources, "langfuse.web.resources", key);
  checkResources(langfuse.worker.resources, "langfuse.worker.resources", key);
  if (clickhouse.mode === "bundled") checkResources(clickhouse.resources, "clickhouse.resources", key);
};

const checkTags: Check = ({ tags }, key) => {
  const entries = Object.entries(tags);
  if (entries.length > MAX_DEFAULT_TAGS) {
    throw new ConfigError(key("tags"), `${entries.length} tags`, `AWS allows 50 tags per resource and the stacks add their own; keep at most ${MAX_DEFAULT_TAGS}`);
  }
  for (const [name, value] of entries) {
    if (name.length > MAX_TAG_KEY_LENGTH || /^aws:/i.test(name)) throw new ConfigError(key(`tags.${name}`), name, `a tag key has at most ${MAX_TAG_KEY_LENGTH} characters and cannot start with aws:`);
    if (value.length > MAX_TAG_VALUE_LENGTH) throw new ConfigError(key(`tags.${name}`), value, `a tag value has at most ${MAX_TAG_VALUE_LENGTH} characters`);
  }
};

/** The checks of this file, in the order they run. */
export const INPUT_CHECKS: readonly Check[] = [checkNoUrlCredentials, checkRegions, checkLogRetention, checkInstanceTypes, checkBackend, checkArnRegions, checkDerivedNames, checkQuantities, checkTags];

/** Settings that work but need a step outside this project first. */
export function inputWarnings(config: EnvironmentConfig, key: Key): string[] {
  return AWS_REGIONS[config.region]?.optIn ? [`${key("region")} = ${config.region} is an opt-in region: enable it in the account (Account → AWS Regions) before the first apply`] : [];
}
