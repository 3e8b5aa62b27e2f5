import { afterAll, describe, expect, it } from "vitest";
import { APPLY_WAIT_BUDGET_SECONDS, WAIT_BOUNDS_SECONDS } from "../contract/apply-budget";
import { releaseValues } from "../scripts/cost/helm-values";
import { durationSeconds, formatWaitPath, longestWaitPath, NOMINAL_SECONDS, waitBound, type TerraformJson } from "../scripts/apply-budget/wait-path";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

/** Both shapes of app stack: dev (no load balancer, no cleanup) and prod (ALBs, certificate, cleanup NLB and Lambda). */
const appStacks = (): [string, TfJson][] => [
  ["dev", synthesize(environment("dev")).app],
  ["prod", synthesize(environment("prod")).app],
];

const first = <T>(block: T | T[]): T => (Array.isArray(block) ? block[0] : block);

describe("the longest chain of waits of an app apply", () => {
  it("fits the budget in every environment, with the ~15-minute EKS token to spare", () => {
    for (const [name, app] of appStacks()) {
      const path = longestWaitPath(app);
      expect(path.totalSeconds, `${name}:\n${formatWaitPath(path)}`).toBeLessThanOrEqual(APPLY_WAIT_BUDGET_SECONDS);
      expect(APPLY_WAIT_BUDGET_SECONDS).toBeLessThan(15 * 60);
    }
  });

  it("runs through the Langfuse release and the steps that wait on it, so the release's bound is what the budget is spent on", () => {
    const path = longestWaitPath(synthesize(environment("prod")).app);
    const addresses = path.steps.map((step) => step.address);
    expect(addresses.some((address) => address.startsWith("helm_release.langfuse_release"))).toBe(true);
    expect(path.steps.find((step) => step.address.startsWith("helm_release.langfuse_release"))?.seconds).toBe(WAIT_BOUNDS_SECONDS.langfuseRelease);
  });

  it("charges a provider's default timeout where no bound is set, so an unbounded wait cannot slip under the budget", () => {
    expect(waitBound("aws_acm_certificate_validation", {})).toEqual({ seconds: 4500, source: "provider default" });
    expect(waitBound("helm_release", { wait: true })).toEqual({ seconds: 300, source: "provider default" });
    expect(waitBound("kubernetes_job_v1", { wait_for_completion: true, spec: { active_deadline_seconds: 30 }, timeouts: { create: "5m" } })).toEqual({ seconds: 30, source: "active_deadline_seconds" });
    expect(waitBound("kubernetes_job_v1", { wait_for_completion: false })).toEqual({ seconds: NOMINAL_SECONDS, source: "nominal" });
  });

  it("fails a chain of waits above the budget (the check can fail)", () => {
    const stack: TerraformJson = {
      resource: {
        helm_release: { a: { wait: true, timeout: 400 }, b: { wait: true, timeout: 400, depends_on: ["helm_release.a"] } },
        kubernetes_ingress_v1: { c: { wait_for_load_balancer: true, metadata: { namespace: "${helm_release.b.namespace}" } } },
      },
    };
    const path = longestWaitPath(stack);
    expect(path.steps.map((step) => step.address)).toEqual(["helm_release.a", "helm_release.b", "kubernetes_ingress_v1.c"]);
    expect(path.totalSeconds).toBe(400 + 400 + 1200);
    expect(path.totalSeconds).toBeGreaterThan(APPLY_WAIT_BUDGET_SECONDS);
  });

  it("refuses durations it cannot read and dependency cycles", () => {
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(() => durationSeconds("ten minutes")).toThrow(/not a Terraform duration/);
    const cycle = { resource: { helm_release: { a: { depends_on: ["helm_release.b"] }, b: { depends_on: ["helm_release.a"] } } } };
    expect(() => longestWaitPath(cycle)).toThrow(/dependency cycle/);
  });
});

describe("every wait of the app stack is bounded explicitly", () => {
  it("helm releases that wait set a timeout no longer than their bound", () => {
    const limit = Math.max(...Object.values(WAIT_BOUNDS_SECONDS));
    for (const [name, app] of appStacks()) {
      for (const [id, release] of Object.entries(resources(app, "helm_release"))) {
        expect(release.wait, `${name} ${id}`).toBe(true);
        expect(typeof release.timeout, `${name} ${id}`).toBe("number");
        expect(release.timeout, `${name} ${id}`).toBeLessThanOrEqual(limit);
      }
    }
  });

  it("jobs Terraform waits for end by their own deadline, before the provider's timer", () => {
    for (const [name, app] of appStacks()) {
      for (const [id, job] of Object.entries(resources(app, "kubernetes_job_v1"))) {
        if (job.wait_for_completion !== true) continue;
        const deadline = first(job.spec).active_deadline_seconds;
        expect(deadline, `${name} ${id}`).toBeGreaterThan(0);
        expect(deadline, `${name} ${id}`).toBeLessThan(durationSeconds(first(job.timeouts).create));
      }
    }
  });

  it("waits for every job but the deploy-time retention run, which the daily CronJob repeats with the same script", () => {
    for (const [name, app] of appStacks()) {
      const jobs = Object.values(resources(app, "kubernetes_job_v1"));
      const unwaited = jobs.filter((job) => job.wait_for_completion !== true);
      expect(unwaited.map((job) => job.metadata.name), name).toEqual([expect.stringMatching(/^clickhouse-retention-[0-9a-f]{10}$/)]);
      const daily = Object.values(resources(app, "kubernetes_cron_job_v1")).find((cron) => cron.metadata.name === "clickhouse-retention");
      expect(first(daily?.spec.job_template.spec.template.spec).container[0].command, name).toEqual(first(first(unwaited[0].spec).template.spec).container[0].command);
    }
  });

  it("starts the ClickHouse add-ons beside the load balancer controller: its Service webhook fails open, and the one load balancer Service names its class", () => {
    let loadBalancerServices = 0;
    for (const [name, app] of appStacks()) {
      const releases = Object.entries(resources(app, "helm_release"));
      const [gate] = Object.entries(resources(app, "kubernetes_job_v1")).find(([, job]) => job.metadata.name.startsWith("aws-load-balancer-webhook-ready"))!;
      const certManager = releases.find(([, release]) => release.name === "cert-manager")![1];
      expect(certManager.depends_on ?? [], name).not.toContain(`kubernetes_job_v1.${gate}`);
      const [controllerId, controller] = releases.find(([, release]) => release.name === "aws-load-balancer-controller")!;
      const values = releaseValues({ stack: "app", type: "helm_release", name: controllerId, body: controller });
      expect(values?.serviceMutatorWebhookConfig, name).toEqual({ failurePolicy: "Ignore" });
      for (const [id, service] of Object.entries(resources(app, "kubernetes_service_v1"))) {
        if (first(service.spec).type !== "LoadBalancer") continue;
        expect(first(service.spec).load_balancer_class, `${name} ${id}`).toBe("service.k8s.aws/nlb");
        loadBalancerServices++;
      }
    }
    expect(loadBalancerServices).toBeGreaterThan(0);
  });

  it("load balancers, certificate validation, DNS records and the VPC function set a create timeout", () => {
    const types = ["kubernetes_service_v1", "kubernetes_ingress_v1", "aws_acm_certificate_validation", "aws_route53_record", "aws_lambda_function"];
    let checked = 0;
    for (const [name, app] of appStacks()) {
      for (const type of types) {
        for (const [id, body] of Object.entries(resources(app, type))) {
          expect(waitBound(type, body).source, `${name} ${type}.${id}`).not.toBe("provider default");
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(types.length);
  });
});

describe("a retried apply converges instead of failing on leftovers", () => {
  it("no Terraform-managed Job deletes itself after finishing (the next plan would create and run it again)", () => {
    for (const [name, app] of appStacks()) {
      for (const [id, job] of Object.entries(resources(app, "kubernetes_job_v1"))) {
        expect(first(job.spec).ttl_seconds_after_finished, `${name} ${id}`).toBeUndefined();
      }
    }
  });

  it("each Job's name changes with what it runs, so a changed Job is a new object, never an update of a finished one", () => {
    const app = synthesize(environment("prod")).app;
    const names = Object.values(resources(app, "kubernetes_job_v1")).map((job) => job.metadata.name as string);
    expect(names.some((name) => /^clickhouse-retention-[0-9a-f]{10}$/.test(name))).toBe(true);
    expect(names.some((name) => /^aws-load-balancer-webhook-ready-\d+-\d+-\d+$/.test(name))).toBe(true);
    const shorter = synthesize(environment("prod", { clickhouse: { retentionDays: 45 } })).app;
    const retention = (stack: TfJson) => Object.values(resources(stack, "kubernetes_job_v1")).map((job) => job.metadata.name as string).find((name) => name.startsWith("clickhouse-retention-"));
    expect(retention(shorter)).not.toBe(retention(app));
  });

  it("no release is atomic: a failed install stays for inspection, Terraform marks it tainted and the next apply replaces it", () => {
    for (const [name, app] of appStacks()) {
      for (const [id, release] of Object.entries(resources(app, "helm_release"))) expect(release.atomic, `${name} ${id}`).toBeUndefined();
    }
  });
});
