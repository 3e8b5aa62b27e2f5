import type { AddonChart } from "./platform-addons";

/*
 * Pins, namespaces and pod requests of the v4 add-ons (cert-manager, the ClickHouse operator), apart from the
 * construct that installs them (clickhouse-operator.ts): the capacity model reads them while the configuration
 * loads, which must not load the provider bindings.
 */

/** Pinned charts of the v4 add-ons (December 2026). */
export const CLICKHOUSE_ADDON_CHARTS = {
  /** cert-manager v1.20.2, the version the Langfuse chart README and the official Langfuse Terraform module use. */
  certManager: { repository: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.20.2" },
  /** ClickHouse/clickhouse-operator's chart 0.0.5 (alpha), the version the Langfuse chart 2.0.0 README installs. */
  clickhouseOperator: { repository: "oci://ghcr.io/clickhouse", chart: "clickhouse-operator-helm", version: "0.0.5" },
} as const satisfies Record<string, AddonChart>;

/** Namespaces of the two add-ons. */
export const CLICKHOUSE_ADDON_NAMESPACES = { certManager: "cert-manager", clickhouseOperator: "clickhouse-operator-system" } as const;

/**
 * Requests of the add-ons' pods, for the capacity model: what each idles at on a small cluster. No toleration and
 * no node selector beyond the charts' own (linux): they run on the general nodes, never the dedicated ClickHouse one.
 */
export const CLICKHOUSE_ADDON_RESOURCES = {
  /** cert-manager's controller, webhook and cainjector, each. */
  certManager: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
  /** The post-install API check job (short-lived). */
  certManagerStartupCheck: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
  /** The operator's manager (its chart's own defaults, written down). */
  clickhouseOperator: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
} as const;
