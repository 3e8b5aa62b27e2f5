/*
 * The longest chain of waits of one apply, read from a synthesized stack's Terraform JSON: every resource and data
 * source is a node, `depends_on` and `${…}` references are its edges, and each node weighs what Terraform may wait on
 * it at most (its configured bound, or the provider's default when none is set). Terraform creates independent
 * nodes in parallel, so the apply's worst case is the heaviest path from a root to a leaf, not the sum of all nodes.
 */

/** A synthesized stack (cdk.tf.json). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TerraformJson = Record<string, any>;

/** One step of the path. */
export interface WaitStep {
  /** Terraform address (`helm_release.langfuse_release_1A2B3C4D`, `data.aws_lb.…`). */
  readonly address: string;
  /** Seconds Terraform may wait on it at most. */
  readonly seconds: number;
  /** What the weight is: the argument it comes from, or "nominal". */
  readonly source: string;
}

export interface WaitPath {
  readonly totalSeconds: number;
  /** From the first step to the last. */
  readonly steps: readonly WaitStep[];
}

/**
 * Seconds charged for a resource that waits on nothing outside its API call (a namespace, a security group, an IAM
 * role): they are created in seconds, and charging them keeps a long chain of them from looking free.
 */
export const NOMINAL_SECONDS = 5;

/** The providers' default create timeouts, used when a waiting resource sets none (hashicorp/aws 6, kubernetes 2.38, helm 3). */
const PROVIDER_DEFAULT_SECONDS = {
  helmRelease: 300,
  job: 60,
  service: 600,
  ingress: 1200,
  certificateValidation: 4500,
  route53Record: 1800,
  lambdaFunction: 600,
} as const;

/** "90s", "10m", "1h30m" → seconds. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration) throw new Error(`'${duration}' is not a Terraform duration such as 90s or 10m`);
  const unit = { h: 3600, m: 60, s: 1 } as const;
  return parts.reduce((sum, [, amount, u]) => sum + Number(amount) * unit[u as keyof typeof unit], 0);
}

const first = <T>(block: T | T[] | undefined): T | undefined => (Array.isArray(block) ? block[0] : block);

function createTimeout(body: TerraformJson): number | undefined {
  const create = first(body.timeouts)?.create;
  return typeof create === "string" ? durationSeconds(create) : undefined;
}

/** The most seconds Terraform can spend creating one resource, and where that figure comes from. */
export function waitBound(type: string, body: TerraformJson): { seconds: number; source: string } {
  const timeout = createTimeout(body);
  const bounded = (fallback: number) => (timeout !== undefined ? { seconds: timeout, source: "timeouts.create" } : { seconds: fallback, source: "provider default" });
  switch (type) {
    case "helm_release":
      if (body.wait === false) break;
      return typeof body.timeout === "number" ? { seconds: body.timeout, source: "timeout" } : { seconds: PROVIDER_DEFAULT_SECONDS.helmRelease, source: "provider default" };
    case "kubernetes_job_v1": {
      if (body.wait_for_completion !== true) break;
      const deadline = first(body.spec)?.active_deadline_seconds;
      const outer = bounded(PROVIDER_DEFAULT_SECONDS.job);
      // Kubernetes fails the Job at its deadline, which ends the provider's wait before its own timer when shorter.
      return typeof deadline === "number" && deadline < outer.seconds ? { seconds: deadline, source: "active_deadline_seconds" } : outer;
    }
    case "kubernetes_service_v1":
      if (body.wait_for_load_balancer === false || first(body.spec)?.type !== "LoadBalancer") break;
      return bounded(PROVIDER_DEFAULT_SECONDS.service);
    case "kubernetes_ingress_v1":
      if (body.wait_for_load_balancer !== true) break;
      return bounded(PROVIDER_DEFAULT_SECONDS.ingress);
    case "aws_acm_certificate_validation":
      return bounded(PROVIDER_DEFAULT_SECONDS.certificateValidation);
    case "aws_route53_record":
      return bounded(PROVIDER_DEFAULT_SECONDS.route53Record);
    case "aws_lambda_function":
      if (!body.vpc_config) break;
      return bounded(PROVIDER_DEFAULT_SECONDS.lambdaFunction);
  }
  return { seconds: NOMINAL_SECONDS, source: "nominal" };
}

const REFERENCE = /\$\{([^}]*)\}/g;
const ADDRESS = /\b(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g;

/** Addresses a body refers to (`${type.name.attr}` inside any string) plus its `depends_on`. */
function dependencies(body: TerraformJson, known: ReadonlySet<string>): string[] {
  const found = new Set<string>(Array.isArray(body.depends_on) ? body.depends_on : []);
  const text = JSON.stringify({ ...body, depends_on: undefined });
  for (const [, expression] of text.matchAll(REFERENCE)) {
    for (const [, data, type, name] of expression.matchAll(ADDRESS)) found.add(`${data ?? ""}${type}.${name}`);
  }
  return [...found].filter((address) => known.has(address));
}

interface GraphNode {
  readonly step: WaitStep;
  readonly dependsOn: readonly string[];
}

function graphOf(stack: TerraformJson): Map<string, GraphNode> {
  const bodies = new Map<string, { type: string; body: TerraformJson; data: boolean }>();
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, body] of Object.entries(byName as TerraformJson)) bodies.set(`${type}.${name}`, { type, body, data: false });
  }
  for (const [type, byName] of Object.entries(stack.data ?? {})) {
    for (const [name, body] of Object.entries(byName as TerraformJson)) bodies.set(`data.${type}.${name}`, { type, body, data: true });
  }
  const known = new Set(bodies.keys());
  const graph = new Map<string, GraphNode>();
  for (const [address, { type, body, data }] of bodies) {
    const bound = data ? { seconds: 0, source: "data source" } : waitBound(type, body);
    graph.set(address, { step: { address, ...bound }, dependsOn: dependencies(body, known) });
  }
  return graph;
}

/** The heaviest chain of waits of one apply of `stack` (a cycle, which Terraform would refuse too, throws). */
export function longestWaitPath(stack: TerraformJson): WaitPath {
  const graph = graphOf(stack);
  const memo = new Map<string, WaitPath>();
  const visiting = new Set<string>();
  const heaviest = (address: string): WaitPath => {
    const cached = memo.get(address);
    if (cached) return cached;
    if (visiting.has(address)) throw new Error(`dependency cycle through ${address}`);
    visiting.add(address);
    const node = graph.get(address)!;
    const before = node.dependsOn.map(heaviest).reduce<WaitPath>((a, b) => (b.totalSeconds > a.totalSeconds ? b : a), { totalSeconds: 0, steps: [] });
    visiting.delete(address);
    const path = { totalSeconds: before.totalSeconds + node.step.seconds, steps: [...before.steps, node.step] };
    memo.set(address, path);
    return path;
  };
  return [...graph.keys()].map(heaviest).reduce<WaitPath>((a, b) => (b.totalSeconds > a.totalSeconds ? b : a), { totalSeconds: 0, steps: [] });
}

/** The path as lines for a report or a failure message: seconds, address, source. */
export function formatWaitPath(path: WaitPath): string {
  const lines = path.steps.filter((step) => step.seconds > 0).map((step) => `${String(step.seconds).padStart(6)} s  ${step.address}  (${step.source})`);
  return [...lines, `${String(path.totalSeconds).padStart(6)} s  total`].join("\n");
}
