import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LANGFUSE_LINES, resolveRelease } from "../contract/langfuse-lines";
import { CLICKHOUSE_ADDON_CHARTS, CLICKHOUSE_ADDON_NAMESPACES, webhookProbeScript } from "../constructs/platform/clickhouse-operator";
import { configErrorOf } from "./support/errors";
import { EXTERNAL_CLICKHOUSE } from "./support/fixtures";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

/*
 * The v4 line as a whole: the configuration that selects it (and refuses what the worker would refuse), the
 * synthesized app stack (add-ons before the release, gated), and the readiness job's script run against a fake API.
 */

const scratch: string[] = [];
afterAll(() => {
  cleanupSynth();
  scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

const withLangfuse = (langfuse: object, name = "dev") => () => environment(name, { langfuse });

describe("the Langfuse line in the configuration", () => {
  it("defaults both profiles to v4 on chart 2.0.0 with the app tag pinned, events_only", () => {
    for (const name of ["dev", "prod"]) {
      const { langfuse } = environment(name);
      expect(langfuse.line).toBe("v4");
      expect(resolveRelease(langfuse)).toEqual({ line: "v4", chartVersion: "2.0.0", imageTag: "4.4.0" });
      expect(langfuse.v4Migration).toEqual({ writeMode: "events_only", nativeOtelBehaviour: "direct", allowPreviewOptIn: true, historicBackfill: false });
    }
  });

  it("keeps v3 on chart 1.5.41 and its appVersion with one line of configuration", () => {
    expect(resolveRelease(environment("prod", { langfuse: { line: "v3" } }).langfuse)).toEqual({ line: "v3", chartVersion: LANGFUSE_LINES.v3.chartVersion });
  });

  it.each([
    ["a 2.x chart on v3", { line: "v3", chartVersion: "2.0.0" }, "langfuse.chartVersion", /line v3 takes a 1\.5\.x chart/],
    ["a 1.5.x chart on v4", { chartVersion: "1.5.41", imageTag: "4.4.0" }, "langfuse.chartVersion", /line v4 takes a 2\.0\.x chart/],
    ["an image tag on v3", { line: "v3", imageTag: "3.224.1" }, "langfuse.imageTag", /runs its chart's appVersion/],
    ["a v3 image tag on v4", { imageTag: "3.224.1" }, "langfuse.imageTag", /Langfuse 4\.x image/],
    ["a chosen v4 chart without its app version", { chartVersion: "2.0.2" }, "langfuse.imageTag", /needs the app version it runs/],
    ["events_only with dual_write", { v4Migration: { nativeOtelBehaviour: "dual_write" } }, "langfuse.v4Migration.nativeOtelBehaviour", /refuses events_only with dual_write/],
    ["events_only without the preview opt-in", { v4Migration: { allowPreviewOptIn: false } }, "langfuse.v4Migration.allowPreviewOptIn", /refuses events_only without the preview opt-in/],
    ["legacy with direct", { v4Migration: { writeMode: "legacy", allowPreviewOptIn: false } }, "langfuse.v4Migration.nativeOtelBehaviour", /refuses legacy with direct/],
    ["legacy with the preview opt-in", { v4Migration: { writeMode: "legacy", nativeOtelBehaviour: "dual_write" } }, "langfuse.v4Migration.allowPreviewOptIn", /legacy keeps v3 behaviour/],
    [
      "legacy with the historic backfill",
      { v4Migration: { writeMode: "legacy", nativeOtelBehaviour: "dual_write", allowPreviewOptIn: false, historicBackfill: true } },
      "langfuse.v4Migration.historicBackfill",
      /legacy writes no v4 tables/,
    ],
    ["an unknown write mode", { v4Migration: { writeMode: "v4_only" } }, "langfuse.v4Migration.writeMode", /Invalid option|expected one of/],
  ])("refuses %s, naming the key and the fix", (_name, langfuse, key, fix) => {
    const error = configErrorOf(withLangfuse(langfuse));
    expect(error.key).toBe(`environments.dev.${key}`);
    expect(error.fix).toMatch(fix);
  });

  it("accepts every combination the worker starts on", () => {
    const valid = [
      { writeMode: "events_only", nativeOtelBehaviour: "direct", allowPreviewOptIn: true, historicBackfill: false },
      { writeMode: "events_only", nativeOtelBehaviour: "direct", allowPreviewOptIn: true, historicBackfill: true },
      { writeMode: "dual", nativeOtelBehaviour: "direct", allowPreviewOptIn: true, historicBackfill: true },
      { writeMode: "dual", nativeOtelBehaviour: "dual_write", allowPreviewOptIn: false, historicBackfill: false },
      { writeMode: "legacy", nativeOtelBehaviour: "dual_write", allowPreviewOptIn: false, historicBackfill: false },
    ];
    for (const v4Migration of valid) expect(withLangfuse({ v4Migration })().langfuse.v4Migration).toEqual(v4Migration);
  });

  it("ignores the v4 migration settings on the v3 line, which has no such variables", () => {
    expect(() => withLangfuse({ line: "v3", v4Migration: { nativeOtelBehaviour: "dual_write" } })()).not.toThrow();
  });

  it("accepts a newer 2.0.x chart with its app version pinned", () => {
    expect(resolveRelease(withLangfuse({ chartVersion: "2.0.2", imageTag: "4.17.0" })().langfuse)).toEqual({ line: "v4", chartVersion: "2.0.2", imageTag: "4.17.0" });
  });
});

type Resource = TfJson;
const releases = (app: TfJson): Resource[] => Object.values(resources(app, "helm_release"));
const releaseNamed = (app: TfJson, name: string): Resource => releases(app).find((release) => release.name === name)!;
const logicalName = (app: TfJson, type: string, match: (body: Resource) => boolean) => Object.entries(resources(app, type)).find(([, body]) => match(body))![0];
/** A release's values; the quotes inside Terraform interpolations (`["name"]`) become single quotes. */
const valuesOf = (release: Resource) => JSON.parse((release.values[0] as string).replace(/\$\{([^}]*)\}/g, (_match, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));

describe.each(["dev", "prod"])("%s on the v4 line: the app stack", (name) => {
  const app = () => synthesize(environment(name)).app;

  it("installs chart langfuse 2.0.0 with the pinned app image", () => {
    const langfuse = releaseNamed(app(), "langfuse");
    expect(langfuse).toMatchObject({ chart: "langfuse", version: "2.0.0", repository: "https://langfuse.github.io/langfuse-k8s", wait: true });
    expect(valuesOf(langfuse).langfuse.image.tag).toBe("4.4.0");
  });

  it("installs cert-manager v1.20.2 with its CRDs, then the ClickHouse operator 0.0.5, beside the load balancer controller", () => {
    const json = app();
    const certManager = releaseNamed(json, "cert-manager");
    const operator = releaseNamed(json, "clickhouse-operator-helm");
    expect(certManager).toMatchObject({ repository: "https://charts.jetstack.io", version: "v1.20.2", namespace: "cert-manager", create_namespace: true, wait: true });
    expect(valuesOf(certManager).crds).toEqual({ enabled: true, keep: true });
    expect(operator).toMatchObject({ repository: "oci://ghcr.io/clickhouse", version: "0.0.5", namespace: CLICKHOUSE_ADDON_NAMESPACES.clickhouseOperator, wait: true });
    expect(valuesOf(operator)).toMatchObject({ crd: { enable: true, keep: true }, certManager: { install: false } });
    const certManagerName = logicalName(json, "helm_release", (body) => body.name === "cert-manager");
    expect(operator.depends_on).toEqual([`helm_release.${certManagerName}`]);
    // The controller's Service webhook fails open: the add-ons' chain need not wait for its gate (apply time budget).
    expect(certManager.depends_on).toBeUndefined();
  });

  it("applies the Langfuse release only after a job proves both webhooks answer", () => {
    const json = app();
    const gateName = logicalName(json, "kubernetes_job_v1", (body) => body.metadata.name.startsWith("clickhouse-addons-ready-"));
    const gate = resources(json, "kubernetes_job_v1")[gateName];
    const operatorName = logicalName(json, "helm_release", (body) => body.name === "clickhouse-operator-helm");
    expect(gate.wait_for_completion).toBe(true);
    expect(gate.depends_on).toContain(`helm_release.${operatorName}`);
    expect(gate.metadata.name).toBe("clickhouse-addons-ready-v1-20-2-0-0-5");
    expect(releaseNamed(json, "langfuse").depends_on).toContain(`kubernetes_job_v1.${gateName}`);
    const role = Object.values(resources(json, "kubernetes_role_v1")).find((r) => r.metadata.name === "clickhouse-addons-webhook-probe")!;
    expect(role.rule).toEqual([
      { api_groups: ["cert-manager.io"], resources: ["issuers"], verbs: ["create"] },
      { api_groups: ["clickhouse.com"], resources: ["clickhouseclusters"], verbs: ["create"] },
    ]);
  });

  it("never turns the chart's CRD check off", () => {
    const json = app();
    expect(valuesOf(releaseNamed(json, "langfuse")).clickhouse.crdCheck).toBe(true);
    expect(JSON.stringify(json)).not.toMatch(/\\"crdCheck\\": false|crdCheck=false/);
  });

  it("gives every add-on pod requests and no toleration, so they stay off the dedicated ClickHouse node", () => {
    const json = app();
    const certManager = valuesOf(releaseNamed(json, "cert-manager"));
    for (const component of [certManager, certManager.webhook, certManager.cainjector, certManager.startupapicheck]) {
      expect(component.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(component).not.toHaveProperty("tolerations");
    }
    const operator = valuesOf(releaseNamed(json, "clickhouse-operator-helm"));
    expect(operator.manager.resources.requests).toEqual({ cpu: "10m", memory: "64Mi" });
    expect(operator.manager).not.toHaveProperty("tolerations");
  });
});

describe("where the v4 add-ons are not installed", () => {
  it.each([
    ["the v3 line", { langfuse: { line: "v3" } }],
    ["an external ClickHouse", { clickhouse: EXTERNAL_CLICKHOUSE }],
  ])("%s", (_name, overrides) => {
    const names = releases(synthesize(environment("prod", overrides)).app).map((release) => release.name);
    expect(names).not.toContain(CLICKHOUSE_ADDON_CHARTS.certManager.chart);
    expect(names).not.toContain(CLICKHOUSE_ADDON_CHARTS.clickhouseOperator.chart);
  });
});

describe("the webhook readiness script", () => {
  /** Runs the script with a fake curl answering the given HTTP codes in turn, and a sleep that does not wait. */
  function run(codes: readonly string[]): { output: string; calls: string[] } {
    const dir = mkdtempSync(join(tmpdir(), "webhook-probe-"));
    scratch.push(dir);
    writeFileSync(join(dir, "codes"), `${codes.join("\n")}\n`);
    const fake = (name: string, body: string) => {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    };
    fake("curl", `for last; do :; done; echo "$last" >> "${dir}/calls"; code=$(head -n 1 "${dir}/codes"); sed -i 1d "${dir}/codes"; [ "$code" = 000 ] && exit 7; printf %s "$code"`);
    fake("sleep", "exit 0");
    const output = execFileSync("sh", ["-c", webhookProbeScript("clickhouse-operator-system")], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const calls = execFileSync("cat", [join(dir, "calls")], { encoding: "utf8" }).trim().split("\n");
    return { output, calls };
  }

  it("waits through no connection, a missing CRD and an unreachable webhook, then moves on to the next webhook", () => {
    const { output, calls } = run(["000", "404", "500", "201", "503", "422"]);
    expect(calls.map((url) => url.replace(/\?dryRun=All$/, ""))).toEqual([
      ...Array(4).fill("https://kubernetes.default.svc/apis/cert-manager.io/v1/namespaces/clickhouse-operator-system/issuers"),
      ...Array(2).fill("https://kubernetes.default.svc/apis/clickhouse.com/v1alpha1/namespaces/clickhouse-operator-system/clickhouseclusters"),
    ]);
    for (const call of calls) expect(call).toMatch(/\?dryRun=All$/);
    // A denial (422) still proves the API server reached the webhook.
    expect(output).toContain("cert-manager webhook answers");
    expect(output).toContain("clickhouse-operator webhook answers");
  });
});
