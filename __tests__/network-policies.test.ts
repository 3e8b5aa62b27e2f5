import { afterAll, describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../config/schema";
import { DISK_METRICS_POD_LABELS } from "../constructs/clickhouse/disk-metrics";
import { RETENTION_POD_LABELS } from "../constructs/clickhouse/retention";
import { externalClickHousePorts, KUBE_DNS } from "../constructs/langfuse/network-policies";
import { BUNDLED_VALKEY_POD_LABELS, V4_VALKEY_POD_LABELS } from "../constructs/langfuse/release";
import { CLICKHOUSE_ADDON_NAMESPACES } from "../constructs/platform/clickhouse-operator";
import { BITNAMI_V3_CLICKHOUSE, OPERATOR_V4_CLICKHOUSE } from "../contract/clickhouse-flavours";
import { allowed, policiesOf, selects, type Endpoint } from "./support/network-policy";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

const NAMESPACE = "langfuse";
const VPC_CIDR = "10.0.0.0/16";
const REFERENCES = {
  '${data.tfe_outputs.upstream-network.nonsensitive_values["vpc_cidr"]}': VPC_CIDR,
  "${kubernetes_namespace_v1.namespace.metadata[0].name}": NAMESPACE,
};

/*
 * The dev and prod cases below are about the v3 line's bitnami ClickHouse and Valkey (their pod labels are the
 * bitnami subcharts'), so they pin `line: v3`; v4 is the default line, whose operator-managed ClickHouse has a case
 * of its own.
 */
const V3 = { langfuse: { line: "v3" } } as const;

/**
 * Every label the ClickHouse operator puts on the server pod of the ClickHouseCluster `langfuse` (shard 0, replica 0),
 * and on its Keeper's pod: internal/controller/{clickhouse,keeper}/templates.go, commit 581494e.
 */
const OPERATOR_SERVER_POD_LABELS = {
  app: "langfuse-clickhouse",
  "app.kubernetes.io/instance": "langfuse-clickhouse",
  "app.kubernetes.io/name": "clickhouse-server",
  "clickhouse.com/role": "clickhouse-server",
  "clickhouse.com/shard-id": "0",
  "clickhouse.com/replica-id": "0",
};
const OPERATOR_KEEPER_POD_LABELS = {
  app: "langfuse-keeper",
  "app.kubernetes.io/instance": "langfuse-keeper",
  "app.kubernetes.io/name": "clickhouse-keeper",
  "clickhouse.com/role": "clickhouse-keeper",
  "clickhouse.com/keeper-replica-id": "1",
};

const externalClickHouse = {
  clickhouse: {
    mode: "external",
    externalUrl: "https://abc.eu-west-1.aws.clickhouse.cloud:8443",
    externalMigrationUrl: "clickhouse://abc.eu-west-1.aws.clickhouse.cloud:9440",
    externalUser: "langfuse",
    externalPasswordSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:clickhouse",
  },
};

/** Parses a helm_release values document, turning each ${…} interpolation into a plain string. */
function langfuseValues(app: TfJson): TfJson {
  const release = Object.values(resources(app, "helm_release")).find((r) => r.name === "langfuse")!;
  return JSON.parse((release.values[0] as string).replace(/\$\{([^}]*)\}/g, (_m, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
}

/** The pods as the synthesized app stack labels them (web and worker from the chart values, jobs from their templates). */
function podsOf(app: TfJson) {
  const values = langfuseValues(app);
  const jobLabels = (name: string) =>
    Object.values(resources(app, "kubernetes_cron_job_v1")).find((job) => job.metadata.name === name)?.spec.job_template.spec.template.metadata.labels;
  const pod = (labels: Record<string, string>, octet: number): Endpoint => ({ namespace: NAMESPACE, labels, ip: `10.0.64.${octet}` });
  return {
    web: pod(values.langfuse.web.pod.labels, 10),
    worker: pod(values.langfuse.worker.pod.labels, 11),
    clickhouse: pod({ ...BITNAMI_V3_CLICKHOUSE.podLabels, "app.kubernetes.io/component": "clickhouse" }, 12),
    valkey: pod({ ...BUNDLED_VALKEY_POD_LABELS, "app.kubernetes.io/name": "redis" }, 13),
    retention: pod(jobLabels("clickhouse-retention") ?? {}, 14),
    diskMetrics: pod(jobLabels("disk-metrics") ?? {}, 15),
    /** A pod of another namespace (an add-on, or anything a tenant of the cluster runs). */
    stranger: { namespace: "default", labels: { app: "other" }, ip: "10.0.65.7" } as Endpoint,
    dns: { namespace: KUBE_DNS.namespace, labels: { ...KUBE_DNS.podLabels }, ip: "10.0.66.2" } as Endpoint,
  };
}

// Addresses outside the cluster's pods: in the VPC (load balancers, databases) and on the internet (AWS APIs).
const alb: Endpoint = { ip: "10.0.0.20" };
const nlb: Endpoint = { ip: "10.0.80.5" };
const postgres: Endpoint = { ip: "10.0.96.4" };
const elasticache: Endpoint = { ip: "10.0.97.4" };
const awsApi: Endpoint = { ip: "52.216.1.1" };
const internetUser: Endpoint = { ip: "198.51.100.7" };

function setup(config: EnvironmentConfig) {
  const { app } = synthesize(config);
  return { policies: policiesOf(app, REFERENCES), pods: podsOf(app), app };
}

describe("the labels the policies select on are the labels the pods carry", () => {
  it("retention and disk-metrics job pods carry the exported labels", () => {
    const { pods } = setup(environment("dev"));
    expect(pods.retention.labels).toEqual(RETENTION_POD_LABELS);
    expect(pods.diskMetrics.labels).toEqual(DISK_METRICS_POD_LABELS);
  });

  // Default deny selects every pod with an empty selector: count only the policies that name the pod.
  const selectingPolicies = (policies: ReturnType<typeof policiesOf>, pod: Endpoint) =>
    policies.filter((p) => (Object.keys(p.spec.pod_selector.match_labels ?? {}).length > 0 || (p.spec.pod_selector.match_expressions ?? []).length > 0) && selects(p.spec.pod_selector, pod.labels));

  it("every workload pod of the v3 line is selected by at least one policy besides default deny", () => {
    const { policies, pods } = setup(environment("dev", V3));
    for (const pod of [pods.web, pods.worker, pods.clickhouse, pods.valkey, pods.retention, pods.diskMetrics]) {
      expect(selectingPolicies(policies, pod).length, JSON.stringify(pod.labels)).toBeGreaterThan(0);
    }
  });

  it("every workload pod of the v4 line is selected by at least one policy besides default deny", () => {
    const { policies, pods } = setup(environment("dev", { redis: { mode: "bundled" } }));
    const valkey: Endpoint = { namespace: NAMESPACE, labels: V4_VALKEY_POD_LABELS, ip: "10.0.64.30" };
    const server: Endpoint = { namespace: NAMESPACE, labels: OPERATOR_SERVER_POD_LABELS, ip: "10.0.64.20" };
    const keeper: Endpoint = { namespace: NAMESPACE, labels: OPERATOR_KEEPER_POD_LABELS, ip: "10.0.64.21" };
    for (const pod of [pods.web, pods.worker, valkey, server, keeper, pods.retention, pods.diskMetrics]) {
      expect(selectingPolicies(policies, pod).length, JSON.stringify(pod.labels)).toBeGreaterThan(0);
    }
  });
});

describe("dev: bundled ClickHouse and Valkey, no load balancer", () => {
  const { policies, pods } = setup(environment("dev", V3));
  const can = (from: Endpoint, to: Endpoint, port: number, protocol = "TCP") => allowed(policies, from, to, port, protocol);

  it("denies everything by default in the namespace", () => {
    const deny = policies.find((p) => p.metadata.name === "langfuse-default-deny")!;
    expect(deny.spec).toMatchObject({ policy_types: ["Ingress", "Egress"] });
    expect(deny.spec.pod_selector.match_labels ?? {}).toEqual({});
    expect(deny.spec.ingress ?? []).toEqual([]);
    expect(deny.spec.egress ?? []).toEqual([]);
  });

  it("allows every flow Langfuse needs", () => {
    for (const client of [pods.web, pods.worker]) {
      expect(can(client, pods.clickhouse, 8123)).toBe(true);
      expect(can(client, pods.clickhouse, 9000)).toBe(true);
      expect(can(client, pods.valkey, 6379)).toBe(true);
      expect(can(client, postgres, 5432)).toBe(true);
      expect(can(client, awsApi, 443)).toBe(true);
    }
    for (const pod of [pods.web, pods.worker, pods.clickhouse, pods.valkey, pods.retention, pods.diskMetrics]) {
      expect(can(pod, pods.dns, 53, "UDP")).toBe(true);
      expect(can(pod, pods.dns, 53, "TCP")).toBe(true);
    }
    expect(can(pods.retention, pods.clickhouse, BITNAMI_V3_CLICKHOUSE.nativePort)).toBe(true);
    expect(can(pods.diskMetrics, awsApi, 443)).toBe(true);
  });

  it("denies everything else", () => {
    expect(can(pods.stranger, pods.clickhouse, 8123)).toBe(false);
    expect(can(pods.stranger, pods.clickhouse, 9000)).toBe(false);
    expect(can(pods.stranger, pods.valkey, 6379)).toBe(false);
    expect(can(pods.retention, pods.valkey, 6379)).toBe(false);
    expect(can(pods.retention, postgres, 5432)).toBe(false);
    expect(can(pods.retention, awsApi, 443)).toBe(false);
    expect(can(pods.diskMetrics, pods.clickhouse, 8123)).toBe(false);
    expect(can(pods.clickhouse, awsApi, 443)).toBe(false);
    expect(can(pods.valkey, awsApi, 443)).toBe(false);
    expect(can(pods.web, awsApi, 80)).toBe(false);
    expect(can(pods.worker, awsApi, 5432)).toBe(false);
    expect(can(alb, pods.worker, 3030)).toBe(false);
    // Without the cleanup function nothing outside the pods reaches ClickHouse.
    expect(can(nlb, pods.clickhouse, 8123)).toBe(false);
  });
});

describe("prod: ElastiCache, ALB, ClickHouse behind the cleanup function's NLB", () => {
  const { policies, pods } = setup(environment("prod", V3));
  const can = (from: Endpoint, to: Endpoint, port: number) => allowed(policies, from, to, port);

  it("lets both ALBs and users through them reach web on its port only", () => {
    expect(can(alb, pods.web, 3000)).toBe(true);
    expect(can(internetUser, pods.web, 3000)).toBe(true);
    expect(can(alb, pods.web, 22)).toBe(false);
  });

  it("lets web and worker reach ElastiCache in the VPC, and no Valkey policy exists", () => {
    expect(can(pods.web, elasticache, 6379)).toBe(true);
    expect(can(pods.worker, elasticache, 6379)).toBe(true);
    expect(policies.some((p) => p.metadata.name === "langfuse-valkey-ingress")).toBe(false);
  });

  it("lets the load balancer reach ClickHouse's HTTP port only", () => {
    expect(can(nlb, pods.clickhouse, 8123)).toBe(true);
    expect(can(nlb, pods.clickhouse, 9000)).toBe(false);
    expect(can(internetUser, pods.clickhouse, 8123)).toBe(false);
  });
});

describe("v4 line: chart 2.x's Valkey", () => {
  const { policies, pods } = setup(environment("dev", { redis: { mode: "bundled" } }));
  const can = (from: Endpoint, to: Endpoint, port: number) => allowed(policies, from, to, port);
  const valkey: Endpoint = { namespace: NAMESPACE, labels: V4_VALKEY_POD_LABELS, ip: "10.0.64.30" };

  it("lets web and worker reach Valkey, and nothing else", () => {
    expect(can(pods.web, valkey, 6379)).toBe(true);
    expect(can(pods.worker, valkey, 6379)).toBe(true);
    for (const client of [pods.retention, pods.diskMetrics, pods.stranger]) expect(can(client, valkey, 6379)).toBe(false);
  });

  it("selects the Valkey pod and not web or worker, which share its instance label", () => {
    const ingress = policies.find((p) => p.metadata.name === "langfuse-valkey-ingress")!;
    expect(selects(ingress.spec.pod_selector, V4_VALKEY_POD_LABELS)).toBe(true);
    expect(pods.web.labels?.["app.kubernetes.io/instance"]).toBe(V4_VALKEY_POD_LABELS["app.kubernetes.io/instance"]);
    expect(selects(ingress.spec.pod_selector, pods.web.labels)).toBe(false);
    expect(selects(ingress.spec.pod_selector, pods.worker.labels)).toBe(false);
    // Nor may web reach a web pod on Valkey's port because they share the release's labels.
    expect(can(pods.web, pods.worker, 6379)).toBe(false);
  });
});

describe("v4 line: the operator's ClickHouse and its Keeper", () => {
  const { policies, pods } = setup(environment("prod"));
  const can = (from: Endpoint, to: Endpoint, port: number) => allowed(policies, from, to, port);
  const server: Endpoint = { namespace: NAMESPACE, labels: OPERATOR_SERVER_POD_LABELS, ip: "10.0.64.20" };
  const keeper: Endpoint = { namespace: NAMESPACE, labels: OPERATOR_KEEPER_POD_LABELS, ip: "10.0.64.21" };
  const operator: Endpoint = { namespace: CLICKHOUSE_ADDON_NAMESPACES.clickhouseOperator, labels: { "control-plane": "controller-manager" }, ip: "10.0.65.20" };

  it("selects the server pod by labels the operator puts on it", () => {
    expect(OPERATOR_SERVER_POD_LABELS).toMatchObject(OPERATOR_V4_CLICKHOUSE.podLabels);
    expect(OPERATOR_KEEPER_POD_LABELS).not.toMatchObject(OPERATOR_V4_CLICKHOUSE.podLabels);
  });

  it("lets web, worker and the retention job reach the server, and the NLB its HTTP port only", () => {
    for (const client of [pods.web, pods.worker]) {
      expect(can(client, server, 8123)).toBe(true);
      expect(can(client, server, 9000)).toBe(true);
    }
    expect(can(pods.retention, server, 9000)).toBe(true);
    expect(can(nlb, server, 8123)).toBe(true);
    expect(can(nlb, server, 9000)).toBe(false);
  });

  it("lets the server and Keeper talk to each other, and the operator reach both", () => {
    expect(can(server, keeper, 9181)).toBe(true);
    expect(can(keeper, server, 9009)).toBe(true);
    expect(can(operator, server, 9000)).toBe(true);
    expect(can(operator, keeper, 9181)).toBe(true);
  });

  it("keeps everything else away from Keeper and the server", () => {
    for (const client of [pods.web, pods.worker, pods.retention, pods.diskMetrics, pods.stranger]) expect(can(client, keeper, 9181)).toBe(false);
    expect(can(pods.stranger, server, 9000)).toBe(false);
    expect(can(pods.diskMetrics, server, 8123)).toBe(false);
    expect(can(server, awsApi, 443)).toBe(false);
    expect(can(keeper, awsApi, 443)).toBe(false);
    expect(can(internetUser, server, 8123)).toBe(false);
  });
});

describe("prod with an external ClickHouse", () => {
  const { policies, pods } = setup(environment("prod", externalClickHouse));
  const can = (from: Endpoint, to: Endpoint, port: number) => allowed(policies, from, to, port);

  it("lets web and worker reach the external service's HTTPS and native TLS ports, and no in-cluster ClickHouse policy exists", () => {
    const clickhouseCloud: Endpoint = { ip: "3.120.1.1" };
    for (const client of [pods.web, pods.worker]) {
      expect(can(client, clickhouseCloud, 8443)).toBe(true);
      expect(can(client, clickhouseCloud, 9440)).toBe(true);
      expect(can(client, clickhouseCloud, 9000)).toBe(false);
    }
    expect(policies.map((p) => p.metadata.name)).not.toContain("langfuse-clickhouse-ingress");
    expect(policies.map((p) => p.metadata.name)).not.toContain("langfuse-retention-egress");
  });

  it("derives the ports from the URLs, defaulting per scheme", () => {
    expect(externalClickHousePorts("https://ch.example.com", "clickhouse://ch.example.com")).toEqual([8443, 9000]);
    expect(externalClickHousePorts("http://ch.example.com:8123", "clickhouse://ch.example.com:9000")).toEqual([8123, 9000]);
  });
});

describe("ordering", () => {
  it("installs the Langfuse release after every policy, so the first pod starts with its flows in place", () => {
    const { app } = synthesize(environment("dev"));
    const release = Object.values(resources(app, "helm_release")).find((r) => r.name === "langfuse")!;
    const policies = Object.keys(resources(app, "kubernetes_network_policy_v1"));
    expect(policies.length).toBeGreaterThan(0);
    for (const logical of policies) expect(release.depends_on).toContain(`kubernetes_network_policy_v1.${logical}`);
  });
});
