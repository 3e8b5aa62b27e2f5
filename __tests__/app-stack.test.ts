import { createApp } from "../stacks/app-factory";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/errors";
import { LangfuseAutoscaling } from "../constructs/langfuse/autoscaling";
import { LangfuseIngress } from "../constructs/langfuse/ingress";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS, clusterAutoscalerImageTag } from "../constructs/platform/cluster-autoscaler";
import { ADDON_CHARTS, PlatformAddons } from "../constructs/platform/platform-addons";
import { EKS_VERSIONS } from "../config/eks-versions";
import { DEFAULT_KUBERNETES_VERSION } from "../config/profiles";
import { WEB_MIGRATION_GRACE_SECONDS } from "../constructs/langfuse/values";
import { WAIT_BOUNDS_SECONDS } from "../contract/apply-budget";
import { KUBERNETES_SECRET_NAME } from "../contract/secret-keys";
import { EXTERNAL_CLICKHOUSE } from "./support/fixtures";
import { cleanupSynth, dataSources, environment, loadInline, onlyResource, resources, synthesize, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

const dev = () => synthesize(environment("dev")).app;
const prod = () => synthesize(environment("prod")).app;
/** The v3 line (chart 1.5.41) explicitly: the profiles default to v4 (__tests__/v4-release.test.ts covers it). */
const v3 = { langfuse: { line: "v3" } };
const devV3 = () => synthesize(environment("dev", v3)).app;
const prodV3 = () => synthesize(environment("prod", v3)).app;
/** prod with a given certificate, no Route53 zone, no internal ALB and an external ClickHouse. */
const prodVariant = () =>
  synthesize(
    environment("prod", {
      ingress: { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666", hostedZoneId: null, internal: false, inboundCidrs: ["203.0.113.0/24", "198.51.100.0/24"] },
      clickhouse: EXTERNAL_CLICKHOUSE,
    }),
  ).app;

/** A Terraform reference as it appears in the synthesized JSON, without the ${}. */
const ref = (type: string, name: string) => `${type}.${name}`;
const nameOf = (stack: TfJson, type: string, id: string) => Object.keys(resources(stack, type)).find((name) => name.includes(id))!;

/** Parses a helm_release values document, turning each ${…} interpolation into the string "${…}" with ' for ". */
function valuesOf(release: TfJson): TfJson {
  const text = release.values[0] as string;
  return JSON.parse(text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
}

function release(stack: TfJson, name: string): TfJson {
  const found = Object.values(resources(stack, "helm_release")).filter((r) => r.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

const upstream = (stack: "network" | "deps", output: string) => `\${data.tfe_outputs.upstream-${stack}.nonsensitive_values['${output}']}`;

describe.each([
  ["dev", dev],
  ["prod", prod],
])("%s: providers", (_name, stack) => {
  it("reach the cluster from the network outputs with a token from aws_eks_cluster_auth, never exec", () => {
    const json = stack();
    // Ephemeral, not a data source: a fresh token in the apply too, and none in the plan file or the state.
    expect(dataSources(json, "aws_eks_cluster_auth")).toEqual({});
    const tokens = json.ephemeral.aws_eks_cluster_auth as TfJson;
    const auth = Object.keys(tokens);
    expect(auth).toHaveLength(1);
    expect(tokens[auth[0]]).toEqual({ name: '${data.tfe_outputs.upstream-network.nonsensitive_values["cluster_name"]}' });
    const expected = {
      host: '${data.tfe_outputs.upstream-network.nonsensitive_values["cluster_endpoint"]}',
      cluster_ca_certificate: '${base64decode(data.tfe_outputs.upstream-network.nonsensitive_values["cluster_certificate_authority"])}',
      token: `\${ephemeral.aws_eks_cluster_auth.${auth[0]}.token}`,
    };
    expect(json.provider.kubernetes).toEqual([expected]);
    // helm 3.x: `kubernetes` is an object attribute, not a block list.
    expect(json.provider.helm).toEqual([{ kubernetes: expected }]);
    expect(JSON.stringify(json.provider)).not.toContain("exec");
  });
});

describe.each([
  ["dev", dev],
  ["prod", prod],
])("%s: platform add-ons", (name, stack) => {
  it("install every add-on chart at a pinned version", () => {
    const json = stack();
    for (const chart of Object.values(ADDON_CHARTS)) {
      const found = release(json, chart.chart);
      expect(found).toMatchObject({ repository: chart.repository, chart: chart.chart, version: chart.version, wait: true });
      expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it("annotate the load balancer controller and the KEDA operator with their deps roles", () => {
    const json = stack();
    const lbc = valuesOf(release(json, "aws-load-balancer-controller"));
    expect(lbc).toMatchObject({
      clusterName: upstream("network", "cluster_name"),
      vpcId: upstream("network", "vpc_id"),
      region: "us-east-1",
      serviceAccount: { create: true, name: "aws-load-balancer-controller", annotations: { "eks.amazonaws.com/role-arn": upstream("deps", "load_balancer_controller_role_arn") } },
    });
    const keda = release(json, "keda");
    expect(keda.namespace).toBe("keda");
    expect(valuesOf(keda)).toEqual({ podIdentity: { aws: { irsa: { enabled: true, roleArn: upstream("deps", "keda_operator_role_arn") } } } });
  });

  it("make the Langfuse release wait until the controller's webhook answers through its Service", () => {
    const json = stack();
    const jobName = nameOf(json, "kubernetes_job_v1", "webhook-ready");
    const job = resources(json, "kubernetes_job_v1")[jobName];
    expect(job.wait_for_completion).toBe(true);
    expect(job.depends_on).toEqual([ref("helm_release", nameOf(json, "helm_release", "aws-load-balancer-controller"))]);
    const script = job.spec.template.spec.container[0].command.join(" ");
    expect(script).toMatch(/until curl .*https:\/\/aws-load-balancer-webhook-service\.kube-system\.svc\//);
    expect(release(json, "langfuse").depends_on).toContain(ref("kubernetes_job_v1", jobName));
  });

  it("install the other add-ons beside the controller: their Services pass its Service webhook, which fails open", () => {
    const json = stack();
    for (const chart of [ADDON_CHARTS.metricsServer, ADDON_CHARTS.keda, ADDON_CHARTS.clusterAutoscaler, ADDON_CHARTS.loadBalancerController]) {
      expect(release(json, chart.chart).depends_on, chart.chart).toBeUndefined();
    }
    expect(valuesOf(release(json, ADDON_CHARTS.loadBalancerController.chart)).serviceMutatorWebhookConfig).toEqual({ failurePolicy: "Ignore" });
  });

  it("run the Cluster Autoscaler in kube-system on this cluster's node groups, as the deps role", () => {
    const autoscaler = release(stack(), ADDON_CHARTS.clusterAutoscaler.chart);
    expect(autoscaler).toMatchObject({ namespace: "kube-system", repository: "https://kubernetes.github.io/autoscaler", version: "9.59.0" });
    expect(valuesOf(autoscaler)).toMatchObject({
      cloudProvider: "aws",
      awsRegion: "us-east-1",
      autoDiscovery: { clusterName: upstream("network", "cluster_name") },
      rbac: { serviceAccount: { create: true, name: "cluster-autoscaler", annotations: { "eks.amazonaws.com/role-arn": upstream("deps", "cluster_autoscaler_role_arn") } } },
      extraArgs: { "balance-similar-node-groups": true, "skip-nodes-with-system-pods": false, expander: "least-waste" },
    });
    // No static group list and no bounds of its own: the groups' minSize/maxSize rule (ClickHouse keeps min 1).
    expect(valuesOf(autoscaler).autoscalingGroups).toBeUndefined();
    expect(valuesOf(autoscaler).extraArgs).not.toHaveProperty("nodes");
  });

  it("run the autoscaler image of the cluster's Kubernetes minor, from registry.k8s.io even with the image cache on", () => {
    const minor = environment(name).cluster.kubernetesVersion;
    expect(minor).toBe(DEFAULT_KUBERNETES_VERSION);
    expect(environment(name).imageCache.enabled).toBe(name === "prod");
    const { image } = valuesOf(release(stack(), ADDON_CHARTS.clusterAutoscaler.chart));
    expect(image.repository).toBe("registry.k8s.io/autoscaling/cluster-autoscaler");
    // The tag, with its digest once contract/image-digests.ts knows it.
    expect(image.tag.split("@")[0]).toBe(CLUSTER_AUTOSCALER_IMAGE_TAGS[minor]);
    expect(image.tag).toMatch(new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+(@sha256:[0-9a-f]{64})?$`));
  });

  it("make an encrypted, expandable gp3 the default storage class", () => {
    const gp3 = Object.values(resources(stack(), "kubernetes_storage_class_v1")).find((c) => c.metadata.name === "gp3")!;
    expect(gp3).toMatchObject({
      storage_provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
      allow_volume_expansion: true,
      volume_binding_mode: "WaitForFirstConsumer",
      metadata: { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    });
  });
});

describe("the ClickHouse storage class", () => {
  const clickhouseClass = (json: TfJson) => Object.values(resources(json, "kubernetes_storage_class_v1")).find((c) => c.metadata.name === "clickhouse")!;

  it("retains the volume in prod when its claim is deleted", () => {
    expect(clickhouseClass(prod())).toMatchObject({ reclaim_policy: "Retain", parameters: { encrypted: "true" }, allow_volume_expansion: true });
  });

  it("deletes it with the claim in dev", () => {
    expect(clickhouseClass(dev()).reclaim_policy).toBe("Delete");
  });
});

describe.each([
  ["dev", devV3],
  ["prod", prodV3],
])("%s on v3: the Langfuse release", (_name, stack) => {
  it("installs chart langfuse 1.5.41 from langfuse-k8s into the langfuse namespace", () => {
    const json = stack();
    expect(release(json, "langfuse")).toMatchObject({
      chart: "langfuse",
      version: "1.5.41",
      repository: "https://langfuse.github.io/langfuse-k8s",
      namespace: "${kubernetes_namespace_v1.namespace.metadata[0].name}",
      wait: true,
    });
    expect(onlyResource(json, "kubernetes_namespace_v1").metadata.name).toBe("langfuse");
  });

  it("gives a first install, migrations included, its apply-budget bound: longer than liveness lets a migrating pod live", () => {
    const langfuse = release(stack(), "langfuse");
    const web = valuesOf(langfuse).langfuse.web;
    expect(langfuse.timeout).toBe(WAIT_BOUNDS_SECONDS.langfuseRelease);
    expect(langfuse.timeout).toBeGreaterThan(WEB_MIGRATION_GRACE_SECONDS + web.livenessProbe.periodSeconds * web.livenessProbe.failureThreshold);
    expect(langfuse).not.toHaveProperty("timeouts");
    expect(langfuse.atomic).toBeUndefined();
  });

  it("wires PostgreSQL, S3 and the service account role to the deps outputs", () => {
    const values = valuesOf(release(stack(), "langfuse"));
    expect(values.postgresql).toMatchObject({
      host: upstream("deps", "database_host"),
      port: upstream("deps", "database_port"),
      auth: { username: upstream("deps", "database_username"), database: upstream("deps", "database_name") },
    });
    expect(values.s3).toMatchObject({ bucket: upstream("deps", "bucket_name"), region: upstream("deps", "bucket_region") });
    expect(values.langfuse.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toBe(upstream("deps", "langfuse_role_arn"));
  });

  it("holds no secret: the values never reference Secrets Manager or generated passwords", () => {
    const text = release(stack(), "langfuse").values[0] as string;
    expect(text).not.toMatch(/aws_secretsmanager_secret_version|random_password|tfe_outputs\.[\w-]+\.values/);
  });

  it("builds langfuse-secrets from the deps secrets, read through ephemeral resources into write-only data", () => {
    const json = stack();
    const secret = onlyResource(json, "kubernetes_secret_v1");
    expect(secret.metadata.name).toBe(KUBERNETES_SECRET_NAME);
    expect(secret.data).toBeUndefined();
    const versions = json.ephemeral?.aws_secretsmanager_secret_version ?? {};
    const ids = Object.values(versions).map((v) => (v as TfJson).secret_id);
    // With the emergency cleanup (prod), the bundled ClickHouse defines the function's user from its own password.
    const cleanup = Object.keys(resources(json, "aws_lambda_function")).length > 0;
    const expected = ["clickhouse_secret_arn", "langfuse_secrets_arn", ...(cleanup ? ["clickhouse_cleanup_secret_arn"] : [])].map((name) => upstream("deps", name).replace(/'/g, '"'));
    expect(ids.sort()).toEqual(expected.sort());
    for (const name of Object.keys(versions)) expect(secret.data_wo).toContain(`ephemeral.aws_secretsmanager_secret_version.${name}.secret_string`);
    const keys = cleanup ? '"clickhouse-password" = .*, "clickhouse-cleanup-password" = .*' : '"clickhouse-password" = [^,]*';
    expect(secret.data_wo).toMatch(new RegExp(`^\\$\\{merge\\(jsondecode\\(.*\\), \\{${keys}\\}\\)\\}$`));
  });
});

describe("prod: reaching Langfuse", () => {
  const ingress = (json: TfJson, name: string) => Object.values(resources(json, "kubernetes_ingress_v1")).find((i) => i.metadata.name === name)!;

  it("serves HTTPS on an internet-facing ALB with HTTP redirected and the configured source CIDRs", () => {
    const json = prod();
    const external = ingress(json, "langfuse-external");
    const validation = Object.keys(resources(json, "aws_acm_certificate_validation"))[0];
    expect(external.metadata.annotations).toMatchObject({
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      "alb.ingress.kubernetes.io/certificate-arn": `\${aws_acm_certificate_validation.${validation}.certificate_arn}`,
      "alb.ingress.kubernetes.io/inbound-cidrs": "0.0.0.0/0",
      "alb.ingress.kubernetes.io/healthcheck-path": "/api/public/health",
      "alb.ingress.kubernetes.io/load-balancer-name": "langfuse-prod-ext",
      "alb.ingress.kubernetes.io/subnets": '${join(",", data.tfe_outputs.upstream-network.nonsensitive_values["public_subnet_ids"])}',
    });
    expect(external.spec.ingress_class_name).toBe("alb");
    expect(external.spec.rule[0]).toMatchObject({ host: "langfuse.example.com", http: { path: [{ backend: { service: { name: "langfuse-web", port: { number: 3000 } } } }] } });
    expect(external.wait_for_load_balancer).toBe(true);
  });

  it("creates the certificate for the domain and validates it by DNS in the hosted zone", () => {
    const json = prod();
    expect(onlyResource(json, "aws_acm_certificate")).toMatchObject({ domain_name: "langfuse.example.com", validation_method: "DNS" });
    const records = Object.entries(resources(json, "aws_route53_record"));
    const [validationName, validationRecord] = records.find(([name]) => name.includes("certificate-validation"))!;
    expect(validationRecord.zone_id).toBe("Z0123456789ABCDEFGHIJ");
    // One record, no for_each (its keys would be unknown until the certificate exists); the options are a set,
    // which Terraform only indexes through tolist().
    expect(validationRecord).not.toHaveProperty("for_each");
    expect(validationRecord.name).toMatch(/^\$\{tolist\(aws_acm_certificate\.[\w-]+\.domain_validation_options\)\.0\.resource_record_name\}$/);
    expect(validationRecord.records).toEqual([validationRecord.name.replace("resource_record_name", "resource_record_value")]);
    expect(onlyResource(json, "aws_acm_certificate_validation").validation_record_fqdns).toEqual([`\${aws_route53_record.${validationName}.fqdn}`]);
  });

  it("points the domain at the hostname the Ingress reports, not at an ALB looked up by tag", () => {
    const json = prod();
    const externalName = nameOf(json, "kubernetes_ingress_v1", "external");
    const dns = Object.entries(resources(json, "aws_route53_record")).find(([name]) => name.includes("dns"))![1];
    expect(dns).toMatchObject({ zone_id: "Z0123456789ABCDEFGHIJ", name: "langfuse.example.com", type: "A" });
    expect(dns.alias.name).toBe(`\${kubernetes_ingress_v1.${externalName}.status[0].load_balancer[0].ingress[0].hostname}`);
    expect(dns.alias.zone_id).toMatch(/^\$\{data\.aws_lb_hosted_zone_id\./);
    for (const lb of Object.values(dataSources(json, "aws_lb"))) {
      expect(lb).not.toHaveProperty("tags");
      expect(lb.depends_on).toEqual([ref("kubernetes_ingress_v1", externalName)]);
    }
  });

  it("adds an internal ALB in the workload subnets, on HTTPS only with the environment's certificate", () => {
    const json = prod();
    const internal = ingress(json, "langfuse-internal");
    const external = ingress(json, "langfuse-external");
    expect(internal.metadata.annotations).toMatchObject({
      "alb.ingress.kubernetes.io/scheme": "internal",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/subnets": '${join(",", data.tfe_outputs.upstream-network.nonsensitive_values["workload_subnet_ids"])}',
    });
    for (const key of ["alb.ingress.kubernetes.io/certificate-arn", "alb.ingress.kubernetes.io/ssl-policy"]) {
      expect(internal.metadata.annotations[key]).toBe(external.metadata.annotations[key]);
    }
  });

  it("creates the ingress once the controller's webhook answers, beside the release rather than after it (apply time budget)", () => {
    const json = prod();
    expect(ingress(json, "langfuse-external").depends_on).toEqual([ref("kubernetes_job_v1", nameOf(json, "kubernetes_job_v1", "webhook-ready"))]);
  });

  it("gates rolling updates of the namespace's pods on ALB target health", () => {
    expect(onlyResource(prod(), "kubernetes_namespace_v1").metadata.labels).toMatchObject({ "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" });
  });

  it("uses a given certificate as is, with no DNS record when no zone is given", () => {
    const json = prodVariant();
    expect(resources(json, "aws_acm_certificate")).toEqual({});
    expect(resources(json, "aws_route53_record")).toEqual({});
    const external = ingress(json, "langfuse-external");
    expect(external.metadata.annotations["alb.ingress.kubernetes.io/certificate-arn"]).toBe("arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666");
    expect(external.metadata.annotations["alb.ingress.kubernetes.io/inbound-cidrs"]).toBe("203.0.113.0/24,198.51.100.0/24");
    expect(ingress(json, "langfuse-internal")).toBeUndefined();
  });

  it("reads an external ClickHouse's password from its own secret", () => {
    const ids = Object.values(prodVariant().ephemeral?.aws_secretsmanager_secret_version ?? {}).map((v) => (v as TfJson).secret_id);
    expect(ids).toContain("arn:aws:secretsmanager:us-east-1:123456789012:secret:clickhouse-cloud-AbCdEf");
    expect(ids).not.toContain(upstream("deps", "clickhouse_secret_arn").replace(/'/g, '"'));
  });
});

describe("dev: reaching Langfuse", () => {
  it("creates no load balancer, certificate or DNS record", () => {
    const json = dev();
    for (const type of ["kubernetes_ingress_v1", "aws_acm_certificate", "aws_route53_record"]) expect(resources(json, type)).toEqual({});
    expect(dataSources(json, "aws_lb")).toEqual({});
    expect(onlyResource(json, "kubernetes_namespace_v1").metadata.labels).not.toHaveProperty(["elbv2.k8s.aws/pod-readiness-gate-inject"]);
  });
});

describe("web autoscaling", () => {
  const scaler = (json: TfJson) => {
    const found = release(json, "langfuse-web-autoscaler");
    const manifests = valuesOf(found).manifests as TfJson[];
    return { release: found, scaledObject: manifests.find((m) => m.kind === "ScaledObject")!, manifests };
  };

  it("scales prod web on CPU OR ALB requests per replica, out after 60 s and in after 300 s", () => {
    const json = prod();
    const { scaledObject, manifests } = scaler(json);
    const albName = Object.keys(dataSources(json, "aws_lb"))[0];
    expect(scaledObject.spec).toMatchObject({ scaleTargetRef: { kind: "Deployment", name: "langfuse-web" }, minReplicaCount: 2, maxReplicaCount: 6 });
    expect(scaledObject.spec.advanced.horizontalPodAutoscalerConfig.behavior).toMatchObject({
      scaleUp: { stabilizationWindowSeconds: 60 },
      scaleDown: { stabilizationWindowSeconds: 300 },
    });
    const [cpu, requests] = scaledObject.spec.triggers;
    expect(cpu).toEqual({ type: "cpu", metricType: "Utilization", metadata: { value: "70" } });
    expect(requests).toMatchObject({
      type: "aws-cloudwatch",
      metricType: "AverageValue",
      metadata: {
        namespace: "AWS/ApplicationELB",
        metricName: "RequestCount",
        dimensionName: "LoadBalancer",
        dimensionValue: `\${data.aws_lb.${albName}.arn_suffix}`,
        metricStat: "Sum",
        metricStatPeriod: "60",
        targetMetricValue: "1000",
      },
    });
    const authentication = manifests.find((m) => m.kind === "TriggerAuthentication")!;
    expect(requests.authenticationRef.name).toBe(authentication.metadata.name);
    expect(authentication.spec).toEqual({ podIdentity: { provider: "aws" } });
  });

  it("scales dev web on CPU alone (no load balancer)", () => {
    const { scaledObject, manifests } = scaler(dev());
    expect(scaledObject.spec.triggers.map((t: TfJson) => t.type)).toEqual(["cpu"]);
    expect(scaledObject.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 2 });
    expect(manifests).toHaveLength(1);
  });

  it("is created by Helm from a local chart after KEDA and the release, so a first apply works without its CRDs", () => {
    const json = prod();
    const { release: scalerRelease } = scaler(json);
    expect(scalerRelease.depends_on).toEqual([
      ref("helm_release", nameOf(json, "helm_release", "platform_keda")),
      ref("helm_release", nameOf(json, "helm_release", "langfuse_release")),
    ]);
    expect(resources(json, "kubernetes_manifest")).toEqual({});
    const chartDir = join(synthesize(environment("prod")).stackFolder("app"), scalerRelease.chart);
    expect(existsSync(join(chartDir, "Chart.yaml"))).toBe(true);
    expect(readFileSync(join(chartDir, "templates", "manifests.yaml"), "utf8")).toContain("range .Values.manifests");
  });

  it("scales the worker on CPU through the chart's HPA, within the configured bounds", () => {
    const worker = valuesOf(release(prod(), "langfuse")).langfuse.worker;
    expect(worker.hpa).toEqual({ enabled: true, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 });
    expect(worker.pdb).toEqual({ create: true, maxUnavailable: 1 });
  });
});

describe("errors", () => {
  it("throws when the ALB name would exceed 32 characters", () => {
    const document = {
      environments: {
        production: {
          profile: "prod",
          namePrefix: "langfuse-observatory",
          langfuse: { domain: "langfuse.example.com" },
          ingress: { hostedZoneId: "Z0123456789ABCDEFGHIJ" },
        },
      },
    };
    expect(() => loadInline(document, "production")).toThrow(ConfigError);
    expect(() => loadInline(document, "production")).toThrow(
      // The node group prefix (37) binds at the same length as the ALB name (32): whichever is checked first is named.
      /environments\.production\.namePrefix = "langfuse-observatory": the (load balancer name 'langfuse-observatory-production-ext' is 35|EKS node group name prefix 'langfuse-observatory-production-general-' is 40) characters/,
    );
  });

  const scope = () => Testing.stubVersion(createApp());

  it("knows a Cluster Autoscaler image of the same minor for every Kubernetes version the configuration accepts", () => {
    for (const minor of Object.keys(EKS_VERSIONS)) expect(clusterAutoscalerImageTag(minor), minor).toMatch(new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+$`));
  });

  it("throws when the Kubernetes minor has no Cluster Autoscaler image", () => {
    const stack = new TerraformStack(scope(), "s");
    const props = { clusterName: "c", region: "us-east-1", vpcId: "vpc-1", loadBalancerControllerRoleArn: "lbc", kedaOperatorRoleArn: "keda", clusterAutoscalerRoleArn: "ca" };
    expect(() => new PlatformAddons(stack, "platform", { ...props, kubernetesVersion: "1.36" })).toThrow(
      /'kubernetesVersion' \(1\.36\) has no Cluster Autoscaler image in CLUSTER_AUTOSCALER_IMAGE_TAGS \(constructs\/platform\/cluster-autoscaler\.ts knows 1\.31, .*1\.35\); add the v1\.36\.x tag/,
    );
  });

  it("throws when the ingress has neither a certificate nor a zone to validate one", () => {
    const stack = new TerraformStack(scope(), "s");
    expect(
      () =>
        new LangfuseIngress(stack, "ingress", {
          namespace: "langfuse",
          domain: "langfuse.example.com",
          service: { name: "langfuse-web", port: 3000 },
          externalLoadBalancerName: "lf-ext",
          publicSubnetIds: ["subnet-1"],
          inboundCidrs: ["0.0.0.0/0"],
          dependsOn: [],
        }),
    ).toThrow(/HTTPS for 'langfuse.example.com' needs a certificateArn, or a hostedZoneId/);
  });

  it("throws when web minReplicas is greater than maxReplicas", () => {
    const stack = new TerraformStack(scope(), "s");
    expect(
      () => new LangfuseAutoscaling(stack, "autoscaling", { namespace: "langfuse", deploymentName: "langfuse-web", adoptedHpaName: "langfuse-web", minReplicas: 4, maxReplicas: 2, cpuTargetPercent: 70, dependsOn: [] }),
    ).toThrow(/minReplicas \(4\) is greater than maxReplicas \(2\)/);
  });
});
