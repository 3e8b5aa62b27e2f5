import { afterAll, describe, expect, it } from "vitest";
import { NLB_LOAD_BALANCER_CLASS } from "../constructs/clickhouse/endpoint";
import { TRANSFER_HPA_OWNERSHIP_ANNOTATION } from "../constructs/langfuse/autoscaling";
import { podSecurityLabels } from "../constructs/langfuse/pod-security";
import { LANGFUSE_RELEASE_NAME, LANGFUSE_WEB_DEPLOYMENT } from "../constructs/langfuse/release";
import { resolveRelease } from "../contract/langfuse-lines";
import { READINESS_GATE_NAMESPACE_LABEL, READINESS_GATE_POD_LABEL } from "../contract/readiness-gates";
import { servingClickHouse } from "../stacks/clickhouse-serving";
import { cleanupSynth, environment, onlyResource, resources, synthesize, type TfJson } from "./support/synth";

/*
 * The second plan is empty: what a controller or webhook writes back into an object Terraform manages is either
 * set to the same value here or not managed by Terraform (docs/converge.md lists every case).
 */

afterAll(cleanupSynth);

const prod = () => synthesize(environment("prod")).app;
const dev = () => synthesize(environment("dev")).app;
/** The profiles run the v4 line (chart 2.0.0); the v3 line (chart 1.5.41) must converge the same way. */
const prodV3 = () => synthesize(environment("prod", { langfuse: { line: "v3" } })).app;

/** The helm_release whose id contains `id`. */
function release(app: TfJson, id: string): TfJson {
  const found = Object.entries(resources(app, "helm_release")).find(([name]) => name.startsWith(`${id}_`));
  if (!found) throw new Error(`no helm_release ${id}`);
  return found[1];
}

/** A release's values document, with every ${…} interpolation turned into a plain string. */
function valuesOf(body: TfJson): TfJson {
  const text = body.values[0] as string;
  return JSON.parse(text.replace(/\$\{([^}]*)\}/g, (_m, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
}

/** The chart (langfuse-k8s 1.5.41 and 2.0.0, templates/web/deployment.yaml) renders `replicas` unless its HPA or KEDA is on. */
const chartRendersWebReplicas = (web: TfJson) => !(web.hpa?.enabled || web.keda?.enabled);

describe("controller write-backs are stated, so the next plan does not replace anything", () => {
  it("the ClickHouse NLB Service names the class the load balancer controller's webhook would write (ForceNew field)", () => {
    const service = onlyResource(prod(), "kubernetes_service_v1");
    expect(service.spec.type).toBe("LoadBalancer");
    expect(service.spec.load_balancer_class).toBe(NLB_LOAD_BALANCER_CLASS);
    expect(NLB_LOAD_BALANCER_CLASS).toBe("service.k8s.aws/nlb");
  });

  it("every LoadBalancer Service of every environment states its class", () => {
    for (const app of [dev(), prod()]) {
      for (const [id, service] of Object.entries(resources(app, "kubernetes_service_v1"))) {
        if (service.spec.type === "LoadBalancer") expect(service.spec.load_balancer_class, id).toBe(NLB_LOAD_BALANCER_CLASS);
      }
    }
  });

  it("the namespace carries no label a controller also writes, except the readiness-gate switch it only reads", () => {
    const config = environment("prod");
    const labels = onlyResource(prod(), "kubernetes_namespace_v1").metadata.labels;
    // The Pod Security Admission labels are read by the API server's admission plugin, written by no controller.
    expect(labels).toEqual({
      ...podSecurityLabels(config.cluster.kubernetesVersion),
      [READINESS_GATE_NAMESPACE_LABEL.key]: READINESS_GATE_NAMESPACE_LABEL.value,
    });
  });

  it("node groups leave the desired size to the Cluster Autoscaler", () => {
    const network = synthesize(environment("prod")).network;
    for (const [id, group] of Object.entries(resources(network, "aws_eks_node_group"))) {
      expect(group.lifecycle?.ignore_changes, id).toContain("scaling_config[0].desired_size");
    }
  });

  it("EKS add-ons are pinned to the cluster version's default, not the newest published between two plans", () => {
    const network = synthesize(environment("prod")).network;
    const versions = Object.values(network.data.aws_eks_addon_version as Record<string, TfJson>);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(version.most_recent).toBe(false);
  });
});

describe("a Helm upgrade never resets the web replicas the autoscaler raised", () => {
  it("the web Deployment is rendered without replicas in every environment", () => {
    for (const app of [dev(), prod(), prodV3()]) {
      const web = valuesOf(release(app, "langfuse_release")).langfuse.web;
      expect(web).not.toHaveProperty("replicas");
      expect(chartRendersWebReplicas(web)).toBe(false);
    }
  });

  it("the chart's web HPA is the one the ScaledObject adopts, with the same bounds", () => {
    for (const app of [dev(), prod(), prodV3()]) {
      const web = valuesOf(release(app, "langfuse_release")).langfuse.web;
      const [scaledObject] = valuesOf(release(app, "autoscaling_release")).manifests.filter((m: TfJson) => m.kind === "ScaledObject");
      expect(scaledObject.metadata.annotations[TRANSFER_HPA_OWNERSHIP_ANNOTATION]).toBe("true");
      // The chart names its web HPA <release>-web (templates/web/hpa.yaml).
      expect(scaledObject.spec.advanced.horizontalPodAutoscalerConfig.name).toBe(`${LANGFUSE_RELEASE_NAME}-web`);
      expect(scaledObject.spec.scaleTargetRef.name).toBe(LANGFUSE_WEB_DEPLOYMENT);
      expect(web.hpa.enabled).toBe(true);
      expect([web.hpa.minReplicas, web.hpa.maxReplicas]).toEqual([scaledObject.spec.minReplicaCount, scaledObject.spec.maxReplicaCount]);
      expect(scaledObject.spec.triggers.find((t: TfJson) => t.type === "cpu").metadata.value).toBe(String(web.hpa.targetCPUUtilizationPercentage));
    }
  });

  it("the chart's own KEDA ScaledObject stays off (two ScaledObjects on one Deployment are refused)", () => {
    expect(valuesOf(release(prod(), "langfuse_release")).langfuse.web.keda.enabled).toBe(false);
  });
});

describe("readiness gates only for pods behind an ALB", () => {
  it("the controller's pod webhook only selects pods carrying the opt-in label", () => {
    const values = valuesOf(release(prod(), "platform_aws-load-balancer-controller"));
    expect(values.objectSelector).toEqual({ matchLabels: { [READINESS_GATE_POD_LABEL.key]: READINESS_GATE_POD_LABEL.value } });
  });

  it("web pods carry the label, worker and ClickHouse pods do not", () => {
    for (const app of [prod(), prodV3()]) {
      const values = valuesOf(release(app, "langfuse_release"));
      expect(values.langfuse.web.pod.labels).toMatchObject({ [READINESS_GATE_POD_LABEL.key]: READINESS_GATE_POD_LABEL.value });
      expect(values.langfuse.worker.pod.labels).not.toHaveProperty(READINESS_GATE_POD_LABEL.key);
      expect(JSON.stringify(values.clickhouse)).not.toContain(READINESS_GATE_POD_LABEL.key);
    }
  });

  it("the NLB in front of ClickHouse selects pods that never carry the label", () => {
    const config = environment("prod");
    const service = onlyResource(prod(), "kubernetes_service_v1");
    // The ClickHouse the release serves from: the operator's on the v4 line, the bitnami subchart's on v3.
    expect(service.spec.selector).toEqual(servingClickHouse(config, resolveRelease(config.langfuse).line)!.flavour.podLabels);
    expect(Object.keys(service.spec.selector)).not.toContain(READINESS_GATE_POD_LABEL.key);
  });
});
