import { NetworkPolicyV1, type NetworkPolicyV1SpecEgress, type NetworkPolicyV1SpecIngress } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Construct } from "constructs";

/** Labels selecting the pods of one workload (a pod selector's matchLabels). */
export type PodLabels = Readonly<Record<string, string>>;

/** The bundled ClickHouse the policies admit clients to. */
export interface ClickHouseFlows {
  /** Labels of the ClickHouse pod. */
  readonly podLabels: PodLabels;
  /** HTTP port (Langfuse queries, health checks, the cleanup function). */
  readonly httpPort: number;
  /** Native protocol port (migrations, the retention job). */
  readonly nativePort: number;
  /**
   * Admit the HTTP port from the VPC: the internal NLB of the cleanup function forwards from its own addresses,
   * which the VPC CNI draws from the same subnets as pod addresses, so no narrower block exists.
   * @default false
   */
  readonly fromLoadBalancer?: boolean;
}

export interface LangfuseNetworkPoliciesProps {
  /** Namespace of Langfuse; every pod in it gets default deny. */
  readonly namespace: string;
  /** CIDR of the VPC: PostgreSQL and ElastiCache live there. */
  readonly vpcCidr: string;
  /** Labels of the web pods. */
  readonly webLabels: PodLabels;
  /** Labels of the worker pods. */
  readonly workerLabels: PodLabels;
  /**
   * The bundled ClickHouse.
   * @default - none: ClickHouse is external, reached on `externalClickHousePorts`
   */
  readonly clickhouse?: ClickHouseFlows;
  /**
   * Ports of an external ClickHouse (HTTPS and native TLS), reached at addresses outside the cluster.
   * @default - none
   */
  readonly externalClickHousePorts?: readonly number[];
  /**
   * Labels of the bundled Valkey pod.
   * @default - none: Redis is ElastiCache in the VPC
   */
  readonly valkeyLabels?: PodLabels;
  /**
   * Labels of the ClickHouse retention job's pods (they reach ClickHouse only).
   * @default - no retention job
   */
  readonly retentionLabels?: PodLabels;
  /**
   * Labels of the disk-metrics job's pods (they reach the Kubernetes API and CloudWatch over HTTPS only).
   * @default - no disk-metrics job
   */
  readonly diskMetricsLabels?: PodLabels;
  /**
   * Pods of an operator-managed ClickHouse (servers, Keeper, and during a v3→v4 move the old server and the copy
   * jobs): they talk to each other on ports of their own (Keeper 9181/9234, interserver 9009, remote() on 9000)
   * and the operator reaches them from its namespace.
   * @default - no such pods
   */
  readonly clickhouseCluster?: { readonly members: readonly PodSelector[]; readonly operatorNamespace?: string };
}

/** A label selector of pods in the namespace. */
export interface PodSelector {
  readonly matchLabels?: PodLabels;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: "Exists" | "In"; readonly values?: readonly string[] }[];
}

/** Where cluster DNS answers: CoreDNS in kube-system, labelled k8s-app=kube-dns by the EKS add-on. */
export const KUBE_DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } } as const;
/** Langfuse web's container port, the target of both ALBs. */
export const LANGFUSE_WEB_PORT = 3000;
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
const HTTPS_PORT = 443;
const ANYWHERE = "0.0.0.0/0";

const tcp = (...ports: number[]) => ports.map((port) => ({ port: String(port), protocol: "TCP" }));
const toPods = (labels: PodLabels) => ({ podSelector: { matchLabels: { ...labels } } });

/**
 * NetworkPolicies of the langfuse namespace, enforced by the VPC CNI's policy engine: every pod is denied all
 * traffic, then each workload gets the flows it needs and nothing else. Kubelet probes are not listed: the engine
 * always admits the pod's own node. HTTPS egress is open to every address because AWS APIs (S3, STS, CloudWatch,
 * Secrets Manager) and the Kubernetes API have no fixed addresses; plain ports are not.
 */
export class LangfuseNetworkPolicies extends Construct {
  /** Every policy, for `dependsOn`: pods should start with their flows in place. */
  readonly policies: NetworkPolicyV1[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: LangfuseNetworkPoliciesProps,
  ) {
    super(scope, id);
    const { clickhouse } = props;
    this.policy("default-deny", {}, { ingress: [], egress: [] });
    // Every pod resolves names; nothing else is common to all of them.
    this.policy("dns", {}, { egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": KUBE_DNS.namespace } }, podSelector: { matchLabels: { ...KUBE_DNS.podLabels } } }], ports: [...tcp(53), { port: "53", protocol: "UDP" }] }] });
    // The public front door: both ALBs (their addresses are in the VPC's subnets) and anything a port-forward brings.
    this.policy("web-ingress", props.webLabels, { ingress: [{ ports: tcp(LANGFUSE_WEB_PORT) }] });
    for (const [name, labels] of [["web", props.webLabels], ["worker", props.workerLabels]] as const) {
      this.policy(`${name}-egress`, labels, { egress: this.applicationEgress() });
    }
    if (clickhouse) {
      const clients = [props.webLabels, props.workerLabels, ...(props.retentionLabels ? [props.retentionLabels] : [])];
      const ingress: NetworkPolicyV1SpecIngress[] = [{ from: clients.map(toPods), ports: tcp(clickhouse.httpPort, clickhouse.nativePort) }];
      if (clickhouse.fromLoadBalancer) ingress.push({ from: [{ ipBlock: { cidr: props.vpcCidr } }], ports: tcp(clickhouse.httpPort) });
      this.policy("clickhouse-ingress", clickhouse.podLabels, { ingress });
    }
    if (props.valkeyLabels) {
      this.policy("valkey-ingress", props.valkeyLabels, { ingress: [{ from: [toPods(props.webLabels), toPods(props.workerLabels)], ports: tcp(REDIS_PORT) }] });
    }
    if (props.retentionLabels && clickhouse) {
      this.policy("retention-egress", props.retentionLabels, { egress: [{ to: [toPods(clickhouse.podLabels)], ports: tcp(clickhouse.httpPort, clickhouse.nativePort) }] });
    }
    props.clickhouseCluster?.members.forEach((member, index) => {
      const peers = props.clickhouseCluster!.members.map((peer) => ({ podSelector: selectorOf(peer) }));
      const operator = props.clickhouseCluster!.operatorNamespace;
      const from = operator ? [...peers, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": operator } } }] : peers;
      this.selectedPolicy(`clickhouse-cluster-${index}`, member, { ingress: [{ from }], egress: [{ to: peers }] });
    });
    if (props.diskMetricsLabels) {
      this.policy("disk-metrics-egress", props.diskMetricsLabels, { egress: [{ to: [{ ipBlock: { cidr: ANYWHERE } }], ports: tcp(HTTPS_PORT) }] });
    }
  }

  /** Web and worker: PostgreSQL, Redis and ClickHouse where they are, HTTPS to AWS APIs and identity providers. */
  private applicationEgress(): NetworkPolicyV1SpecEgress[] {
    const { clickhouse, valkeyLabels, vpcCidr, externalClickHousePorts } = this.props;
    const egress: NetworkPolicyV1SpecEgress[] = [
      { to: [{ ipBlock: { cidr: ANYWHERE } }], ports: tcp(HTTPS_PORT) },
      { to: [{ ipBlock: { cidr: vpcCidr } }], ports: tcp(POSTGRES_PORT) },
      valkeyLabels ? { to: [toPods(valkeyLabels)], ports: tcp(REDIS_PORT) } : { to: [{ ipBlock: { cidr: vpcCidr } }], ports: tcp(REDIS_PORT) },
    ];
    if (clickhouse) egress.push({ to: [toPods(clickhouse.podLabels)], ports: tcp(clickhouse.httpPort, clickhouse.nativePort) });
    if (externalClickHousePorts?.length) egress.push({ to: [{ ipBlock: { cidr: ANYWHERE } }], ports: tcp(...externalClickHousePorts) });
    return egress;
  }

  private policy(name: string, podLabels: PodLabels, rules: { ingress?: NetworkPolicyV1SpecIngress[]; egress?: NetworkPolicyV1SpecEgress[] }): void {
    this.selectedPolicy(name, { matchLabels: podLabels }, rules);
  }

  private selectedPolicy(name: string, selector: PodSelector, rules: { ingress?: NetworkPolicyV1SpecIngress[]; egress?: NetworkPolicyV1SpecEgress[] }): void {
    const policyTypes = [...(rules.ingress ? ["Ingress"] : []), ...(rules.egress ? ["Egress"] : [])];
    this.policies.push(
      new NetworkPolicyV1(this, name, {
        metadata: { name: `langfuse-${name}`, namespace: this.props.namespace },
        spec: {
          podSelector: selectorOf(selector),
          policyTypes,
          ...(rules.ingress?.length ? { ingress: rules.ingress } : {}),
          ...(rules.egress?.length ? { egress: rules.egress } : {}),
        },
      }),
    );
  }
}

/** A PodSelector as the kubernetes provider takes it (mutable copies). */
function selectorOf(selector: PodSelector) {
  return {
    ...(selector.matchLabels ? { matchLabels: { ...selector.matchLabels } } : {}),
    ...(selector.matchExpressions ? { matchExpressions: selector.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) })) } : {}),
  };
}

/** The ports an external ClickHouse is reached on: its HTTP(S) URL's and its native (migration) URL's. */
export function externalClickHousePorts(httpUrl: string, migrationUrl: string): number[] {
  const http = new URL(httpUrl);
  const native = new URL(migrationUrl.replace(/^clickhouse:/, "http:"));
  const httpPort = http.port ? Number(http.port) : http.protocol === "https:" ? 8443 : 8123;
  const nativePort = native.port ? Number(native.port) : 9000;
  return [...new Set([httpPort, nativePort])];
}
