/*
 * How web and worker reach PostgreSQL over TLS, in chart values (both chart lines render them the same way:
 * `postgresql.args` becomes DATABASE_ARGS, which the images' entrypoints append to DATABASE_URL after a `?`, and
 * `langfuse.extraVolumes` / `langfuse.extraVolumeMounts` go into the web and worker pods). A pure module: no cdktf.
 *
 * Every PostgreSQL client in Langfuse (v3 and v4 alike) is Prisma 6: the query engine in web and worker, and
 * `prisma db execute` / `prisma migrate deploy` in the web entrypoint, all reading that one URL. Prisma's
 * PostgreSQL URL knows `sslmode` disable|prefer|require only (libpq's verify-ca/verify-full fall back to prefer),
 * and verifies the server only with `sslaccept=strict`: then the chain must lead to a trusted root, with the
 * `sslcert` file's certificate added to the system's, and the host name must match. `sslaccept` defaults to
 * accept_invalid_certs. docs/threat-model.md has the sources.
 */

/** The ConfigMap holding the RDS root certificate, in the Langfuse namespace (public data, not a Secret). */
export const DATABASE_CA_CONFIG_MAP = "langfuse-database-ca";

/** Key of the certificate in the ConfigMap, and its file name in the mounted folder. */
export const DATABASE_CA_FILE = "rds-ca.pem";

/**
 * Folder the ConfigMap is mounted at in web and worker. A folder of its own (nothing of the images lives there),
 * and an absolute path: Prisma resolves a relative `sslcert` against the schema's folder in the app but against
 * the working directory in the CLI, so only an absolute one names the same file for the engine and the migrations.
 */
export const DATABASE_CA_MOUNT_PATH = "/etc/langfuse/database-ca";

/** Absolute path of the certificate inside web and worker. */
export const DATABASE_CA_PATH = `${DATABASE_CA_MOUNT_PATH}/${DATABASE_CA_FILE}`;

/**
 * File mode of the mounted certificate: readable by every user. The kubelet writes ConfigMap files as root, and
 * the Langfuse images run as uid 1001 without an fsGroup, so "other" must be able to read.
 */
export const DATABASE_CA_FILE_MODE = 0o444;

const VOLUME_NAME = "database-ca";

/** A pod volume of the chart's `langfuse.extraVolumes`: the CA ConfigMap. */
export interface ConfigMapVolume {
  readonly name: string;
  readonly configMap: { readonly name: string; readonly defaultMode: number };
}

/** A container mount of the chart's `langfuse.extraVolumeMounts`. */
export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly: true;
}

/** The volume keys of the chart's `langfuse` section that carry the CA (absent without verification). */
export interface DatabaseCaVolumes {
  readonly extraVolumes?: readonly ConfigMapVolume[];
  readonly extraVolumeMounts?: readonly VolumeMount[];
}

/**
 * The query string of Langfuse's DATABASE_URL: always TLS (the parameter group refuses plain connections); with
 * `verifyServer`, the server's certificate chain and host name are checked against the mounted RDS root.
 */
export function databaseConnectionArgs(verifyServer: boolean): string {
  return verifyServer ? `sslmode=require&sslaccept=strict&sslcert=${DATABASE_CA_PATH}` : "sslmode=require";
}

/** The CA ConfigMap as a read-only volume of web and worker, or nothing when the server is not verified. */
export function databaseCaVolumes(verifyServer: boolean): DatabaseCaVolumes {
  if (!verifyServer) return {};
  return {
    extraVolumes: [{ name: VOLUME_NAME, configMap: { name: DATABASE_CA_CONFIG_MAP, defaultMode: DATABASE_CA_FILE_MODE } }],
    extraVolumeMounts: [{ name: VOLUME_NAME, mountPath: DATABASE_CA_MOUNT_PATH, readOnly: true }],
  };
}
