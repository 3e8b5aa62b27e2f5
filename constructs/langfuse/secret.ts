import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME } from "../../contract/secret-keys";

export interface LangfuseSecretProps {
  /** Namespace the Secret is created in (the release's). */
  readonly namespace: string;
  /** Secrets Manager secret holding a JSON object keyed by LANGFUSE_SECRET_KEYS (deps stack). */
  readonly langfuseSecretsArn: string;
  /** Secrets Manager secret whose string is the ClickHouse password (deps stack, or the external ClickHouse's). */
  readonly clickhousePasswordSecretArn: string;
}

/**
 * The Kubernetes Secret `langfuse-secrets` the chart values point at (secretKeyRef / existingSecret): every key
 * of the deps stack's generated JSON, plus the ClickHouse password. The values are read from Secrets Manager at
 * apply time, so they live in the state (sensitive) but never in the synthesized configuration.
 */
export class LangfuseSecret extends Construct {
  readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: LangfuseSecretProps) {
    super(scope, id);
    const langfuse = new DataAwsSecretsmanagerSecretVersion(this, "langfuse-secrets", { secretId: props.langfuseSecretsArn });
    const clickhouse = new DataAwsSecretsmanagerSecretVersion(this, "clickhouse-password", { secretId: props.clickhousePasswordSecretArn });
    this.secret = new SecretV1(this, "secret", {
      metadata: { name: KUBERNETES_SECRET_NAME, namespace: props.namespace },
      type: "Opaque",
      // Copying the whole JSON keeps this in step with whatever keys the deps stack generates.
      data: Token.asStringMap(Fn.merge([Fn.jsondecode(langfuse.secretString), { [CLICKHOUSE_PASSWORD_KEY]: clickhouse.secretString }])),
    });
  }
}
