import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOAD_BALANCER_CONTROLLER_POD_LABELS } from "../constructs/platform/load-balancer-controller";
import { ADDON_CHARTS } from "../constructs/platform/platform-addons";
import { releaseValues } from "../scripts/cost/helm-values";
import type { Json } from "../scripts/cost/synthesized";
import { cleanupSynth, environment, resources, synthesize } from "./support/synth";

/*
 * The AWS Load Balancer Controller's webhooks fail closed: with no replica answering, every Service change in the
 * cluster is refused. These tests read the controller's values from the synthesized app stack.
 */

afterAll(cleanupSynth);

interface ChartKeys {
  readonly version: string;
  readonly keys: readonly string[][];
  readonly freeForm: readonly string[][];
}

const chartKeys = JSON.parse(readFileSync(join(__dirname, `../data/chart-keys/aws-load-balancer-controller-${ADDON_CHARTS.loadBalancerController.version}.json`), "utf8")) as ChartKeys;

function controllerValues(name: "dev" | "prod"): Json {
  const app = synthesize(environment(name)).app;
  const [entry] = Object.entries(resources(app, "helm_release")).filter(([, body]) => body.name === "aws-load-balancer-controller");
  const values = releaseValues({ stack: "app", type: "helm_release", name: entry[0], body: entry[1] });
  if (!values) throw new Error("unreadable values");
  return values;
}

/** Every leaf path of a values tree (a list or an empty map is a leaf). */
function leafPaths(node: unknown, prefix: string[] = []): string[][] {
  if (node === null || typeof node !== "object" || Array.isArray(node) || Object.keys(node).length === 0) return [prefix];
  return Object.entries(node).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
}

/** A path the chart reads: declared in its values.yaml, or inside a map/list the chart passes through whole. */
function chartReads(path: readonly string[]): boolean {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((part, i) => part === b[i]);
  if (chartKeys.keys.some((key) => same(key, path))) return true;
  return chartKeys.freeForm.some((prefix) => prefix.length < path.length && same(prefix, path.slice(0, prefix.length)));
}

describe.each(["dev", "prod"] as const)("%s: AWS Load Balancer Controller", (name) => {
  const values = () => controllerValues(name);

  it("sets only keys the pinned chart has (its values have no schema: a misspelled key is silently ignored)", () => {
    expect(chartKeys.version).toBe(ADDON_CHARTS.loadBalancerController.version);
    const unknown = leafPaths(values()).filter((path) => !chartReads(path));
    expect(unknown).toEqual([]);
  });

  it("runs two replicas, never two on one node, spread over zones where the nodes allow", () => {
    const v = values();
    expect(v.replicaCount).toBe(2);
    const selector = { matchLabels: LOAD_BALANCER_CONTROLLER_POD_LABELS };
    expect(v.affinity).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: "kubernetes.io/hostname" }] } });
    // Soft: dev's nodes are in one zone, where a hard zone spread would keep the second replica Pending.
    expect(v.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector }]);
  });

  it("lets a drain take one replica at a time and updates without a surge pod the anti-affinity could not place", () => {
    const v = values();
    // The chart renders the budget only when replicaCount > 1.
    expect(v.replicaCount as number).toBeGreaterThan(1);
    expect(v.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(v.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  it("requests CPU and memory, so the scheduler and the capacity model count it", () => {
    expect(values().resources).toMatchObject({ requests: { cpu: expect.stringMatching(/^\d+m$/), memory: expect.stringMatching(/^\d+Mi$/) } });
  });
});

describe("chart key check", () => {
  it("rejects a key the chart does not have and accepts one inside a pass-through map", () => {
    expect(chartReads(["replicaCount"])).toBe(true);
    expect(chartReads(["podDisruptionBudget", "maxUnavailable"])).toBe(true);
    expect(chartReads(["replicas"])).toBe(false);
    expect(chartReads(["serviceAccount", "annotationz"])).toBe(false);
  });

  it("selects the pods by the labels the chart puts on them (release and chart both aws-load-balancer-controller)", () => {
    expect(LOAD_BALANCER_CONTROLLER_POD_LABELS).toEqual({
      "app.kubernetes.io/name": ADDON_CHARTS.loadBalancerController.chart,
      "app.kubernetes.io/instance": ADDON_CHARTS.loadBalancerController.chart,
    });
  });
});
