import { chartName, releaseValues, valueAt } from "./helm-values";
import { block, isJson, literalString, type Json, type TerraformResource } from "./synthesized";

/*
 * Load balancers the AWS Load Balancer Controller creates at run time from Kubernetes ingresses, so they appear in
 * the JSON only as ingresses: kubernetes_ingress_v1 resources and the Langfuse chart's own ingress. Ingresses that
 * share an `alb.ingress.kubernetes.io/group.name` share one ALB.
 */

export interface IngressLoadBalancer {
  /** The ALB's name: its load-balancer-name annotation, its group, or its ingress's name. */
  readonly name: string;
  /** The ingresses (Kubernetes names) served by this ALB. */
  readonly ingresses: readonly string[];
  readonly stack: string;
  readonly internetFacing: boolean;
}

/** An ingress the estimate could not attribute to a load balancer it knows how to price. */
export interface UnrecognizedIngress {
  readonly stack: string;
  readonly address: string;
  readonly reason: string;
}

const ALB_CONTROLLER = "ingress.k8s.aws/alb";
const ANNOTATION_PREFIX = "alb.ingress.kubernetes.io/";

interface Ingress {
  readonly stack: string;
  readonly address: string;
  /** metadata.name, else the Terraform address. */
  readonly name: string;
  readonly className: string | undefined;
  readonly annotations: Json;
  /** The release's values could not be parsed: whether it creates an ingress is unknown. */
  readonly unreadable?: boolean;
}

function albClassNames(resources: readonly TerraformResource[]): Set<string> {
  const names = new Set(["alb"]);
  for (const resource of resources.filter((r) => r.type === "kubernetes_ingress_class_v1" || r.type === "kubernetes_ingress_class")) {
    const name = literalString(block(resource.body.metadata)?.name);
    if (name && block(resource.body.spec)?.controller === ALB_CONTROLLER) names.add(name);
  }
  return names;
}

function kubernetesIngresses(resources: readonly TerraformResource[]): Ingress[] {
  return resources
    .filter((r) => r.type === "kubernetes_ingress_v1" || r.type === "kubernetes_ingress")
    .map((r) => ({
      stack: r.stack,
      address: `${r.type}.${r.name}`,
      name: literalString(block(r.body.metadata)?.name) ?? `${r.type}.${r.name}`,
      className: literalString(block(r.body.spec)?.ingress_class_name),
      annotations: block(block(r.body.metadata)?.annotations) ?? {},
    }));
}

function chartIngresses(resources: readonly TerraformResource[]): Ingress[] {
  return resources
    .filter((r) => r.type === "helm_release" && chartName(r) === "langfuse")
    .flatMap((r) => {
      const values = releaseValues(r);
      const address = `helm_release.${r.name}`;
      if (!values) return [{ stack: r.stack, address, name: address, className: undefined, annotations: {}, unreadable: true }];
      if (valueAt(values, "langfuse.ingress.enabled") !== true) return [];
      const annotations = valueAt(values, "langfuse.ingress.annotations");
      return [{
        stack: r.stack,
        address,
        name: `${address} (langfuse.ingress)`,
        className: literalString(valueAt(values, "langfuse.ingress.className")) || undefined,
        annotations: isJson(annotations) ? annotations : {},
      }];
    });
}

function isAlb(ingress: Ingress, classes: ReadonlySet<string>): boolean {
  if (ingress.className !== undefined) return classes.has(ingress.className);
  return ingress.annotations["kubernetes.io/ingress.class"] === "alb" || Object.keys(ingress.annotations).some((key) => key.startsWith(ANNOTATION_PREFIX));
}

export function ingressLoadBalancers(resources: readonly TerraformResource[]): { balancers: IngressLoadBalancer[]; unrecognized: UnrecognizedIngress[] } {
  const classes = albClassNames(resources);
  const groups = new Map<string, { name: string; ingresses: string[]; stack: string; internetFacing: boolean }>();
  const unrecognized: UnrecognizedIngress[] = [];
  for (const ingress of [...kubernetesIngresses(resources), ...chartIngresses(resources)]) {
    if (ingress.unreadable) {
      unrecognized.push({ stack: ingress.stack, address: ingress.address, reason: "its values cannot be parsed: its ingress and volumes are unknown" });
      continue;
    }
    if (!isAlb(ingress, classes)) {
      unrecognized.push({ stack: ingress.stack, address: ingress.address, reason: `ingress class ${ingress.className ?? "(none)"} is not an ALB class: its load balancer is unknown` });
      continue;
    }
    const annotation = (name: string) => literalString(ingress.annotations[`${ANNOTATION_PREFIX}${name}`]);
    const group = annotation("group.name") ?? ingress.address;
    // The controller's default scheme is internal; only an explicit annotation makes an ALB internet-facing.
    const internetFacing = annotation("scheme") === "internet-facing";
    const existing = groups.get(group);
    if (existing) {
      existing.ingresses.push(ingress.name);
      existing.internetFacing ||= internetFacing;
    } else {
      const name = annotation("load-balancer-name") ?? annotation("group.name") ?? ingress.name;
      groups.set(group, { name, ingresses: [ingress.name], stack: ingress.stack, internetFacing });
    }
  }
  return { balancers: [...groups.values()], unrecognized };
}
