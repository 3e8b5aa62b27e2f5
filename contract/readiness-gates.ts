/*
 * Which pods wait for their load balancer target to turn healthy before they count as Ready. The AWS Load Balancer
 * Controller injects its readiness gate into pods of namespaces labelled NAMESPACE_LABEL; its pod webhook is narrowed
 * (chart value `objectSelector`) to pods that also carry POD_LABEL. Only pods behind an ALB target group carry it
 * (Langfuse web): the ClickHouse pod behind the internal NLB of the emergency cleanup must turn Ready on its own
 * probes, never wait on an NLB health check (a lost NLB would otherwise hold ClickHouse, and the Helm release, unready).
 */

/** The namespace label the controller's pod webhook selects on (fixed by the controller). */
export const READINESS_GATE_NAMESPACE_LABEL = { key: "elbv2.k8s.aws/pod-readiness-gate-inject", value: "enabled" } as const;

/** The pod label that opts a pod into the readiness gate (our own key; the controller's webhook selects on it). */
export const READINESS_GATE_POD_LABEL = { key: "langfuse-eks/alb-readiness-gate", value: "enabled" } as const;
