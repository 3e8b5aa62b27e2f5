/*
 * How the AWS Load Balancer Controller runs. Its admission webhooks for pods, Ingresses and TargetGroupBindings
 * fail closed: while no replica answers, the API server refuses every opted-in pod in a readiness-gated namespace
 * and every Ingress. So it runs two replicas that never share a node, spread over zones where the nodes allow,
 * with a disruption budget that lets a drain take only one at a time. Its Service webhook fails open
 * (LOAD_BALANCER_CONTROLLER_WEBHOOKS). Installed by PlatformAddons
 * (constructs/platform/platform-addons.ts) from the chart pinned there; every key below exists in that chart's
 * values (checked by __tests__/load-balancer-controller.test.ts against data/chart-keys).
 */

/** Replicas of the controller: one lost or drained node leaves the other serving the webhooks. */
export const LOAD_BALANCER_CONTROLLER_REPLICAS = 2;

/**
 * Requests of each replica. The chart sets none, which hides the controller from the scheduler and from the
 * capacity model; ~50m and ~100 MiB is its steady use on a cluster of this size, the limit leaves room for a
 * full resync of every Ingress and Service.
 */
export const LOAD_BALANCER_CONTROLLER_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } } as const;

/** Requests of the one-off job that waits for the controller's webhook (PlatformAddons.ready). */
export const WEBHOOK_PROBE_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } } as const;

/** The labels the chart selects the controller's pods by (release and chart both named aws-load-balancer-controller). */
export const LOAD_BALANCER_CONTROLLER_POD_LABELS = {
  "app.kubernetes.io/name": "aws-load-balancer-controller",
  "app.kubernetes.io/instance": "aws-load-balancer-controller",
} as const;

/**
 * The Service webhook fails open. It intercepts every Service of the cluster but only writes `spec.loadBalancerClass`
 * into LoadBalancer Services that have none, and the one LoadBalancer Service here (the ClickHouse NLB,
 * constructs/clickhouse/endpoint.ts) sets its class itself. Failing closed (the chart's default), it refused every
 * Service while no replica answered, so every chart creating one (cert-manager, the ClickHouse operator, KEDA …)
 * had to wait for the controller's webhook gate: those now install beside the controller.
 */
export const LOAD_BALANCER_CONTROLLER_WEBHOOKS = { serviceMutatorWebhookConfig: { failurePolicy: "Ignore" } } as const;

/** Replicas, requests and placement of the controller: the part of its chart values that keeps the webhooks up. */
export function loadBalancerControllerScheduling(): object {
  const labelSelector = { matchLabels: { ...LOAD_BALANCER_CONTROLLER_POD_LABELS } };
  return {
    replicaCount: LOAD_BALANCER_CONTROLLER_REPLICAS,
    resources: LOAD_BALANCER_CONTROLLER_RESOURCES,
    // Required, not preferred (the chart's default): two replicas on one node fail together. With a single schedulable
    // node the second replica stays Pending, which the Cluster Autoscaler answers with a node.
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector, topologyKey: "kubernetes.io/hostname" }] } },
    // Zones only where possible: dev's nodes live in one zone, and a hard zone spread would block the second replica there.
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector }],
    // The chart renders the budget only with replicaCount > 1, which holds here.
    podDisruptionBudget: { maxUnavailable: 1 },
    // No surge pod: with required anti-affinity on two nodes it would have nowhere to go. One replica serves throughout.
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
  };
}
