import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/errors";
import { derivedNames, NAME_RULES, nameProblem, type NameRule } from "../config/name-limits";
import type { EnvironmentConfig } from "../config/schema";
import { CLUSTER_ADMINS } from "./support/fixtures";
import { cleanupSynth, loadInline, synthesize, type TfJson } from "./support/synth";

/*
 * The longest names the configuration accepts must still be names AWS accepts: synthesize an environment with
 * every named feature on and the longest prefix validation lets through, then check every name in the JSON
 * against its service's limit. A derived name this table does not know fails the test, so a new resource
 * cannot slip past config/name-limits.ts.
 */

afterAll(cleanupSynth);

const ENVIRONMENT = "prod-europe1"; // 12 characters, the longest environment name
const everything = {
  profile: "prod",
  region: "eu-west-1",
  langfuse: { domain: "langfuse.example.com" },
  ingress: { hostedZoneId: "Z0123456789ABCDEFGHIJ", internal: true, waf: { enabled: true } },
  imageCache: { enabled: true, dockerHubCredentialArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub" },
  clickhouse: { emergencyCleanup: true },
  redis: { mode: "elasticache" },
  bucket: { kmsKey: true },
  // prod states who reaches the Kubernetes API; this exposure adds no named resource.
  cluster: { secretsEncryption: true, publicAccessCidrs: ["0.0.0.0/0"], publicAccessFromInternet: true },
};

/** Each scenario makes another limit the binding one: the ECR prefix, then the general node group's prefix. */
const SCENARIOS: Record<string, object> = {
  "every named feature on": everything,
  "no image cache, no ClickHouse node group, no ingress": {
    ...everything,
    imageCache: { enabled: false, dockerHubCredentialArn: null },
    // Without its dedicated group, ClickHouse (and on the v4 line its Keeper) shares the general nodes: ClickHouse sized
    // to fit one, and a third general node for the pods at minimum replicas (the capacity check).
    nodeGroups: { clickhouse: null, general: { minSize: 3, desiredSize: 3 } },
    clickhouse: { emergencyCleanup: true, resources: { cpuRequest: "1", memoryRequest: "2Gi", memoryLimit: "2Gi" } },
    ingress: { enabled: false },
    langfuse: { domain: "langfuse.example.com" },
  },
};

function accepts(settings: object, namePrefix: string): EnvironmentConfig | undefined {
  try {
    return loadInline({ defaults: CLUSTER_ADMINS, environments: { [ENVIRONMENT]: { ...settings, namePrefix } } }, ENVIRONMENT).config;
  } catch (error) {
    if (error instanceof ConfigError && error.key.endsWith(".namePrefix")) return undefined;
    throw error;
  }
}

/** The longest prefix (of the 3–20 the schema allows) that validation accepts with ENVIRONMENT. */
function longestAccepted(settings: object): EnvironmentConfig {
  for (let length = 20; length >= 3; length--) {
    const config = accepts(settings, `p${"x".repeat(length - 1)}`);
    if (config) return config;
  }
  throw new Error("no prefix accepted");
}

/**
 * Where each derived name lives in the synthesized JSON, its shape rule, and its maximum length written here
 * again from the services' documentation (not read from config/name-limits.ts, which this test checks).
 */
const LOCATIONS: readonly [type: string, path: string, rule: NameRule, maxLength: number][] = [
  ["aws_eks_cluster", "name", NAME_RULES.eksCluster, 100],
  ["aws_eks_node_group", "node_group_name_prefix", NAME_RULES.nodeGroupPrefix, 37],
  ["aws_iam_role", "name", NAME_RULES.iamRole, 64],
  ["data.aws_iam_role", "name", NAME_RULES.iamRole, 64],
  ["aws_iam_role_policy", "name", NAME_RULES.iamPolicy, 128],
  ["aws_iam_policy", "name", NAME_RULES.iamManagedPolicy, 128],
  ["aws_launch_template", "name", NAME_RULES.launchTemplate, 128],
  ["aws_wafv2_web_acl", "name", NAME_RULES.wafWebAcl, 128],
  ["aws_security_group", "name", NAME_RULES.securityGroup, 255],
  ["aws_lambda_function", "function_name", NAME_RULES.lambda, 64],
  ["aws_cloudwatch_event_rule", "name", NAME_RULES.eventRule, 64],
  ["aws_cloudwatch_log_group", "name", NAME_RULES.logGroup, 512],
  ["aws_cloudwatch_metric_alarm", "alarm_name", NAME_RULES.alarm, 255],
  ["aws_cloudwatch_dashboard", "dashboard_name", NAME_RULES.dashboard, 255],
  ["aws_db_instance", "identifier", NAME_RULES.rdsIdentifier, 63],
  ["aws_db_instance", "final_snapshot_identifier", NAME_RULES.groupName, 255],
  ["aws_db_parameter_group", "name", NAME_RULES.groupName, 255],
  ["aws_db_subnet_group", "name", NAME_RULES.groupName, 255],
  ["aws_elasticache_replication_group", "replication_group_id", NAME_RULES.elasticacheId, 40],
  ["aws_elasticache_parameter_group", "name", NAME_RULES.groupName, 255],
  ["aws_elasticache_subnet_group", "name", NAME_RULES.groupName, 255],
  ["aws_ecr_pull_through_cache_rule", "ecr_repository_prefix", NAME_RULES.ecrPrefix, 30],
  ["aws_ecr_repository_creation_template", "prefix", NAME_RULES.ecrPrefix, 30],
  ["aws_kms_alias", "name", NAME_RULES.kmsAlias, 256],
  ["aws_s3_bucket", "bucket", NAME_RULES.s3Bucket, 63],
  ["aws_secretsmanager_secret", "name", NAME_RULES.secret, 512],
  ["aws_sns_topic", "name", NAME_RULES.snsTopic, 256],
  ["tfe_workspace", "name", NAME_RULES.workspace, 90],
  ["data.tfe_outputs", "workspace", NAME_RULES.workspace, 90],
  ["data.aws_lb", "name", NAME_RULES.loadBalancer, 32],
  ["kubernetes_cluster_role_v1", "metadata.name", NAME_RULES.kubernetesName, 253],
  ["kubernetes_cluster_role_binding_v1", "metadata.name", NAME_RULES.kubernetesName, 253],
  ["kubernetes_ingress_v1", "metadata.annotations.alb.ingress.kubernetes.io/load-balancer-name", NAME_RULES.loadBalancer, 32],
  ["kubernetes_ingress_v1", "metadata.annotations.alb.ingress.kubernetes.io/group.name", NAME_RULES.albGroup, 63],
  ["kubernetes_service_v1", "metadata.annotations.service.beta.kubernetes.io/aws-load-balancer-name", NAME_RULES.loadBalancer, 32],
];

/** Attributes that hold names (as opposed to descriptions, tags or policy documents). */
const NAME_ATTRIBUTE = /(^|\.)(name|name_prefix|node_group_name_prefix|function_name|alarm_name|dashboard_name|identifier|final_snapshot_identifier|replication_group_id|ecr_repository_prefix|prefix|bucket|workspace|load-balancer-name|aws-load-balancer-name|group\.name)$/;

/** Every string of a resource with its dotted path (annotation keys keep their dots). */
function strings(node: unknown, path: string[] = []): [string, string][] {
  if (typeof node === "string") return [[path.join("."), node]];
  if (Array.isArray(node)) return node.length === 1 ? strings(node[0], path) : node.flatMap((item, i) => strings(item, [...path, String(i)]));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => strings(value, [...path, key]));
}

/** `${data.aws_caller_identity…account_id}` stands for a 12-digit account id. */
const resolved = (value: string) => value.replace(/\$\{data\.aws_caller_identity\.[\w.]+\}/g, "123456789012");

function namesIn(stacks: TfJson[], prefix: string): { type: string; path: string; value: string }[] {
  const found: { type: string; path: string; value: string }[] = [];
  for (const stack of stacks) {
    const blocks = [...Object.entries(stack.resource ?? {}), ...Object.entries(stack.data ?? {}).map(([type, all]) => [`data.${type}`, all] as const)];
    for (const [type, all] of blocks) {
      for (const resource of Object.values(all as Record<string, TfJson>)) {
        for (const [path, value] of strings(resource)) if (value.includes(prefix) && NAME_ATTRIBUTE.test(path) && !path.startsWith("tags")) found.push({ type, path, value: resolved(value) });
      }
    }
  }
  return found;
}

describe.each(Object.entries(SCENARIOS))("names derived from the longest accepted prefix and environment, %s", (_, settings) => {
  const config = longestAccepted(settings);
  const synthesized = synthesize(config);
  const names = namesIn([synthesized.network, synthesized.deps, synthesized.app, synthesized.workspaces], `${config.namePrefix}-${config.name}`);

  it("uses a prefix the validation only just accepts (one character more is refused)", () => {
    expect(config.namePrefix.length).toBeLessThan(20);
    expect(accepts(settings, `${config.namePrefix}x`)).toBeUndefined();
  });

  it("finds the names the stacks create", () => {
    expect(names.length).toBeGreaterThan(40);
  });

  it("knows the limit of every derived name in the synthesized stacks", () => {
    const unknown = names.filter(({ type, path }) => !LOCATIONS.some(([t, p]) => t === type && p === path)).map(({ type, path }) => `${type}.${path}`);
    expect(unknown, "a name with no limit in config/name-limits.ts and this table").toEqual([]);
  });

  it("keeps every one of them within its service's limit", () => {
    const broken = names.flatMap(({ type, path, value }) => {
      const [, , rule, maxLength] = LOCATIONS.find(([t, p]) => t === type && p === path)!;
      if (value.length > maxLength) return [`${type}.${path} '${value}' is ${value.length} characters, over ${maxLength}`];
      const problem = nameProblem(value, rule);
      return problem ? [`${type}.${path} '${value}' ${problem}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it("checks in validation every name the table of derived names lists, as the stacks spell it", () => {
    const synthesizedValues = new Set(names.map(({ value }) => value.replace(/-$/, "")));
    const missing = derivedNames(config)
      .map(({ name }) => name.replace(/-$/, ""))
      .filter((name) => !synthesizedValues.has(name) && ![...synthesizedValues].some((value) => value.endsWith(`/${name}`)));
    expect(missing, "config/name-limits.ts derives names the stacks do not create").toEqual([]);
  });
});
