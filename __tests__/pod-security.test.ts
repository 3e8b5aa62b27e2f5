import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DEFAULT_REFERENCE } from "../scripts/chart-keys";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

const NAMESPACE_REFERENCE = "${kubernetes_namespace_v1.namespace.metadata[0].name}";
const PSA = "pod-security.kubernetes.io";

/** A pod spec as the kubernetes provider synthesizes it (snake_case), or a chart's (camelCase) made alike. */
interface PodSpec {
  readonly podContext: TfJson;
  readonly containers: readonly TfJson[];
  readonly volumes: readonly TfJson[];
  readonly host: readonly unknown[];
}

/**
 * Violations of the Pod Security Standard `restricted` (the checks that can fail for the pods here): a non-root
 * user, no privilege escalation, every capability dropped, the RuntimeDefault seccomp profile, no privileged
 * container, no host namespaces or host paths.
 */
function restrictedViolations(pod: PodSpec): string[] {
  const violations: string[] = [];
  const podNonRoot = pod.podContext.run_as_non_root === true;
  const podSeccomp = pod.podContext.seccomp_profile?.type === "RuntimeDefault";
  for (const container of pod.containers) {
    const context = container.security_context ?? {};
    const name = container.name ?? "container";
    if (!(context.run_as_non_root ?? podNonRoot)) violations.push(`${name}: runAsNonRoot`);
    if (context.allow_privilege_escalation !== false) violations.push(`${name}: allowPrivilegeEscalation`);
    if (!(context.capabilities?.drop ?? []).includes("ALL")) violations.push(`${name}: capabilities.drop ALL`);
    if (!(context.seccomp_profile?.type === "RuntimeDefault" || podSeccomp)) violations.push(`${name}: seccompProfile`);
    if (context.privileged === true) violations.push(`${name}: privileged`);
    if (context.run_as_user === 0 || context.run_as_user === "0") violations.push(`${name}: runAsUser 0`);
  }
  if (pod.volumes.some((volume) => volume.host_path)) violations.push("hostPath volume");
  if (pod.host.some(Boolean)) violations.push("host namespace");
  return violations;
}

function fromProvider(spec: TfJson): PodSpec {
  return {
    podContext: spec.security_context ?? {},
    containers: [...(spec.container ?? []), ...(spec.init_container ?? [])],
    volumes: spec.volume ?? [],
    host: [spec.host_network, spec.host_pid, spec.host_ipc],
  };
}

/** camelCase keys of a chart's values → the snake_case the checker reads. */
function snake(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(snake);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(value)]));
}

/** Every pod template the app stack itself writes into the langfuse namespace. */
function podTemplates(app: TfJson): Array<[string, PodSpec]> {
  // By reference to the namespace resource, or by name where the object comes from the contract's service account.
  const inNamespace = (resource: TfJson) => [NAMESPACE_REFERENCE, "langfuse"].includes(resource.metadata.namespace);
  const jobs = Object.values(resources(app, "kubernetes_job_v1")).filter(inNamespace).map((job) => [job.metadata.name, job.spec.template.spec] as const);
  const cronJobs = Object.values(resources(app, "kubernetes_cron_job_v1"))
    .filter(inNamespace)
    .map((cron) => [cron.metadata.name, cron.spec.job_template.spec.template.spec] as const);
  const deployments = Object.values(resources(app, "kubernetes_deployment_v1")).filter(inNamespace).map((d) => [d.metadata.name, d.spec.template.spec] as const);
  return [...jobs, ...cronJobs, ...deployments].map(([name, spec]) => [name, fromProvider(spec)]);
}

function langfuseValues(app: TfJson): TfJson {
  const release = Object.values(resources(app, "helm_release")).find((r) => r.name === "langfuse")!;
  return JSON.parse((release.values[0] as string).replace(/\$\{([^}]*)\}/g, (_m, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
}

const VARIANTS = [
  ["dev", environment("dev")],
  ["prod", environment("prod")],
] as const;

describe("Pod Security Admission on the langfuse namespace", () => {
  it.each(VARIANTS)("%s: enforces restricted, pinned to the cluster's minor version, and warns and audits on the newest rules", (_, config) => {
    const { app } = synthesize(config);
    const namespace = Object.values(resources(app, "kubernetes_namespace_v1")).find((n) => n.metadata.name === "langfuse")!;
    expect(namespace.metadata.labels).toMatchObject({
      [`${PSA}/enforce`]: "restricted",
      [`${PSA}/enforce-version`]: `v${config.cluster.kubernetesVersion}`,
      [`${PSA}/warn`]: "restricted",
      [`${PSA}/audit`]: "restricted",
    });
  });

  it.each(VARIANTS)("%s: every pod template the app stack writes there meets restricted", (_, config) => {
    const templates = podTemplates(synthesize(config).app);
    const names = templates.map(([name]) => name);
    // The deploy-time retention job, its daily CronJob and the disk-metrics CronJob.
    expect(names).toEqual(expect.arrayContaining(["clickhouse-retention", "disk-metrics"]));
    expect(names.some((name) => /^clickhouse-retention-[0-9a-f]+$/.test(name))).toBe(true);
    for (const [name, pod] of templates) expect(restrictedViolations(pod), name).toEqual([]);
  });

  it.each(VARIANTS)("%s: Langfuse web and worker run as uid 1001, non-root, without privilege escalation, every capability dropped", (_, config) => {
    const { langfuse } = langfuseValues(synthesize(config).app);
    const pod: PodSpec = {
      podContext: snake(langfuse.podSecurityContext) as TfJson,
      containers: [{ name: "web/worker", security_context: snake(langfuse.securityContext) }],
      // The database CA ConfigMap (constructs/langfuse/database-tls.ts), among the extra volumes of both components.
      volumes: snake(langfuse.extraVolumes ?? []) as TfJson[],
      host: [],
    };
    expect(restrictedViolations(pod)).toEqual([]);
    expect(langfuse.podSecurityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001 });
  });

  it("the checker catches what restricted rejects", () => {
    const good = fromProvider({
      security_context: { run_as_non_root: true, seccomp_profile: { type: "RuntimeDefault" } },
      container: [{ name: "c", security_context: { allow_privilege_escalation: false, capabilities: { drop: ["ALL"] } } }],
    });
    expect(restrictedViolations(good)).toEqual([]);
    expect(restrictedViolations({ ...good, podContext: { run_as_non_root: true } })).toEqual(["c: seccompProfile"]);
    expect(restrictedViolations({ ...good, containers: [{ name: "c", security_context: { capabilities: { drop: ["ALL"] } } }] })).toEqual(["c: allowPrivilegeEscalation"]);
    expect(restrictedViolations({ ...good, volumes: [{ host_path: { path: "/" } }] })).toEqual(["hostPath volume"]);
    expect(restrictedViolations({ ...good, host: [true] })).toEqual(["host namespace"]);
  });
});

describe("the bundled ClickHouse and Valkey keep the subcharts' restricted defaults", () => {
  it.each(VARIANTS)("%s: the values loosen none of the subcharts' security settings", (_, config) => {
    const { clickhouse, redis } = langfuseValues(synthesize(config).app);
    for (const section of [clickhouse, redis, redis.primary ?? {}]) {
      for (const key of ["podSecurityContext", "containerSecurityContext", "volumePermissions", "sysctl", "initContainers"]) expect(section).not.toHaveProperty(key);
    }
  });

  // The reference values live beside the repository (shared/reference), where CI has them.
  it.runIf(existsSync(DEFAULT_REFERENCE))("their defaults meet restricted, with the root-running init containers off", () => {
    const read = (file: string) => parseYaml(readFileSync(join(DEFAULT_REFERENCE, "subcharts", file), "utf8"));
    const clickhouse = read("clickhouse-values.yaml");
    const valkey = read("valkey-values.yaml");
    for (const [name, pod, container] of [
      ["clickhouse", clickhouse.podSecurityContext, clickhouse.containerSecurityContext],
      ["valkey", valkey.primary.podSecurityContext, valkey.primary.containerSecurityContext],
    ]) {
      expect(pod.enabled, name).toBe(true);
      expect(container.enabled, name).toBe(true);
      expect(restrictedViolations({ podContext: {}, containers: [{ name, security_context: snake(container) }], volumes: [], host: [] }), name).toEqual([]);
    }
    expect(clickhouse.volumePermissions.enabled).toBe(false);
    expect(valkey.volumePermissions.enabled).toBe(false);
  });
});
