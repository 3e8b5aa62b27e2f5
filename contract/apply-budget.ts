/*
 * The app stack's apply talks to the cluster with one EKS token (aws_eks_cluster_auth), valid ~15 minutes from the
 * start of the apply. Every step that waits on something outside Terraform (a Helm rollout, a Job, a load balancer,
 * a certificate) is bounded here, and __tests__/apply-time-budget.test.ts sums these bounds along the longest chain
 * of the synthesized dependency graph and fails above APPLY_WAIT_BUDGET_SECONDS. A bound that runs out fails the
 * step; the next apply retries it (docs/app.md, "Apply time budget").
 */

/** Worst-case seconds of waiting on the longest chain of one app apply; the rest of the ~15-minute token is margin. */
export const APPLY_WAIT_BUDGET_SECONDS = 600;

/** Upper bounds, seconds, of each waiting step of the app stack (typical durations in docs/app.md). */
export const WAIT_BOUNDS_SECONDS = {
  /** The load balancer controller's release: one small image, Ready in ~30 s. */
  loadBalancerControllerRelease: 90,
  /** metrics-server, KEDA, Cluster Autoscaler releases (beside the Langfuse release, not before it). */
  addonRelease: 120,
  /** The job that polls the controller's webhook until it answers (seconds, once the controller is Ready). */
  webhookReadyJob: 60,
  /** cert-manager's release (v4 line): three small images and its startupapicheck hook, Ready in ~30–45 s. */
  certManagerRelease: 90,
  /** The ClickHouse operator's release (v4 line): one small image, its certificates issued by a ready cert-manager, ~20–30 s. */
  clickhouseOperatorRelease: 60,
  /** The job that polls cert-manager's and the operator's webhooks through the API server until both answer. */
  clickhouseWebhooksReadyJob: 60,
  /** The Langfuse release: image pulls, PostgreSQL and ClickHouse migrations, pods Ready (~2–4 min on a first install). */
  langfuseRelease: 300,
  /** The release of the web ScaledObject: custom resources only, nothing Helm waits on. */
  autoscalerRelease: 60,
  /** A Service or Ingress until the controller reports its load balancer's host name (~30 s). */
  loadBalancer: 120,
  /** A Route 53 record until the change is INSYNC (usually under a minute). */
  dnsRecord: 90,
  /** ACM DNS validation once its record exists (usually 1–3 minutes). */
  certificateValidation: 240,
  /** A Lambda function in a VPC until it is Active (its network interface; usually under 90 s). */
  vpcFunction: 240,
} as const;

/** A Terraform duration ("90s") for a bound in seconds. */
export function terraformDuration(seconds: number): string {
  return `${seconds}s`;
}
