/*
 * Pod Security Admission of the langfuse namespace. Every pod the stacks run there meets the `restricted` standard:
 * Langfuse web and worker (values.ts sets uid 1001, no privilege escalation, all capabilities dropped, RuntimeDefault
 * seccomp), the bundled ClickHouse and Valkey (the Bitnami subcharts' defaults, which the values do not loosen; their
 * volume-permission init containers that run as root stay off), the retention and disk-metrics jobs.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */

/** The Pod Security Standard enforced on the langfuse namespace. */
export const LANGFUSE_POD_SECURITY_LEVEL = "restricted";

/**
 * Namespace labels enforcing `level`, pinned to the cluster's minor version: a control-plane upgrade that tightens
 * the standard then warns (audit, warn follow the newest rules) before it rejects pods.
 */
export function podSecurityLabels(kubernetesVersion: string, level = LANGFUSE_POD_SECURITY_LEVEL): Record<string, string> {
  const prefix = "pod-security.kubernetes.io";
  return {
    [`${prefix}/enforce`]: level,
    [`${prefix}/enforce-version`]: `v${kubernetesVersion}`,
    [`${prefix}/audit`]: level,
    [`${prefix}/audit-version`]: "latest",
    [`${prefix}/warn`]: level,
    [`${prefix}/warn-version`]: "latest",
  };
}
