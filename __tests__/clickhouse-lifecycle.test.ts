import { createApp } from "../stacks/app-factory";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { CLEANUP_CLICKHOUSE_USER } from "../contract/clickhouse-cleanup-user";
import { afterAll, describe, expect, it } from "vitest";
import { Naming } from "../config/naming";
import { ClickHouseCleanupFunction, type ClickHouseCleanupFunctionProps } from "../constructs/clickhouse/cleanup-function";
import { ClickHouseEndpoint } from "../constructs/clickhouse/endpoint";
import { ClickHouseLifecycle } from "../constructs/clickhouse/lifecycle";
import { buildScript, deterministicZip } from "../constructs/clickhouse/lambda-bundle";
import { ClickHouseRetention } from "../constructs/clickhouse/retention";
import { retentionScript } from "../constructs/clickhouse/retention-script";
import { BITNAMI_V3_CLICKHOUSE } from "../contract/clickhouse-flavours";
import { DISK_METRICS_NAMESPACE } from "../contract/metrics";
import { CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT } from "../contract/service-accounts";
import { SCHEDULE_PAYLOAD } from "../lambda/clickhouse-cleanup/config";
import { REPORTING_RESERVE_MS } from "../lambda/clickhouse-cleanup/deadline";
import { appTables, expiredPartitionDropsQuery, relativeCutoff, ttlStatements } from "../lambda/clickhouse-cleanup/retention-sql";
import { cleanupSynth, dataSources, environment, onlyResource, resources, synthesize, type TfJson } from "./support/synth";

const scratch: string[] = [];
afterAll(() => {
  cleanupSynth();
  scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

// The bitnami ClickHouse of the v3 line (the profiles default to v4, whose names contract/clickhouse-v4.ts holds).
const prodConfig = environment("prod", { langfuse: { line: "v3" } });
// dev turned the emergency cleanup on: it proves the function's path through subnets without NAT.
const devConfig = environment("dev", { langfuse: { line: "v3" }, clickhouse: { diskAlarmPercent: 85, retentionDays: 14, emergencyCleanup: true } });
const prod = () => synthesize(prodConfig);
const dev = () => synthesize(devConfig);
const dep = (name: string) => `\${data.tfe_outputs.upstream-deps.nonsensitive_values["${name}"]}`;
const net = (name: string) => `\${data.tfe_outputs.upstream-network.nonsensitive_values["${name}"]}`;

/** The logical name of the only resource of `type` whose construct path contains `path`. */
function named(stack: TfJson, type: string, path: string): string {
  const matches = Object.entries(resources(stack, type)).filter(([, body]) => body["//"].metadata.path.includes(path));
  if (matches.length !== 1) throw new Error(`expected one ${type} at ${path}, found ${matches.length}`);
  return matches[0][0];
}

function policyStatements(stack: TfJson, path: string): TfJson[] {
  const [document] = Object.values(dataSources(stack, "aws_iam_policy_document")).filter((body) => body["//"].metadata.path.includes(path));
  return document.statement;
}

/** A throwaway stack for construct-level checks. */
function scratchStack(): TerraformStack {
  const outdir = mkdtempSync(join(tmpdir(), "clickhouse-lifecycle-"));
  scratch.push(outdir);
  return new TerraformStack(createApp(outdir), "scratch");
}

describe.each([
  ["prod", prod, 90, 30],
  ["dev", dev, 85, 14],
])("ClickHouse lifecycle in %s", (_name, synth, alarmPercent, retentionDays) => {
  const app = () => synth().app;
  const fn = () => resources(app(), "aws_lambda_function")[named(app(), "aws_lambda_function", "cleanup/function")];

  it("ships the bundled TypeScript handler as a zip asset whose hash is the source_code_hash", () => {
    const lambda = fn();
    expect(lambda.runtime).toBe("nodejs24.x");
    expect(lambda.handler).toBe("index.handler");
    expect(lambda.filename).toMatch(/^assets\/clickhouse-lifecycle_cleanup_code_asset_[A-F0-9]+\/[A-F0-9]+\/[a-f0-9]+\.zip$/);
    const zip = readFileSync(join(synth().stackFolder("app"), lambda.filename));
    expect(lambda.source_code_hash).toBe(createHash("sha256").update(zip).digest("base64"));
    // One local file header, for index.js.
    expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(zip.subarray(30, 30 + zip.readUInt16LE(26)).toString()).toBe("index.js");
  });

  it("runs in the workload subnets with its own security group: ClickHouse load balancer and HTTPS only", () => {
    const stack = app();
    const sg = named(stack, "aws_security_group", "cleanup/sg");
    const nlbSg = named(stack, "aws_security_group", "endpoint/frontend");
    expect(fn().vpc_config).toEqual({ subnet_ids: net("workload_subnet_ids"), security_group_ids: [`\${aws_security_group.${sg}.id}`] });
    const egress = Object.values(resources(stack, "aws_vpc_security_group_egress_rule")).filter((rule) => rule.security_group_id === `\${aws_security_group.${sg}.id}`);
    expect(egress.map((rule) => [rule.from_port, rule.to_port, rule.referenced_security_group_id ?? rule.cidr_ipv4]).sort()).toEqual([
      [443, 443, "0.0.0.0/0"],
      [8123, 8123, `\${aws_security_group.${nlbSg}.id}`],
    ]);
    const ingress = Object.values(resources(stack, "aws_vpc_security_group_ingress_rule")).filter((rule) => rule.security_group_id === `\${aws_security_group.${nlbSg}.id}`);
    expect(ingress).toEqual([expect.objectContaining({ from_port: 8123, to_port: 8123, referenced_security_group_id: `\${aws_security_group.${sg}.id}` })]);
  });

  it("reaches ClickHouse through the internal NLB service's hostname and keeps no secret in its environment", () => {
    const stack = app();
    const service = named(stack, "kubernetes_service_v1", "endpoint/service");
    const variables = fn().environment.variables;
    expect(variables.CLICKHOUSE_URL).toBe(`http://\${kubernetes_service_v1.${service}.status[0].load_balancer[0].ingress[0].hostname}:8123`);
    // Its own ClickHouse user and that user's password, never the admin `default` and its password.
    expect(variables.CLICKHOUSE_SECRET_ARN).toBe(dep("clickhouse_cleanup_secret_arn"));
    expect(variables.CLICKHOUSE_USER).toBe(CLEANUP_CLICKHOUSE_USER.userName);
    expect(Object.keys(variables).sort()).toEqual([
      "ALERTS_TOPIC_ARN",
      "CLICKHOUSE_DATABASE",
      "CLICKHOUSE_SCHEMA",
      "CLICKHOUSE_SECRET_ARN",
      "CLICKHOUSE_URL",
      "CLICKHOUSE_USER",
      "DISK_ALARM_NAME",
      "DRY_RUN",
      "RETENTION_DAYS",
      "SYSTEM_LOG_MAX_BYTES",
      "SYSTEM_LOG_RETENTION_DAYS",
      "TIME_BUDGET_SECONDS",
    ]);
    expect(JSON.stringify(variables)).not.toMatch(/password|random_password|secret_string/i);
    expect(variables.RETENTION_DAYS).toBe(String(retentionDays));
    expect(variables.DISK_ALARM_NAME).toBe(`\${aws_cloudwatch_metric_alarm.${named(stack, "aws_cloudwatch_metric_alarm", "cleanup/disk-alarm")}.alarm_name}`);
    const nlb = resources(stack, "kubernetes_service_v1")[service];
    expect(nlb.spec.type).toBe("LoadBalancer");
    expect(nlb.spec.selector).toEqual(BITNAMI_V3_CLICKHOUSE.podLabels);
    expect(nlb.metadata.annotations).toMatchObject({
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    });
  });

  it("alarms at the configured volume usage on the ClickHouse claim, notifying the alerts topic", () => {
    const alarm = resources(app(), "aws_cloudwatch_metric_alarm")[named(app(), "aws_cloudwatch_metric_alarm", "cleanup/disk-alarm")];
    expect(alarm).toMatchObject({
      namespace: DISK_METRICS_NAMESPACE,
      metric_name: "UsagePercent",
      threshold: alarmPercent,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      alarm_actions: [dep("alerts_topic_arn")],
      ok_actions: [dep("alerts_topic_arn")],
    });
    expect(alarm.dimensions).toMatchObject({ ClusterName: net("cluster_name"), PVCName: BITNAMI_V3_CLICKHOUSE.persistentVolumeClaimName, PodName: BITNAMI_V3_CLICKHOUSE.podName });
  });

  it("starts the function from an EventBridge rule on the alarm entering ALARM, with an invoke permission for that rule only", () => {
    const stack = app();
    const alarm = named(stack, "aws_cloudwatch_metric_alarm", "cleanup/disk-alarm");
    const rule = named(stack, "aws_cloudwatch_event_rule", "cleanup/on-alarm");
    const fnName = named(stack, "aws_lambda_function", "cleanup/function");
    const pattern = resources(stack, "aws_cloudwatch_event_rule")[rule].event_pattern as string;
    expect(pattern).toBe(
      `\${jsonencode({"source" = ["aws.cloudwatch"], "detail-type" = ["CloudWatch Alarm State Change"], "resources" = [aws_cloudwatch_metric_alarm.${alarm}.arn], "detail" = {"alarmName" = [aws_cloudwatch_metric_alarm.${alarm}.alarm_name], "state" = {"value" = ["ALARM"]}}})}`,
    );
    expect(resources(stack, "aws_cloudwatch_event_target")[named(stack, "aws_cloudwatch_event_target", "cleanup/target")]).toMatchObject({ rule: `\${aws_cloudwatch_event_rule.${rule}.name}`, arn: `\${aws_lambda_function.${fnName}.arn}` });
    expect(resources(stack, "aws_lambda_permission")[named(stack, "aws_lambda_permission", "cleanup/invoke")]).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      function_name: `\${aws_lambda_function.${fnName}.function_name}`,
      source_arn: `\${aws_cloudwatch_event_rule.${rule}.arn}`,
    });
  });

  it("retries every 30 minutes from a schedule with the retry payload, invoked only from that rule", () => {
    const stack = app();
    const schedule = named(stack, "aws_cloudwatch_event_rule", "cleanup/retry-schedule");
    const fnName = named(stack, "aws_lambda_function", "cleanup/function");
    const rule = resources(stack, "aws_cloudwatch_event_rule")[schedule];
    expect(rule.schedule_expression).toBe("rate(30 minutes)");
    expect(rule.event_pattern).toBeUndefined();
    const target = resources(stack, "aws_cloudwatch_event_target")[named(stack, "aws_cloudwatch_event_target", "cleanup/retry-target")];
    expect(target).toMatchObject({ rule: `\${aws_cloudwatch_event_rule.${schedule}.name}`, arn: `\${aws_lambda_function.${fnName}.arn}` });
    expect(JSON.parse(target.input)).toEqual({ source: "schedule" });
    expect(JSON.parse(target.input)).toEqual(SCHEDULE_PAYLOAD);
    expect(resources(stack, "aws_lambda_permission")[named(stack, "aws_lambda_permission", "cleanup/retry-invoke")]).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      function_name: `\${aws_lambda_function.${fnName}.function_name}`,
      source_arn: `\${aws_cloudwatch_event_rule.${schedule}.arn}`,
    });
  });

  it("leaves the function its reporting reserve between the time budget and the Lambda timeout", () => {
    const lambda = fn();
    expect(lambda.timeout - Number(lambda.environment.variables.TIME_BUDGET_SECONDS)).toBeGreaterThanOrEqual(REPORTING_RESERVE_MS / 1000);
  });

  it("lets the function read only its secret and the disk alarm's state, and publish only to the alerts topic", () => {
    const statements = policyStatements(app(), "cleanup/permissions");
    const alarm = named(app(), "aws_cloudwatch_metric_alarm", "cleanup/disk-alarm");
    expect(statements.map((statement) => [statement.actions, statement.resources])).toEqual([
      [["secretsmanager:GetSecretValue"], [dep("clickhouse_cleanup_secret_arn")]],
      [["kms:Decrypt"], [dep("secrets_kms_key_arn")]],
      [["sns:Publish"], [dep("alerts_topic_arn")]],
      [["cloudwatch:DescribeAlarms"], [`\${aws_cloudwatch_metric_alarm.${alarm}.arn}`]],
      [["kms:GenerateDataKey*", "kms:Decrypt"], [dep("alerts_kms_key_arn")]],
    ]);
    const attachments = Object.values(resources(app(), "aws_iam_role_policy_attachment"))
      .filter((attachment) => attachment["//"].metadata.path.includes("cleanup"))
      .map((attachment) => attachment.policy_arn);
    expect(attachments).toContain("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
  });

  it("publishes disk metrics every 5 minutes as the IRSA service account of the deps stack, reading kubelet stats (no exec)", () => {
    const stack = app();
    const account = resources(stack, "kubernetes_service_account_v1")[named(stack, "kubernetes_service_account_v1", "disk-metrics/account")];
    expect(account.metadata).toMatchObject({
      name: CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT.name,
      namespace: CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT.namespace,
      annotations: { "eks.amazonaws.com/role-arn": dep("clickhouse_maintenance_role_arn") },
    });
    const cron = resources(stack, "kubernetes_cron_job_v1")[named(stack, "kubernetes_cron_job_v1", "disk-metrics/cron")];
    expect(cron.spec).toMatchObject({ schedule: "*/5 * * * *", concurrency_policy: "Forbid" });
    expect(cron.spec.job_template.spec.template.spec.service_account_name).toBe(`\${kubernetes_service_account_v1.${named(stack, "kubernetes_service_account_v1", "disk-metrics/account")}.metadata[0].name}`);
    const rules = [...Object.values(resources(stack, "kubernetes_role_v1")), ...Object.values(resources(stack, "kubernetes_cluster_role_v1"))]
      .filter((role) => role["//"].metadata.path.includes("disk-metrics"))
      .flatMap((role) => role.rule);
    expect(rules).toEqual([
      { api_groups: [""], resources: ["pods"], verbs: ["list"] },
      { api_groups: [""], resources: ["nodes/stats"], verbs: ["get"] },
    ]);
    // nodes/proxy would reach the kubelet's exec endpoint on every node: nothing in the app stack holds it.
    expect(JSON.stringify([resources(stack, "kubernetes_role_v1"), resources(stack, "kubernetes_cluster_role_v1")])).not.toContain("nodes/proxy");
  });

  it("runs the metrics script on the Node.js the bundle targets, from ConfigMaps under the 1 MiB limit", () => {
    const stack = app();
    const cron = resources(stack, "kubernetes_cron_job_v1")[named(stack, "kubernetes_cron_job_v1", "disk-metrics/cron")];
    // The Node.js major of the bundle, on an exact tag (contract/image-digests.ts adds the digest once known).
    expect(cron.spec.job_template.spec.template.spec.container[0].image).toMatch(/^public\.ecr\.aws\/docker\/library\/node:24\.\d+\.\d+-alpine[\d.]*(@sha256:[0-9a-f]{64})?$/);
    expect(fn().runtime).toBe("nodejs24.x");
    const maps = Object.values(resources(stack, "kubernetes_config_map_v1")).filter((map) => /disk-metrics|retention/.test(map["//"].metadata.path));
    expect(maps).toHaveLength(2);
    for (const map of maps) {
      const bytes = Object.entries(map.data as Record<string, string>).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(1024 * 1024);
    }
  });

  it("applies retention with a deploy-time job named by a hash of its SQL, after the Helm release, not waited for (the daily CronJob repeats it)", () => {
    const stack = app();
    const retention = resources(stack, "kubernetes_job_v1")[named(stack, "kubernetes_job_v1", "retention/job")];
    expect(retention.metadata.name).toMatch(/^clickhouse-retention-[0-9a-f]{10}$/);
    expect(retention.wait_for_completion).toBe(false);
    expect(retention.depends_on).toContain(`helm_release.${named(stack, "helm_release", "langfuse/release")}`);
    const script = Object.values(resources(stack, "kubernetes_config_map_v1")).find((map) => map.metadata.name === "clickhouse-retention")?.data["retention.sh"];
    expect(script).toContain(`MODIFY TTL toDateTime(\`start_time\`) + INTERVAL ${retentionDays} DAY SETTINGS materialize_ttl_after_modify = 0`);
    const daily = resources(stack, "kubernetes_cron_job_v1")[named(stack, "kubernetes_cron_job_v1", "retention/daily")];
    expect(daily.spec.job_template.spec.template.spec.container[0].command).toEqual(retention.spec.template.spec.container[0].command);
  });

  it("runs retention with the chart's ClickHouse image, the password only from the Secret and never on a command line", () => {
    const stack = app();
    const job = resources(stack, "kubernetes_job_v1")[named(stack, "kubernetes_job_v1", "retention/job")];
    const container = job.spec.template.spec.container[0];
    // prod pulls Docker Hub images through the ECR pull-through cache (imageCache), dev straight from Docker Hub.
    const registry = _name === "prod" ? dep("image_registry_prefix") : "docker.io";
    expect(container.image).toBe(`${registry}/bitnamilegacy/clickhouse:25.2.1-debian-12-r0`);
    expect(container.command).toEqual(["/bin/bash", "/scripts/retention.sh"]);
    expect(container.args).toBeUndefined();
    expect(container.env).toEqual([
      { name: "CLICKHOUSE_HOST", value: BITNAMI_V3_CLICKHOUSE.serviceName },
      { name: "CLICKHOUSE_PORT", value: String(BITNAMI_V3_CLICKHOUSE.nativePort) },
      { name: "CLICKHOUSE_USER", value: "default" },
      { name: "CLICKHOUSE_PASSWORD", value_from: { secret_key_ref: { name: "langfuse-secrets", key: "clickhouse-password" } } },
    ]);
    const script = Object.values(resources(stack, "kubernetes_config_map_v1")).find((map) => map.metadata.name === "clickhouse-retention")?.data["retention.sh"] as string;
    expect(script).not.toMatch(/--password|PASSWORD"? *--/);
    expect(script).toContain('clickhouse-client --config-file "${TMPDIR:-/tmp}/client.xml"');
    // The config file lands in a memory-backed emptyDir: the root filesystem stays read-only.
    expect(container.volume_mount).toContainEqual({ name: "scratch", mount_path: "/tmp" });
    expect(job.spec.template.spec.volume).toContainEqual({ name: "scratch", empty_dir: { medium: "Memory", size_limit: "1Mi" } });
    expect(container.security_context.read_only_root_filesystem).toBe(true);
  });
});

describe("ClickHouse lifecycle across environments", () => {
  it("keeps retention and disk metrics but deploys no cleanup function, load balancer or endpoints in default dev", () => {
    const app = synthesize(environment("dev")).app;
    expect(resources(app, "aws_lambda_function")).toEqual({});
    expect(resources(app, "aws_vpc_endpoint")).toEqual({});
    expect(resources(app, "aws_cloudwatch_event_rule")).toEqual({});
    const services = Object.values(resources(app, "kubernetes_service_v1")).map((service) => service.spec[0].type);
    expect(services).not.toContain("LoadBalancer");
    expect(Object.keys(resources(app, "kubernetes_job_v1")).some((name) => name.includes("retention"))).toBe(true);
    expect(Object.keys(resources(app, "kubernetes_cron_job_v1")).some((name) => name.includes("disk-metrics"))).toBe(true);
  });

  it("gives the function Secrets Manager, SNS and CloudWatch endpoints only where the workload subnets have no NAT (dev)", () => {
    const services = (stack: TfJson) =>
      Object.values(resources(stack, "aws_vpc_endpoint"))
        .filter((endpoint) => endpoint["//"].metadata.path.includes("clickhouse-lifecycle"))
        .map((endpoint) => endpoint.service_name).sort();
    expect(services(dev().app)).toEqual(["com.amazonaws.us-east-1.monitoring", "com.amazonaws.us-east-1.secretsmanager", "com.amazonaws.us-east-1.sns"]);
    expect(services(prod().app)).toEqual([]);
  });

  it("scopes the metrics role of the deps stack to PutMetricData in the LangfusePVC namespace", () => {
    const statements = Object.values(dataSources(prod().deps, "aws_iam_policy_document"))
      .flatMap((document) => document.statement ?? [])
      .filter((statement: TfJson) => statement.actions?.includes("cloudwatch:PutMetricData"));
    expect(statements).toEqual([
      expect.objectContaining({
        actions: ["cloudwatch:PutMetricData"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [DISK_METRICS_NAMESPACE] }],
      }),
    ]);
  });

  it("sends the alarm and the cleanup summary to a topic with an e-mail subscription (prod)", () => {
    const subscription = onlyResource(prod().deps, "aws_sns_topic_subscription");
    expect(subscription).toMatchObject({ protocol: "email", endpoint: "ops@example.com" });
  });

  it("ships the zip a fresh build, bypassing every build cache, makes byte for byte", () => {
    const first = prod();
    const firstPath = resources(first.app, "aws_lambda_function")[named(first.app, "aws_lambda_function", "cleanup/function")].filename as string;
    // Synths reuse bundles and zips from dist/lambda-bundles: what they ship must be what a cold build makes.
    const entry = join(__dirname, "..", "lambda", "clickhouse-cleanup", "index.ts");
    const rebuilt = deterministicZip({ "index.js": buildScript(entry).output });
    const shipped = readFileSync(join(first.stackFolder("app"), firstPath));
    expect(rebuilt.equals(shipped)).toBe(true);
  });

  it("re-runs the retention job when the SQL or the chart version changes, not otherwise", () => {
    const jobName = (retentionDays: number, chartVersion: string) =>
      new ClickHouseRetention(scratchStack(), "retention", { namespace: "langfuse", clickhouseHost: "langfuse-clickhouse", clickhousePort: 9000, retentionDays, chartVersion }).jobName;
    expect(jobName(30, "1.5.41")).toBe(jobName(30, "1.5.41"));
    expect(jobName(30, "1.5.41")).not.toBe(jobName(31, "1.5.41"));
    expect(jobName(30, "1.5.41")).not.toBe(jobName(30, "1.5.42"));
  });

  it("names the retention job the same whatever the process synthesized before, when the image holds a token", () => {
    // A token's placeholder (${TfToken[TOKEN.n]}) numbers tokens in creation order: hashing it would rename the job
    // between `npm run synth` of one environment and `synth:all` of several, and replace it on the next apply.
    const jobName = (registry: string) => {
      const stack = scratchStack();
      const prefix = new TerraformVariable(stack, "registry", { type: "string", default: registry }).stringValue;
      return new ClickHouseRetention(stack, "retention", { namespace: "langfuse", clickhouseHost: "langfuse-clickhouse", clickhousePort: 9000, retentionDays: 30, chartVersion: "1.5.41", image: `${prefix}/bitnamilegacy/clickhouse:25.2` }).jobName;
    };
    const first = jobName("a");
    new TerraformVariable(scratchStack(), "unrelated", { type: "string" }).stringValue;
    expect(jobName("b")).toBe(first);
  });
});

/*
 * The retention script itself, run by bash with clickhouse-client and sleep stubbed: the stub records every call
 * (arguments, stdin, the config file it was given) and answers like a server whose tables appear late.
 */
describe("the retention script", () => {
  const STUB = `#!/bin/bash
n=$(( $(cat "$STUB_DIR/count" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$STUB_DIR/count"
printf '%s\\0' "$@" > "$STUB_DIR/$n.args"
args=("$@"); query=""
for i in "\${!args[@]}"; do
  [ "\${args[$i]}" = "--config-file" ] && cp "\${args[$((i + 1))]}" "$STUB_DIR/$n.config"
  [ "\${args[$i]}" = "-q" ] && query=\${args[$((i + 1))]}
done
[[ " $* " == *" --multiquery "* ]] && cat > "$STUB_DIR/$n.stdin"
exists=$(cat "$STUB_DIR/exists" 2>/dev/null || echo 0)
case "$query" in
  "EXISTS TABLE"*) echo $((exists + 1)) > "$STUB_DIR/exists"
    case "$exists" in 0) echo 0 ;; 1) echo "Code: 210. Connection refused" >&2; exit 210 ;; *) echo 1 ;; esac ;;
  *observations*"DROP PARTITION"*) printf '%s\\n' "ALTER TABLE \\\`default\\\`.\\\`observations\\\` DROP PARTITION ID '202609';" ;;
esac
`;
  const PASSWORD = "Zq-8_pw-in-secret";

  interface Call {
    readonly args: string[];
    readonly config?: string;
    readonly stdin?: string;
  }

  /** Runs the script with the recording stub; `tablesAppear: false` swaps in a bare stub whose tables never exist. */
  function runScript(tablesAppear: boolean): { status: number; output: string; calls: Call[]; configMode: number } {
    const dir = mkdtempSync(join(tmpdir(), "retention-script-"));
    scratch.push(dir);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // The bare stub keeps 60 checks fast: one line of arguments per call, and "0".
    const bare = '#!/bin/sh\nprintf "%s\\n" "$*" >> "$STUB_DIR/checks"\necho 0\n';
    writeFileSync(join(bin, "clickhouse-client"), tablesAppear ? STUB : bare, { mode: 0o755 });
    writeFileSync(join(bin, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    writeFileSync(join(dir, "retention.sh"), retentionScript(appTables(30)));
    const result = spawnSync("/bin/bash", [join(dir, "retention.sh")], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        TMPDIR: dir,
        STUB_DIR: dir,
        CLICKHOUSE_HOST: "langfuse-clickhouse",
        CLICKHOUSE_PORT: "9000",
        CLICKHOUSE_USER: "default",
        CLICKHOUSE_PASSWORD: PASSWORD,
      },
    });
    const optional = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : undefined);
    const calls = tablesAppear
      ? Array.from({ length: Number(readFileSync(join(dir, "count"), "utf8")) }, (_, i) => ({
          args: readFileSync(join(dir, `${i + 1}.args`), "utf8").split("\0").slice(0, -1),
          config: optional(`${i + 1}.config`),
          stdin: optional(`${i + 1}.stdin`),
        }))
      : readFileSync(join(dir, "checks"), "utf8").trimEnd().split("\n").map((line) => ({ args: line.split(" ") }));
    return { status: result.status ?? -1, output: result.stdout + result.stderr, calls, configMode: statSync(join(dir, "client.xml")).mode & 0o777 };
  }

  const query = (call: Call) => call.args[call.args.indexOf("-q") + 1];

  it("waits for Langfuse's tables, then applies the TTLs and drops expired partitions with the size guard lifted", () => {
    const run = runScript(true);
    expect(run.status, run.output).toBe(0);
    // Not there, ClickHouse unreachable, there: the script retries both instead of failing the apply.
    expect(run.calls.slice(0, 3).map(query)).toEqual(Array(3).fill("EXISTS TABLE `default`.`scores`"));
    const tables = appTables(30);
    const alters = run.calls.filter((call) => query(call)?.startsWith("ALTER TABLE")).map(query);
    expect(alters).toEqual(tables.flatMap(ttlStatements));
    const selects = run.calls.filter((call) => query(call)?.startsWith("SELECT")).map(query);
    expect(selects).toEqual(tables.map((table) => `${expiredPartitionDropsQuery(table, relativeCutoff(30))} FORMAT TSVRaw`));
    // Only the observations query returned a statement: it is run, with the 50 GB drop guard lifted.
    const drops = run.calls.filter((call) => call.args.includes("--multiquery"));
    expect(drops).toHaveLength(1);
    expect(drops[0].args).toContain("--max_partition_size_to_drop=0");
    expect(drops[0].stdin).toBe("ALTER TABLE `default`.`observations` DROP PARTITION ID '202609';\n");
  });

  it("passes the password in a private client config file, never as an argument", () => {
    const run = runScript(true);
    for (const call of run.calls) {
      expect(call.args.join(" ")).not.toContain(PASSWORD);
      expect(call.args.slice(0, 6)).toEqual(["--config-file", expect.stringMatching(/client\.xml$/), "--host", "langfuse-clickhouse", "--port", "9000"]);
      expect(call.config).toBe(`<config><user>default</user><password><![CDATA[${PASSWORD}]]></password></config>\n`);
    }
    expect(run.configMode).toBe(0o600);
  });

  it("fails the job after 60 checks when the tables never appear", () => {
    const run = runScript(false);
    expect(run.status).toBe(1);
    expect(run.output).toContain("Langfuse tables not found");
    expect(run.calls).toHaveLength(60);
    expect(run.calls.every((call) => call.args.join(" ").endsWith("-q EXISTS TABLE `default`.`scores`"))).toBe(true);
  });
});

describe("ClickHouse lifecycle errors", () => {
  const functionProps: ClickHouseCleanupFunctionProps = {
    name: "langfuse-dev-clickhouse-cleanup",
    region: "us-east-1",
    vpcId: "vpc-1",
    subnetIds: ["subnet-1"],
    clickhouseUrl: "http://clickhouse:8123",
    clickhouseSecurityGroupId: "sg-1",
    clickhousePort: 8123,
    clickhouseSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ch",
    secretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1",
    alertsTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
    alertsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/2",
    retentionDays: 30,
    systemLogRetentionDays: 10,
    timeBudgetSeconds: 841,
    diskAlarmPercent: 90,
    volume: { clusterName: "c", namespace: "langfuse", pvcName: "p", podName: "q" },
  };

  it("throws when the time budget leaves the function no minute to report", () => {
    expect(() => new ClickHouseCleanupFunction(scratchStack(), "cleanup", functionProps)).toThrow(
      "'timeBudgetSeconds' (841) must be at most 840: the function needs a minute to report",
    );
  });

  it("throws when the load balancer name exceeds AWS's 32 characters", () => {
    const name = "langfuse-production-eu-west-clickhouse";
    expect(
      () => new ClickHouseEndpoint(scratchStack(), "endpoint", { namespace: "langfuse", loadBalancerName: name, vpcId: "v", vpcCidr: "10.0.0.0/16", subnetIds: [], podSelector: {} }),
    ).toThrow(`'loadBalancerName' (${name}) must be at most 32 characters (AWS limit)`);
  });

  it("throws when asked to manage an external ClickHouse", () => {
    expect(
      () =>
        new ClickHouseLifecycle(scratchStack(), "lifecycle", {
          naming: new Naming("langfuse", "dev"),
          region: "us-east-1",
          clickhouse: { ...devConfig.clickhouse, mode: "external" },
          chartVersion: "1.5.41",
          namespace: "langfuse",
          network: { vpc_id: "v", vpc_cidr: "10.0.0.0/16", workload_subnet_ids: [], cluster_name: "c" },
          deps: { clickhouse_cleanup_secret_arn: "s", clickhouse_maintenance_role_arn: "r", alerts_topic_arn: "t", alerts_kms_key_arn: "k", secrets_kms_key_arn: "k" },
          subnetsWithoutNat: false,
        }),
    ).toThrow(`'clickhouse.mode' (external) must be "bundled": an external ClickHouse manages its own disks and retention`);
  });
});
