import { afterAll, describe, expect, it } from "vitest";
import { releaseValues } from "../scripts/cost/helm-values";
import { blocks, type Json } from "../scripts/cost/synthesized";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

/*
 * Pods that keep data on an EBS volume (the bundled ClickHouse and Valkey) can only ever run in the volume's zone.
 * Read from the synthesized stacks: every node group such a pod can be scheduled on (its taints tolerated, its labels
 * matching the pod's nodeSelector) must be unable to bring a node back in another zone: one subnet when on Spot.
 */

afterAll(cleanupSynth);

const stacks = (name: "dev" | "prod", overrides: object = {}) => synthesize(environment(name, overrides));

interface PodPlacement {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: ReadonlyArray<{ key: string; value: string; effect: string }>;
}

interface NodeGroup {
  readonly name: string;
  readonly capacityType: string;
  readonly subnets: readonly string[];
  readonly labels: Record<string, string>;
  readonly taints: ReadonlyArray<{ key: string; value: string; effect: string }>;
}

function nodeGroups(network: TfJson): NodeGroup[] {
  return Object.values(resources(network, "aws_eks_node_group")).map((group) => ({
    name: group.node_group_name_prefix,
    capacityType: group.capacity_type,
    subnets: group.subnet_ids,
    labels: group.labels ?? {},
    taints: blocks(group.taint) as unknown as NodeGroup["taints"],
  }));
}

const EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/** The groups the scheduler may put the pod on: every NoSchedule/NoExecute taint tolerated, every selector label present. */
function eligible(groups: readonly NodeGroup[], pod: PodPlacement): NodeGroup[] {
  return groups.filter(
    (group) =>
      Object.entries(pod.nodeSelector).every(([key, value]) => group.labels[key] === value) &&
      group.taints
        .filter((taint) => taint.effect !== "PREFER_NO_SCHEDULE")
        .every((taint) => pod.tolerations.some((t) => t.key === taint.key && t.value === taint.value && t.effect === EFFECTS[taint.effect])),
  );
}

function statefulPods(app: TfJson): Record<string, PodPlacement> {
  const [entry] = Object.entries(resources(app, "helm_release")).filter(([, body]) => body.name === "langfuse");
  const values = releaseValues({ stack: "app", type: "helm_release", name: entry[0], body: entry[1] }) as TfJson;
  const placement = (section: Json): PodPlacement => ({ nodeSelector: (section.nodeSelector as Record<string, string>) ?? {}, tolerations: (section.tolerations as PodPlacement["tolerations"]) ?? [] });
  const pods: Record<string, PodPlacement> = {};
  // Chart 2.x (v4 line): the operator's ClickHouse and its Keeper, each with a volume; chart 1.5.x: the bitnami subchart.
  if (values.clickhouse.deploy && values.clickhouse.cluster) {
    pods.clickhouse = placement(values.clickhouse.cluster);
    pods.keeper = placement(values.clickhouse.keeper);
  } else if (values.clickhouse.deploy) pods.clickhouse = placement(values.clickhouse);
  // Chart 2.x's Valkey takes its placement at redis., 1.5.x's bitnami one at redis.primary.
  if (values.redis.deploy) pods.valkey = placement(values.redis.primary ?? values.redis);
  return pods;
}

describe.each([
  ["dev", "dev" as const, {}],
  ["prod", "prod" as const, {}],
  ["dev on the v3 line", "dev" as const, { langfuse: { line: "v3" } }],
  ["prod on the v3 line", "prod" as const, { langfuse: { line: "v3" } }],
  ["dev on demand over every zone", "dev" as const, { nodeGroups: { general: { capacityType: "ON_DEMAND", singleAz: false } } }],
])("%s", (_title, name, settings) => {
  it("puts stateful pods only on node groups that cannot bring a Spot node back in another zone", () => {
    const { network, app } = stacks(name, settings);
    const groups = nodeGroups(network);
    const pods = statefulPods(app);
    expect(Object.keys(pods).length).toBeGreaterThan(0);
    for (const [pod, placement] of Object.entries(pods)) {
      const candidates = eligible(groups, placement);
      expect(candidates.length, `${pod} has a node group to run on`).toBeGreaterThan(0);
      for (const group of candidates) {
        if (group.capacityType === "SPOT") expect(group.subnets, `${pod} on ${group.name}`).toHaveLength(1);
      }
    }
  });
});

describe("volumes", () => {
  it.each(["dev", "prod"] as const)("%s: every storage class binds when the pod is scheduled, so a volume is created in its node's zone", (name) => {
    const classes = Object.values(resources(stacks(name).app, "kubernetes_storage_class_v1"));
    expect(classes.length).toBeGreaterThan(0);
    for (const storageClass of classes) expect(storageClass.volume_binding_mode).toBe("WaitForFirstConsumer");
  });
});

describe("placement reading", () => {
  it("keeps dev's ClickHouse and Valkey on the Spot general group in one subnet", () => {
    const { network, app } = stacks("dev");
    const pods = statefulPods(app);
    expect(Object.keys(pods).sort()).toEqual(["clickhouse", "keeper", "valkey"]);
    for (const pod of ["clickhouse", "keeper"]) {
      const [general] = eligible(nodeGroups(network), pods[pod]);
      expect(general, pod).toMatchObject({ name: "langfuse-dev-general-", capacityType: "SPOT" });
      expect(general.subnets, pod).toHaveLength(1);
    }
  });

  it("keeps prod's ClickHouse and Keeper on the tainted on-demand group alone (the general group does not match their selector)", () => {
    const { network, app } = stacks("prod");
    const pods = statefulPods(app);
    for (const pod of ["clickhouse", "keeper"]) {
      const candidates = eligible(nodeGroups(network), pods[pod]);
      expect(candidates.map((group) => [group.name, group.capacityType, group.subnets.length]), pod).toEqual([["langfuse-prod-clickhouse-", "ON_DEMAND", 1]]);
    }
  });

  it("sees through a toleration-less pod: a tainted group is not eligible", () => {
    const tainted: NodeGroup = { name: "t", capacityType: "SPOT", subnets: ["a", "b"], labels: {}, taints: [{ key: "dedicated", value: "x", effect: "NO_SCHEDULE" }] };
    const open: NodeGroup = { ...tainted, name: "o", taints: [] };
    expect(eligible([tainted, open], { nodeSelector: {}, tolerations: [] }).map((g) => g.name)).toEqual(["o"]);
  });
});
