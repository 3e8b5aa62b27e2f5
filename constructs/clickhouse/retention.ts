import { createHash } from "node:crypto";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { JobV1, type JobV1SpecTemplateSpec } from "@cdktf/provider-kubernetes/lib/job-v1";
import { DefaultTokenResolver, StringConcat, Tokenization, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { CLICKHOUSE_CLEANUP_PASSWORD_KEY, CLICKHOUSE_PASSWORD_KEY, KUBERNETES_SECRET_NAME } from "../../contract/secret-keys";
import { RETENTION_JOB_RESOURCES } from "./job-resources";
import { BITNAMI_V3_CLICKHOUSE, type ClickHouseSchema } from "../../contract/clickhouse-flavours";
import { pinnedImage } from "../../contract/image-digests";
import { appTables } from "../../lambda/clickhouse-cleanup/retention-sql";
// The script and its statements live apart, without cdktf: `npm run retention:sql` prints them.
import { retentionScript } from "./retention-script";

/*
 * Retention without anyone running kubectl exec. A Job applies it on deploy: its name carries a hash of the SQL,
 * the chart version and the image, so it runs again whenever one of them changes (a new chart release re-applies
 * the TTLs after its migrations), and Terraform waits for it to succeed. A daily CronJob runs the same script:
 * the TTL is set without materializing it (no rewrite of a big table), so parts written before it existed only
 * go when their whole partition is dropped, which the script does as partitions age out.
 *
 * The script is idempotent: MODIFY TTL replaces the previous TTL and only partitions wholly older than the
 * retention are dropped (no part is rewritten). System log tables are left to the server configuration.
 */

export interface ClickHouseRetentionProps {
  /** Namespace of the Langfuse release. */
  readonly namespace: string;
  /** Service of the bundled ClickHouse. */
  readonly clickhouseHost: string;
  /** Its native-protocol port (clickhouse-client). */
  readonly clickhousePort: number;
  /** Days traces, observations and scores (and on v4 events_full, events_core) are kept. */
  readonly retentionDays: number;
  /**
   * Which Langfuse tables the server holds: "v4" adds events_full and events_core, and the job waits for them.
   * @default "v3"
   */
  readonly schema?: ClickHouseSchema;
  /** Version of the Langfuse chart: a new release re-runs the job after its migrations. */
  readonly chartVersion: string;
  /**
   * Image providing clickhouse-client; the chart's own ClickHouse image, so the client matches the server.
   * @default "docker.io/bitnamilegacy/clickhouse:25.2.1-debian-12-r0"
   */
  readonly image?: string;
  /**
   * Resources the job waits for (the Helm release whose migrations create the tables).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Also make the emergency cleanup function's ClickHouse user, on an operator-managed ClickHouse (whose users
   * configuration holds its role): its password from the Kubernetes Secret, allowed from `networkCidr` (the VPC).
   * @default - no cleanup user
   */
  readonly cleanupUser?: { readonly networkCidr: string };
  /**
   * Schedule of the daily re-application, cron syntax in UTC.
   * @default "17 3 * * *"
   */
  readonly schedule?: string;
}

/** Tag of the chart's ClickHouse image (langfuse-k8s 1.5.x leaves the bitnami subchart's default). */
export const CLICKHOUSE_IMAGE_TAG = BITNAMI_V3_CLICKHOUSE.clientImage.tag;
/** The image the retention jobs run when no pull-through cache is given: the chart's own ClickHouse from Docker Hub. */
export const DEFAULT_CLICKHOUSE_IMAGE = pinnedImage(`docker.io/${BITNAMI_V3_CLICKHOUSE.clientImage.dockerHubRepository}:${CLICKHOUSE_IMAGE_TAG}`);

const SCRIPT_KEY = "retention.sh";
/** A memory-backed emptyDir for the client config the script writes: the root filesystem is read-only. */
const SCRATCH_PATH = "/tmp";
/** Labels of the retention job's pods (and its other objects): the network policies select on them. */
export const RETENTION_POD_LABELS = { "app.kubernetes.io/name": "clickhouse-retention", "app.kubernetes.io/part-of": "langfuse" } as const;

export class ClickHouseRetention extends Construct {
  /** The deploy-time job; its name changes with the SQL, chart version and image. */
  readonly job: JobV1;
  /** `clickhouse-retention-<hash>`: the job's name, new whenever what it applies changes. */
  readonly jobName: string;
  readonly cronJob: CronJobV1;
  readonly script: string;

  constructor(scope: Construct, id: string, props: ClickHouseRetentionProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) throw new Error(`'retentionDays' (${props.retentionDays}) must be a whole number of days >= 1`);
    const image = props.image ?? DEFAULT_CLICKHOUSE_IMAGE;
    this.script = retentionScript(appTables(props.retentionDays, "default", props.schema ?? "v3"), { cleanupUser: props.cleanupUser !== undefined });
    // The image may hold a token (the pull-through cache prefix from deps): hash its Terraform expression, not the
    // placeholder, whose number depends on what else the process synthesized before.
    const imageExpression = Tokenization.resolve(image, { scope: this, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
    const hash = createHash("sha256").update(JSON.stringify([this.script, props.chartVersion, imageExpression])).digest("hex").slice(0, 10);
    this.jobName = `clickhouse-retention-${hash}`;
    const labels = { ...RETENTION_POD_LABELS };

    const config = new ConfigMapV1(this, "script", {
      metadata: { name: "clickhouse-retention", namespace: props.namespace, labels },
      data: { [SCRIPT_KEY]: this.script },
    });
    const pod: JobV1SpecTemplateSpec = {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      // The langfuse namespace enforces the restricted Pod Security Standard, which requires the seccomp profile.
      securityContext: { runAsNonRoot: true, runAsUser: "1001", runAsGroup: "1001", seccompProfile: { type: "RuntimeDefault" } },
      container: [
        {
          name: "retention",
          image,
          command: ["/bin/bash", `/scripts/${SCRIPT_KEY}`],
          env: [
            { name: "CLICKHOUSE_HOST", value: props.clickhouseHost },
            { name: "CLICKHOUSE_PORT", value: String(props.clickhousePort) },
            { name: "CLICKHOUSE_USER", value: "default" },
            { name: "CLICKHOUSE_PASSWORD", valueFrom: { secretKeyRef: { name: KUBERNETES_SECRET_NAME, key: CLICKHOUSE_PASSWORD_KEY } } },
            ...(props.cleanupUser
              ? [
                  { name: "CLEANUP_PASSWORD", valueFrom: { secretKeyRef: { name: KUBERNETES_SECRET_NAME, key: CLICKHOUSE_CLEANUP_PASSWORD_KEY } } },
                  { name: "CLEANUP_NETWORK", value: props.cleanupUser.networkCidr },
                ]
              : []),
          ],
          volumeMount: [
            { name: "script", mountPath: "/scripts", readOnly: true },
            { name: "scratch", mountPath: SCRATCH_PATH },
          ],
          resources: RETENTION_JOB_RESOURCES,
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        },
      ],
      volume: [
        { name: "script", configMap: { name: config.metadata.name } },
        { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
      ],
    };
    const jobSpec = { backoffLimit: 2, activeDeadlineSeconds: 1200, template: { metadata: { labels }, spec: pod } };

    this.job = new JobV1(this, "job", {
      metadata: { name: this.jobName, namespace: props.namespace, labels },
      spec: jobSpec,
      // The apply does not wait for it (docs/app.md, apply time budget): nothing in the apply needs its result, TTLs
      // act over days, and the daily CronJob runs the same script, so a failed run is retried within a day. A failed
      // Job stays (no TTL) with its pods' logs; waiting would put its deadline after the Langfuse release on the
      // apply's longest chain, which on the v4 line no longer fits the EKS token.
      waitForCompletion: false,
      dependsOn: props.dependsOn,
    });
    this.cronJob = new CronJobV1(this, "daily", {
      metadata: { name: "clickhouse-retention", namespace: props.namespace, labels },
      spec: {
        schedule: props.schedule ?? "17 3 * * *",
        timezone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { metadata: { labels }, spec: jobSpec },
      },
      dependsOn: props.dependsOn,
    });
  }
}
