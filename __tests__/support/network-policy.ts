import { parseCidr } from "../../config/cidr";
import type { TfJson } from "./synth";

/*
 * A small evaluator of Kubernetes NetworkPolicies as the synthesized kubernetes_network_policy_v1 resources state
 * them: a connection is allowed when the source's egress and the destination's ingress both admit it. A pod no
 * policy selects for a direction is unrestricted in that direction (the Kubernetes semantics). Only what the stacks
 * use is modelled: matchLabels and matchExpressions pod selectors, matchLabels namespace selectors, ipBlock without
 * except, TCP/UDP ports.
 */

/** One end of a connection: a pod (namespace, labels, address) or an address outside the cluster. */
export interface Endpoint {
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ip: string;
}

/** A label selector: every matchLabels entry and every matchExpressions requirement must hold (empty selects all). */
interface Selector {
  match_labels?: Record<string, string>;
  match_expressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

interface Peer {
  pod_selector?: Selector;
  namespace_selector?: { match_labels?: Record<string, string> };
  ip_block?: { cidr: string };
}

interface Rule {
  ports?: { port?: string; protocol?: string }[];
  from?: Peer[];
  to?: Peer[];
}

interface Policy {
  metadata: { name: string; namespace: string };
  spec: { pod_selector: Selector; policy_types: string[]; ingress?: Rule[]; egress?: Rule[] };
}

const matches = (selector: Record<string, string> | undefined, labels: Readonly<Record<string, string>> = {}) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

/** Whether a label selector selects a pod with `labels`; an operator the evaluator does not know fails loudly. */
export function selects(selector: Selector, labels: Readonly<Record<string, string>> = {}): boolean {
  return (
    matches(selector.match_labels, labels) &&
    (selector.match_expressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case "Exists":
          return key in labels;
        case "DoesNotExist":
          return !(key in labels);
        case "In":
          return key in labels && values.includes(labels[key]);
        case "NotIn":
          return !(key in labels) || !values.includes(labels[key]);
        default:
          throw new Error(`unknown selector operator in a policy: ${operator as string}`);
      }
    })
  );
}

function ipIn(ip: string, cidr: string): boolean {
  const block = parseCidr(cidr);
  if (!block) throw new Error(`not a CIDR in a policy: ${cidr}`);
  const value = ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - block.prefix);
  return value >= block.network && value < block.network + size;
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ip_block) return ipIn(other.ip, peer.ip_block.cidr);
  if (other.namespace === undefined) return false;
  const namespaceOk = peer.namespace_selector
    ? matches(peer.namespace_selector.match_labels, { "kubernetes.io/metadata.name": other.namespace })
    : other.namespace === policyNamespace;
  return namespaceOk && (peer.pod_selector ? selects(peer.pod_selector, other.labels) : true);
}

function ruleAdmits(rule: Rule, peers: Peer[] | undefined, policyNamespace: string, other: Endpoint, port: number, protocol: string): boolean {
  const portOk = !rule.ports?.length || rule.ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || Number(p.port) === port));
  const peerOk = !peers?.length || peers.some((peer) => peerMatches(peer, policyNamespace, other));
  return portOk && peerOk;
}

/**
 * The policies of a synthesized stack, with each `${…}` reference (the namespace, the VPC CIDR read from the network
 * stack's outputs) replaced by the value `references` gives for it; an unknown reference fails.
 */
export function policiesOf(stack: TfJson, references: Readonly<Record<string, string>>): Policy[] {
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (typeof node === "string" && node.startsWith("${")) {
      if (!references[node]) throw new Error(`no value given for ${node}`);
      return references[node];
    }
    if (node === null || typeof node !== "object") return node;
    return Object.fromEntries(Object.entries(node).filter(([key]) => key !== "//").map(([key, value]) => [key, resolve(value)]));
  };
  return Object.values(stack.resource?.kubernetes_network_policy_v1 ?? {}).map(resolve) as Policy[];
}

/** Whether `source` may open a connection to `destination` on `port`. */
export function allowed(policies: readonly Policy[], source: Endpoint, destination: Endpoint, port: number, protocol = "TCP"): boolean {
  const selecting = (pod: Endpoint, type: "Ingress" | "Egress") =>
    policies.filter((p) => pod.namespace === p.metadata.namespace && p.spec.policy_types.includes(type) && selects(p.spec.pod_selector, pod.labels));
  const egress = selecting(source, "Egress");
  const egressOk = egress.length === 0 || egress.some((p) => (p.spec.egress ?? []).some((rule) => ruleAdmits(rule, rule.to, p.metadata.namespace, destination, port, protocol)));
  const ingress = selecting(destination, "Ingress");
  const ingressOk = ingress.length === 0 || ingress.some((p) => (p.spec.ingress ?? []).some((rule) => ruleAdmits(rule, rule.from, p.metadata.namespace, source, port, protocol)));
  return egressOk && ingressOk;
}
