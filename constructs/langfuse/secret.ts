import { DataAwsSecretsmanagerSecretVersions } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-versions";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { CLICKHOUSE_CLEANUP_PASSWORD_KEY, CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME } from "../../contract/secret-keys";
import { EphemeralResource } from "../identity/ephemeral-resource";

export interface LangfuseSecretProps {
  /** Namespace the Secret is created in (the release's). */
  readonly namespace: string;
  /** Secrets Manager secret holding a JSON object keyed by LANGFUSE_SECRET_KEYS (deps stack). */
  readonly langfuseSecretsArn: string;
  /** Secrets Manager secret whose string is the ClickHouse password (deps stack, or the external ClickHouse's). */
  readonly clickhousePasswordSecretArn: string;
  /**
   * Secrets Manager secret whose string is the password of the cleanup function's ClickHouse user (deps stack): the
   * bundled ClickHouse defines that user from it.
   * @default - no cleanup user (no emergency cleanup, or an external ClickHouse)
   */
  readonly clickhouseCleanupPasswordSecretArn?: string;
}

/**
 * The Kubernetes Secret `langfuse-secrets` the chart values point at (secretKeyRef / existingSecret): every key
 * of the deps stack's generated JSON, plus the ClickHouse password. The values never enter the app stack's plan or
 * state: they are read through ephemeral resources (Terraform 1.10+) and written through the Secret's write-only
 * `data_wo` (kubernetes provider 2.37+). Write-only data is sent only when `data_wo_revision` changes, so the
 * revision follows the secrets' version lists (metadata, no values): a new version in Secrets Manager (a rotation)
 * rewrites the Secret on the next apply.
 */
export class LangfuseSecret extends Construct {
  readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: LangfuseSecretProps) {
    super(scope, id);
    const langfuse = new EphemeralResource(this, "langfuse-secrets-value", "aws_secretsmanager_secret_version", { secret_id: props.langfuseSecretsArn });
    const clickhouse = new EphemeralResource(this, "clickhouse-password-value", "aws_secretsmanager_secret_version", { secret_id: props.clickhousePasswordSecretArn });
    // Every put adds a version; deprecated ones count too, so the sum only grows (until 100 versions a secret).
    const versions = (versionsId: string, secretId: string) =>
      Fn.lengthOf(new DataAwsSecretsmanagerSecretVersions(this, versionsId, { secretId, includeDeprecated: true }).versions);
    const cleanupArn = props.clickhouseCleanupPasswordSecretArn;
    const cleanup = cleanupArn
      ? { [CLICKHOUSE_CLEANUP_PASSWORD_KEY]: new EphemeralResource(this, "clickhouse-cleanup-password-value", "aws_secretsmanager_secret_version", { secret_id: cleanupArn }).attribute("secret_string") }
      : {};
    const revision = Fn.sum([
      versions("langfuse-secrets-versions", props.langfuseSecretsArn),
      versions("clickhouse-password-versions", props.clickhousePasswordSecretArn),
      ...(cleanupArn ? [versions("clickhouse-cleanup-password-versions", cleanupArn)] : []),
    ]);
    this.secret = new SecretV1(this, "secret", {
      metadata: { name: KUBERNETES_SECRET_NAME, namespace: props.namespace },
      type: "Opaque",
      // Copying the whole JSON keeps this in step with whatever keys the deps stack generates.
      dataWo: Token.asStringMap(Fn.merge([Fn.jsondecode(langfuse.attribute("secret_string")), { [CLICKHOUSE_PASSWORD_KEY]: clickhouse.attribute("secret_string"), ...cleanup }])),
      dataWoRevision: revision,
    });
  }
}
