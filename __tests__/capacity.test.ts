import { afterAll, describe, expect, it } from "vitest";
import { checkCapacity } from "../config/capacity/check";
import { INSTANCE_SHAPES, maxPods, nodeAllocatable, reservedCpuMillis } from "../config/capacity/instance-types";
import { planCapacity, type NodeGroupPlan } from "../config/capacity/plan";
import { cpuMillis, memoryMiB } from "../config/capacity/quantities";
import { ADDON_CHART_VERSIONS_READ, clusterWorkloads, eksDaemonSets, type Workload } from "../config/capacity/workloads";
import { ADDON_CHARTS } from "../constructs/platform/platform-addons";
import { CLICKHOUSE_ADDON_CHARTS } from "../constructs/platform/clickhouse-operator";
import { OPERATOR_CLICKHOUSE } from "../contract/clickhouse-v4";
import { resolveRelease } from "../contract/langfuse-lines";
import { PROFILES } from "../config/profiles";
import type { EnvironmentConfig } from "../config/schema";
import { loadPrices } from "../scripts/cost/prices";
import { releaseValues } from "../scripts/cost/helm-values";
import { block, blocks, type Json } from "../scripts/cost/synthesized";
import { configErrorOf } from "./support/errors";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

/*
 * The capacity model: what each node offers, what runs on it, and the synth-time errors when it does not fit.
 */

afterAll(cleanupSynth);

/** An environment of the test configuration (support/synth.ts) with overrides merged over it. */
const load = (profile: "dev" | "prod", overrides: object = {}): EnvironmentConfig => environment(profile, overrides);
const loadError = (profile: "dev" | "prod", overrides: object) => configErrorOf(() => load(profile, overrides));
const group = (config: EnvironmentConfig, name: string): NodeGroupPlan => planCapacity(config).groups.find((plan) => plan.group === name)!;

describe("what a node offers (EKS AL2023, VPC CNI)", () => {
  it("reserves 60m of the first core, 10m of the second, 5m of cores 3-4 and 2.5m of each further core", () => {
    expect(reservedCpuMillis(1)).toBe(60);
    expect(reservedCpuMillis(2)).toBe(70);
    expect(reservedCpuMillis(4)).toBe(80);
    expect(reservedCpuMillis(8)).toBe(90);
    expect(nodeAllocatable("r7g.xlarge")?.cpuMillis).toBe(3920);
    expect(nodeAllocatable("t4g.medium")?.cpuMillis).toBe(1930);
  });

  it("admits as many pods as the VPC CNI has addresses for (ENIs × (IPs − 1) + 2), capped at 110 below 30 vCPUs", () => {
    expect(maxPods(INSTANCE_SHAPES["t4g.medium"])).toBe(17);
    expect(maxPods(INSTANCE_SHAPES["t4g.large"])).toBe(35);
    expect(maxPods(INSTANCE_SHAPES["r7g.xlarge"])).toBe(58);
    expect(maxPods(INSTANCE_SHAPES["r7g.4xlarge"])).toBe(110);
  });

  it("keeps 255 MiB + 11 MiB per pod and 100 MiB for eviction out of the memory the OS leaves", () => {
    for (const [type, shape] of Object.entries(INSTANCE_SHAPES)) {
      const usable = shape.memoryGiB * 1024 * 0.925;
      expect(nodeAllocatable(type)!.memoryMiB).toBe(Math.floor(usable - 255 - 11 * maxPods(shape) - 100));
    }
  });

  it("knows every instance type the price list and the profiles name", () => {
    const priced = Object.keys(loadPrices().ec2PerHour);
    const profiles = Object.values(PROFILES).flatMap((profile) => [profile.nodeGroups.general, profile.nodeGroups.clickhouse].flatMap((g) => g?.instanceTypes ?? []));
    expect([...priced, ...profiles].filter((type) => !INSTANCE_SHAPES[type])).toEqual([]);
  });

  it("reads Kubernetes quantities", () => {
    expect([cpuMillis("250m"), cpuMillis("1.5"), cpuMillis("2"), cpuMillis("lots")]).toEqual([250, 1500, 2000, undefined]);
    expect([memoryMiB("512Mi"), memoryMiB("26Gi"), memoryMiB("1024Ki"), memoryMiB("1Gb")]).toEqual([512, 26624, 1, undefined]);
  });
});

/** A container's requests in the synthesized JSON (kubernetes_*_v1 resources nest the pod spec in lists). */
function jobRequests(app: TfJson, type: string, nameContains: string): Json {
  const [body] = Object.entries(resources(app, type)).filter(([name]) => name.includes(nameContains)).map(([, b]) => b as Json);
  const spec = block(body.spec)!;
  const template = type === "kubernetes_cron_job_v1" ? block(block(block(spec.job_template)!.spec)!.template)! : block(spec.template)!;
  const container = blocks(block(template.spec)!.container)[0];
  return block(block(container.resources)!.requests)!;
}

function helmValues(app: TfJson, release: string): Json {
  const [entry] = Object.entries(resources(app, "helm_release")).filter(([, body]) => body.name === release);
  return releaseValues({ stack: "app", type: "helm_release", name: entry[0], body: entry[1] })!;
}

const requestsOf = (workloads: readonly Workload[], name: string) => {
  const workload = workloads.find((candidate) => candidate.name === name)!;
  return { cpu: `${workload.requests.cpuMillis}m`, memory: `${workload.requests.memoryMiB}Mi` };
};
const asModel = (requests: Json) => ({ cpu: `${cpuMillis(String(requests.cpu))}m`, memory: `${memoryMiB(String(requests.memory))}Mi` });

describe.each(["dev", "prod"] as const)("%s: the model counts what the synthesized stacks deploy", (profile) => {
  const config = load(profile);
  const workloads = clusterWorkloads(config);
  const app = () => synthesize(config).app;

  it("with the Langfuse release's requests (web, worker, bundled ClickHouse and Valkey)", () => {
    const values = helmValues(app(), "langfuse") as TfJson;
    expect(requestsOf(workloads, "langfuse/langfuse-web")).toEqual(asModel(values.langfuse.web.resources.requests));
    expect(requestsOf(workloads, "langfuse/langfuse-worker")).toEqual(asModel(values.langfuse.worker.resources.requests));
    // The profiles run the v4 line: the operator's ClickHouse and its Keeper, the valkey-io Valkey.
    expect(resolveRelease(config.langfuse).line).toBe("v4");
    expect(requestsOf(workloads, `langfuse/${OPERATOR_CLICKHOUSE.podName}`)).toEqual(asModel(values.clickhouse.cluster.resources.requests));
    expect(requestsOf(workloads, "langfuse/langfuse-keeper")).toEqual(asModel(values.clickhouse.keeper.resources.requests));
    if (values.redis.deploy) expect(requestsOf(workloads, "langfuse/langfuse-redis")).toEqual(asModel(values.redis.resources.requests));
    else expect(workloads.map((w) => w.name)).not.toContain("langfuse/langfuse-redis");
  });

  it("with the v3 line's release: the bitnami ClickHouse and Valkey, no operator", () => {
    const v3 = load(profile, { langfuse: { line: "v3" } });
    const v3Workloads = clusterWorkloads(v3);
    const values = helmValues(synthesize(v3).app, "langfuse") as TfJson;
    expect(requestsOf(v3Workloads, "langfuse/langfuse-clickhouse-shard0-0")).toEqual(asModel(values.clickhouse.resources.requests));
    if (values.redis.deploy) expect(requestsOf(v3Workloads, "langfuse/langfuse-redis-primary")).toEqual(asModel(values.redis.primary.resources.requests));
    expect(v3Workloads.map((w) => w.name).filter((name) => /keeper|cert-manager|clickhouse-operator/.test(name))).toEqual([]);
  });

  it("with the ClickHouse operator and cert-manager the v4 ClickHouse needs, on the general group", () => {
    const operatorValues = helmValues(app(), CLICKHOUSE_ADDON_CHARTS.clickhouseOperator.chart) as TfJson;
    expect(requestsOf(workloads, "clickhouse-operator-system/clickhouse-operator")).toEqual(asModel(operatorValues.manager.resources.requests));
    const certManager = helmValues(app(), CLICKHOUSE_ADDON_CHARTS.certManager.chart) as TfJson;
    const certManagerPods = { "cert-manager/cert-manager": certManager.resources, "cert-manager/cert-manager-webhook": certManager.webhook.resources, "cert-manager/cert-manager-cainjector": certManager.cainjector.resources };
    for (const [name, resources] of Object.entries(certManagerPods)) {
      expect(requestsOf(workloads, name), name).toEqual(asModel(resources.requests));
      expect(workloads.find((w) => w.name === name)!.placement).toEqual({ nodeGroup: "general" });
    }
  });

  it("with the add-on releases' replicas and requests", () => {
    const lbc = helmValues(app(), "aws-load-balancer-controller") as TfJson;
    const modelled = workloads.find((w) => w.name === "kube-system/aws-load-balancer-controller")!;
    expect([modelled.baselineReplicas, modelled.oneReplicaPerNode]).toEqual([lbc.replicaCount, true]);
    expect(requestsOf(workloads, "kube-system/aws-load-balancer-controller")).toEqual(asModel(lbc.resources.requests));
    const autoscaler = helmValues(app(), "cluster-autoscaler") as TfJson;
    expect(requestsOf(workloads, "kube-system/cluster-autoscaler")).toEqual(asModel(autoscaler.resources.requests));
  });

  it("with the jobs' requests (webhook gate, retention Job and CronJob, disk metrics)", () => {
    const json = app();
    expect(requestsOf(workloads, "kube-system/aws-load-balancer-webhook-ready")).toEqual(asModel(jobRequests(json, "kubernetes_job_v1", "webhook-ready")));
    expect(requestsOf(workloads, "langfuse/clickhouse-retention")).toEqual(asModel(jobRequests(json, "kubernetes_job_v1", "retention")));
    expect(requestsOf(workloads, "langfuse/clickhouse-retention")).toEqual(asModel(jobRequests(json, "kubernetes_cron_job_v1", "retention")));
    expect(requestsOf(workloads, "langfuse/disk-metrics")).toEqual(asModel(jobRequests(json, "kubernetes_cron_job_v1", "disk-metrics")));
  });

  it("with add-on defaults read from the chart versions pinned today (bump both together)", () => {
    for (const [addon, read] of Object.entries(ADDON_CHART_VERSIONS_READ)) {
      const pinned = ADDON_CHARTS[addon as keyof typeof ADDON_CHARTS];
      expect({ chart: pinned.chart, version: pinned.version }, `check ${read.chart} ${pinned.version}'s default requests, then update ADDON_CHART_VERSIONS_READ`).toEqual(read);
    }
  });

  it("and every workload records where its requests come from", () => {
    for (const workload of workloads) expect(workload.source).toMatch(/\S{3,}/);
    const defaults = workloads.filter((w) => /chart .* default/.test(w.source)).map((w) => w.source);
    expect(defaults.length).toBeGreaterThan(0);
    for (const source of defaults) expect(source).toMatch(/\d+\.\d+\.\d+/);
  });
});

describe("DaemonSets", () => {
  it("are kube-proxy, aws-node, ebs-csi-node and the CloudWatch agent: 430m and 248Mi on every node", () => {
    const daemonSets = eksDaemonSets();
    expect(daemonSets.map((d) => d.name)).toEqual(["kube-system/kube-proxy", "kube-system/aws-node", "kube-system/ebs-csi-node", "amazon-cloudwatch/cloudwatch-agent"]);
    expect(daemonSets.reduce((sum, d) => sum + d.requests.cpuMillis, 0)).toBe(430);
    expect(daemonSets.reduce((sum, d) => sum + d.requests.memoryMiB, 0)).toBe(248);
  });

  it("add fluent-bit on every node once the CloudWatch add-on ships container logs", () => {
    const withLogs = eksDaemonSets({ containerLogs: { enabled: true } });
    expect(withLogs.map((d) => d.name)).toContain("amazon-cloudwatch/fluent-bit");
    expect(withLogs.every((d) => "everyNode" in d.placement)).toBe(true);
  });
});

describe("the profiles fit", () => {
  it("prod's ClickHouse fits its dedicated r7g.xlarge next to the DaemonSets every node runs", () => {
    const clickhouse = group(load("prod"), "clickhouse");
    expect(clickhouse.daemonSets.cpuMillis).toBe(430);
    expect(clickhouse.baseline).toMatchObject({ nodesNeeded: 1, unschedulable: [] });
    expect(clickhouse.baseline.requested.cpuMillis).toBeLessThanOrEqual(clickhouse.shape.allocatable.cpuMillis);
    // On the v4 line Keeper shares the dedicated node with ClickHouse (constructs/langfuse/values-v4.ts).
    expect(clickhouse.workloads.map((w) => w.name)).toEqual([`langfuse/${OPERATOR_CLICKHOUSE.podName}`, "langfuse/langfuse-keeper"]);
  });

  it.each(["dev", "prod"] as const)("%s: the baseline fits the desired size and the maximum fits maxSize", (profile) => {
    for (const plan of planCapacity(load(profile)).groups) {
      expect(plan.baseline.nodesNeeded).toBeLessThanOrEqual(plan.settings.desiredSize);
      expect(plan.max.nodesNeeded).toBeLessThanOrEqual(plan.settings.maxSize);
      expect(plan.max.nodesNeeded).toBeGreaterThanOrEqual(plan.baseline.nodesNeeded);
    }
  });

  it("counts the DaemonSets on every node and the controllers on the general group only", () => {
    const plan = planCapacity(load("prod"));
    const general = plan.groups.find((g) => g.group === "general")!;
    expect(general.baseline.requested.cpuMillis).toBe(general.workloads.reduce((sum, w) => sum + w.baselineReplicas * w.requests.cpuMillis, 0) + general.baseline.nodes * 430);
    expect(general.workloads.map((w) => w.name)).toContain("keda/keda-operator");
  });
});

describe("packing", () => {
  const config = load("dev");
  const pod = (name: string, cpu: number, memory: number, replicas: number, extra: Partial<Workload> = {}): Workload => ({
    name, source: "test", requests: { cpuMillis: cpu, memoryMiB: memory }, placement: { nodeGroup: "general" }, baselineReplicas: replicas, maxReplicas: replicas, ...extra,
  });
  const daemonSet: Workload = { ...pod("ds", 430, 248, 1), placement: { everyNode: true } };
  const general = (workloads: Workload[]) => planCapacity(config, [daemonSet, ...workloads]).groups[0];

  it("needs a node per replica of a workload that never shares a node, however small", () => {
    expect(general([pod("tiny", 1, 1, 3, { oneReplicaPerNode: true })]).baseline.nodesNeeded).toBe(3);
    expect(general([pod("tiny", 1, 1, 3)]).baseline.nodesNeeded).toBe(1);
  });

  it("runs out of pod slots before CPU or memory on small nodes (t4g.medium: 17 pods, 4 of them DaemonSets)", () => {
    const ds = [1, 2, 3, 4].map((i) => ({ ...daemonSet, name: `ds${i}`, requests: { cpuMillis: 1, memoryMiB: 1 } }));
    const plan = planCapacity(config, [...ds, pod("small", 1, 1, 14)]).groups[0];
    expect(plan.baseline.nodesNeeded).toBe(2);
  });

  it("takes the group's most constraining instance type", () => {
    // c6g.large has 29 pod slots but less memory than t4g.medium (more pods reserve more): memory decides here.
    const mixed = load("dev", { nodeGroups: { general: { instanceTypes: ["t4g.medium", "c6g.large"] } } });
    const plan = planCapacity(mixed, [daemonSet, pod("memory", 10, 1450, 4)]).groups[0];
    expect(plan.shape.instanceType).toBe("c6g.large");
  });

  it("reports a pod that fits on no node", () => {
    expect(general([pod("huge", 1600, 100, 1)]).baseline.unschedulable.map((w) => w.name)).toEqual(["huge"]);
  });
});

describe("capacity errors at synth", () => {
  it("refuses a ClickHouse request that with the DaemonSets exceeds its node (the old prod profile: 3500m on r7g.xlarge)", () => {
    const error = loadError("prod", { clickhouse: { resources: { cpuRequest: "3500m", cpuLimit: "3500m" } } });
    expect(error.key).toBe("environments.prod.clickhouse.resources.cpuRequest");
    expect(error.value).toBe("3500m");
    expect(error.fix).toContain("3920m");
    expect(error.fix).toContain("430m");
    expect(error.fix).toContain("at most 3490m");
    expect(error.fix).toContain("nodeGroups.clickhouse.instanceTypes");
  });

  it("refuses a memory request no node of the group can hold", () => {
    const error = loadError("dev", { langfuse: { web: { resources: { memoryRequest: "4Gi", memoryLimit: "4Gi" } } } });
    expect(error.key).toBe("environments.dev.langfuse.web.resources.memoryRequest");
    expect(error.fix).toMatch(/Lower memoryRequest to at most \d+Mi/);
  });

  it("refuses a baseline that needs more nodes than the group starts with", () => {
    const error = loadError("prod", { langfuse: { web: { minReplicas: 8, maxReplicas: 8 } } });
    expect(error.key).toBe("environments.prod.nodeGroups.general.desiredSize");
    expect(error.value).toBe(2);
    expect(error.fix).toMatch(/need 3 t4g\.medium nodes.*Raise desiredSize \(and minSize\) to 3/);
  });

  it("refuses maximum replicas that need more nodes than maxSize", () => {
    const error = loadError("prod", { langfuse: { web: { maxReplicas: 30 } } });
    expect(error.key).toBe("environments.prod.nodeGroups.general.maxSize");
    expect(error.value).toBe(5);
    expect(error.fix).toMatch(/web 30, worker 3\) the pods need \d+ t4g\.medium nodes; raise maxSize to \d+/);
  });

  it("refuses an instance type it has no figures for, listing the ones it has", () => {
    // m8g.large exists (config/instance-types.ts accepts it) but the capacity model has no allocatable figures for it.
    const error = loadError("dev", { nodeGroups: { general: { instanceTypes: ["t4g.medium", "m8g.large"] } } });
    expect(error.key).toBe("environments.dev.nodeGroups.general.instanceTypes.1");
    expect(error.value).toBe("m8g.large");
    expect(error.fix).toContain("t4g.medium, t4g.large");
    expect(error.fix).toContain("config/capacity/instance-types.ts");
  });

  it.each([
    ["cpuRequest", "lots", "cpu quantity"],
    ["cpuLimit", "1 core", "cpu quantity"],
    ["memoryRequest", "1GB", "memory quantity"],
    ["memoryLimit", "-1Gi", "memory quantity"],
  ])("refuses a %s that is not a Kubernetes quantity (%s)", (field, value, fix) => {
    const error = loadError("dev", { langfuse: { worker: { resources: { [field]: value } } } });
    expect(error.key).toBe(`environments.dev.langfuse.worker.resources.${field}`);
    expect(error.value).toBe(value);
    // The input checks (config/validate-input.ts) run first and name the quantity kind in lower case.
    expect(error.fix.toLowerCase()).toContain(fix.toLowerCase());
  });

  it.each([
    ["cpuRequest", { cpuRequest: "600m", cpuLimit: "500m" }],
    ["memoryRequest", { memoryRequest: "2Gi", memoryLimit: "1Gi" }],
  ])("refuses a %s above its limit (Kubernetes rejects the pod)", (field, resources) => {
    const error = loadError("dev", { clickhouse: { resources } });
    expect(error.key).toBe(`environments.dev.clickhouse.resources.${field}`);
    expect(error.fix).toMatch(/Kubernetes rejects (such a pod|a request above its limit)/);
  });

  it("names the instance types when a pod without a configuration key fits nowhere", () => {
    const config = load("dev");
    const controller: Workload = { name: "kube-system/big-controller", source: "test", requests: { cpuMillis: 1800, memoryMiB: 64 }, placement: { nodeGroup: "general" }, baselineReplicas: 1, maxReplicas: 1 };
    const error = configErrorOf(() => checkCapacity(config, (path) => `environments.dev.${path}`, [...clusterWorkloads(config), controller]));
    expect(error.key).toBe("environments.dev.nodeGroups.general.instanceTypes");
    expect(error.fix).toContain("kube-system/big-controller requests 1800m");
    expect(error.fix).toContain("Use a larger instance type");
  });
});

describe("nodes the DaemonSets fill on their own", () => {
  const config = load("dev");
  const key = (path: string) => `environments.dev.${path}`;
  const daemonSet = (name: string, cpu: number, memory: number): Workload => ({ name, source: "test", requests: { cpuMillis: cpu, memoryMiB: memory }, placement: { everyNode: true }, baselineReplicas: 1, maxReplicas: 1 });

  it("refuses a node whose pod slots all go to DaemonSets", () => {
    const many = Array.from({ length: 17 }, (_, i) => daemonSet(`ds${i}`, 1, 1));
    const error = configErrorOf(() => checkCapacity(config, key, [...many, ...clusterWorkloads(config).filter((w) => !("everyNode" in w.placement))]));
    expect(error.key).toBe("environments.dev.nodeGroups.general.instanceTypes");
    expect(error.fix).toMatch(/the DaemonSets on every node take 17 pods, 17m CPU and 17Mi of the 17 pods, 1930m and 3246Mi a t4g\.medium node offers/);
  });

  it("refuses a node whose CPU the DaemonSets take whole", () => {
    const error = configErrorOf(() => checkCapacity(config, key, [daemonSet("greedy", 2000, 1), ...clusterWorkloads(config)]));
    expect(error.key).toBe("environments.dev.nodeGroups.general.instanceTypes");
    expect(error.fix).toContain("use a larger instance type");
  });
});

describe("stateful pods and zones", () => {
  it("refuses a Spot group over several zones that hosts the bundled ClickHouse or Valkey", () => {
    const error = loadError("dev", { nodeGroups: { general: { singleAz: false } } });
    expect(error.key).toBe("environments.dev.nodeGroups.general.singleAz");
    expect(error.value).toBe(false);
    expect(error.fix).toContain("Set singleAz: true, or capacityType: ON_DEMAND");
  });

  it("accepts a multi-zone Spot group once nothing stateful runs on it, and a multi-zone on-demand group", () => {
    expect(() => load("dev", { nodeGroups: { general: { singleAz: false, capacityType: "ON_DEMAND" } } })).not.toThrow();
    const stateless = { nodeGroups: { general: { singleAz: false } }, redis: { mode: "elasticache" }, clickhouse: { mode: "external", externalUrl: "https://ch.test.internal:8443", externalMigrationUrl: "clickhouse://ch.test.internal:9440", externalUser: "langfuse", externalPasswordSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ch" } };
    expect(() => load("dev", stateless)).not.toThrow();
  });

  it("keeps the dedicated ClickHouse group in one zone", () => {
    const error = loadError("prod", { nodeGroups: { clickhouse: { singleAz: false } } });
    expect(error.key).toBe("environments.prod.nodeGroups.clickhouse.singleAz");
    expect(error.fix).toContain("set singleAz: true");
  });
});
