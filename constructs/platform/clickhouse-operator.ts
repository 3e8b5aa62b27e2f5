import type { Release } from "@cdktf/provider-helm/lib/release";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Construct } from "constructs";
import { terraformDuration, WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";
import { CLICKHOUSE_ADDON_CHARTS, CLICKHOUSE_ADDON_NAMESPACES, CLICKHOUSE_ADDON_RESOURCES } from "./clickhouse-addons";
import { release, WEBHOOK_PROBE_IMAGE } from "./platform-addons";

/*
 * The add-ons the Langfuse v4 chart needs before its release: cert-manager (the ClickHouse operator's webhook and
 * metrics certificates) and the ClickHouse operator (it runs the ClickHouseCluster and KeeperCluster the chart
 * renders). Installed only on the v4 line with the bundled ClickHouse; an external ClickHouse needs neither.
 *
 * Order, each step waited for: cert-manager with its CRDs (its chart's startupapicheck hook proves its webhook
 * answers on install) → the operator with its CRDs (its Issuer and Certificates need cert-manager's webhook) →
 * `ready`, a job that proves both webhooks answer through the API server → the Langfuse release, whose CRD check
 * (`clickhouse.crdCheck`, left on) then finds the operator's API and whose custom resources pass its webhook.
 * The chain starts with the apply, beside the load balancer controller's: their Services need no controller, whose
 * Service webhook fails open (constructs/platform/load-balancer-controller.ts). Each step has its bound in
 * contract/apply-budget.ts: this chain runs into the Langfuse release, on the apply's longest path.
 */

export { CLICKHOUSE_ADDON_CHARTS, CLICKHOUSE_ADDON_NAMESPACES, CLICKHOUSE_ADDON_RESOURCES } from "./clickhouse-addons";

/** cert-manager values: CRDs through the chart (kept on uninstall), requests on every pod. */
export function certManagerValues(): object {
  const resources = CLICKHOUSE_ADDON_RESOURCES.certManager;
  return {
    crds: { enabled: true, keep: true },
    resources,
    webhook: { resources },
    cainjector: { resources },
    startupapicheck: { resources: CLICKHOUSE_ADDON_RESOURCES.certManagerStartupCheck },
  };
}

/** ClickHouse operator values: its CRDs (kept on uninstall: deleting a CRD deletes every ClickHouse on it), cert-manager installed apart. */
export function clickhouseOperatorValues(): object {
  return {
    crd: { enable: true, keep: true },
    certManager: { enable: true, install: false },
    webhook: { enable: true },
    manager: { resources: CLICKHOUSE_ADDON_RESOURCES.clickhouseOperator },
  };
}

/** Dry-run creations the readiness job sends: each passes through one add-on's admission webhook. */
export const WEBHOOK_PROBES = [
  {
    webhook: "cert-manager",
    path: "/apis/cert-manager.io/v1/namespaces/NAMESPACE/issuers",
    body: { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "webhook-probe" }, spec: { selfSigned: {} } },
  },
  {
    webhook: "clickhouse-operator",
    path: "/apis/clickhouse.com/v1alpha1/namespaces/NAMESPACE/clickhouseclusters",
    body: { apiVersion: "clickhouse.com/v1alpha1", kind: "ClickHouseCluster", metadata: { name: "webhook-probe" }, spec: { replicas: 1, keeperClusterRef: { name: "webhook-probe" } } },
  },
] as const;

/**
 * The readiness job's script. `dryRun=All` runs admission (the webhooks) without storing anything. Not ready:
 * no connection, 404 (the CRD is not served yet) and 5xx ("failed calling webhook": no endpoint, or a CA bundle
 * not injected yet). Any other answer, a denial included, means the API server reached the webhook.
 */
export function webhookProbeScript(namespace: string): string {
  const lines = [
    "set -u",
    "sa=/var/run/secrets/kubernetes.io/serviceaccount",
    'token=$(cat "$sa/token")',
    "probe() {",
    '  code=$(curl --silent --max-time 10 --output /dev/null --write-out "%{http_code}" --cacert "$sa/ca.crt" -H "Authorization: Bearer $token" -H "Content-Type: application/json" -X POST --data "$2" "https://kubernetes.default.svc$1?dryRun=All") || code=000',
    '  case "$code" in 000|404|5*) echo "$1: $code, waiting"; return 1 ;; esac',
    "}",
  ];
  for (const probe of WEBHOOK_PROBES) {
    const path = probe.path.replace("NAMESPACE", namespace);
    lines.push(`until probe ${path} '${JSON.stringify({ ...probe.body, metadata: { ...probe.body.metadata, namespace } })}'; do sleep 5; done`);
    lines.push(`echo "${probe.webhook} webhook answers"`);
  }
  return lines.join("\n") + "\n";
}

export interface ClickHouseOperatorAddonsProps {
  /**
   * <registry host>/<prefix> of an ECR pull-through cache of Docker Hub; the readiness job's curl image is pulled through it.
   * @default - straight from Docker Hub
   */
  readonly imageRegistryPrefix?: string;
}

export class ClickHouseOperatorAddons extends Construct {
  readonly certManager: Release;
  readonly operator: Release;
  /** Completes when both webhooks answer; the Langfuse release depends on this. */
  readonly ready: JobV1;

  constructor(scope: Construct, id: string, props: ClickHouseOperatorAddonsProps = {}) {
    super(scope, id);
    const charts = CLICKHOUSE_ADDON_CHARTS;
    const namespaces = CLICKHOUSE_ADDON_NAMESPACES;
    this.certManager = release(this, "cert-manager", charts.certManager, namespaces.certManager, certManagerValues(), {
      createNamespace: true,
      timeoutSeconds: WAIT_BOUNDS_SECONDS.certManagerRelease,
    });
    this.operator = release(this, "clickhouse-operator", charts.clickhouseOperator, namespaces.clickhouseOperator, clickhouseOperatorValues(), {
      createNamespace: true,
      timeoutSeconds: WAIT_BOUNDS_SECONDS.clickhouseOperatorRelease,
      dependsOn: [this.certManager],
    });
    this.ready = this.readinessJob(props.imageRegistryPrefix);
  }

  private readinessJob(imageRegistryPrefix?: string): JobV1 {
    const namespace = CLICKHOUSE_ADDON_NAMESPACES.clickhouseOperator;
    const name = "clickhouse-addons-webhook-probe";
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "langfuse" };
    const account = new ServiceAccountV1(this, "probe-account", { metadata: { name, namespace, labels }, dependsOn: [this.operator] });
    // Dry-run creation needs the create verb; nothing is ever stored.
    const role = new RoleV1(this, "probe-role", {
      metadata: { name, namespace, labels },
      rule: [
        { apiGroups: ["cert-manager.io"], resources: ["issuers"], verbs: ["create"] },
        { apiGroups: ["clickhouse.com"], resources: ["clickhouseclusters"], verbs: ["create"] },
      ],
      dependsOn: [this.operator],
    });
    const binding = new RoleBindingV1(this, "probe-binding", {
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
    });
    const versions = `${CLICKHOUSE_ADDON_CHARTS.certManager.version}-${CLICKHOUSE_ADDON_CHARTS.clickhouseOperator.version}`;
    return new JobV1(this, "webhooks-ready", {
      metadata: {
        // The versions in the name replace the job on an upgrade of either add-on, so the check runs again.
        name: `clickhouse-addons-ready-${versions.replace(/[^a-z0-9]+/g, "-")}`,
        namespace,
        labels,
      },
      spec: {
        backoffLimit: 3,
        // The whole job (every retry) ends within its bound: failed, it fails the apply, and the next one replaces it.
        activeDeadlineSeconds: WAIT_BOUNDS_SECONDS.clickhouseWebhooksReadyJob,
        template: {
          // No pod labels of our own: the Job controller adds its own there, as on the load balancer gate.
          metadata: {},
          spec: {
            restartPolicy: "Never",
            serviceAccountName: account.metadata.name,
            // The token authenticates the dry-run requests.
            automountServiceAccountToken: true,
            container: [
              {
                name: "wait-for-webhooks",
                image: imageRegistryPrefix ? `${imageRegistryPrefix}/${WEBHOOK_PROBE_IMAGE}` : WEBHOOK_PROBE_IMAGE,
                command: ["sh", "-c", webhookProbeScript(namespace)],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: "65534",
                  runAsGroup: "65534",
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
      },
      waitForCompletion: true,
      // A margin over the deadline: Kubernetes, not the provider's timer, ends the job.
      timeouts: {
        create: terraformDuration(WAIT_BOUNDS_SECONDS.clickhouseWebhooksReadyJob + 30),
        update: terraformDuration(WAIT_BOUNDS_SECONDS.clickhouseWebhooksReadyJob + 30),
      },
      dependsOn: [this.operator, binding],
    });
  }
}
