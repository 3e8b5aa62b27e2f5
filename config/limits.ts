/*
 * Upper bounds of the day counts and sizes of the configuration, each with where it comes from. A bound stops a
 * typo (an extra zero) from reaching AWS, and one of them stops data loss: ClickHouse computes a TTL as
 * `toDateTime(column) + INTERVAL n DAY` in 32-bit DateTime, which wraps after 2106; ~29,000 days of retention
 * put the expiry date in the past and every row is deleted at once; the retention job's `now() - INTERVAL n DAY`
 * wraps into the future and drops every partition (lambda/clickhouse-cleanup/retention-bounds.test.ts).
 */

/**
 * ClickHouse retention of traces, observations and scores: 10 years. The TTL date of a fresh row stays decades
 * below the DateTime overflow (2106-02-07), and longer retention belongs in an archive, not a hot table.
 * @see https://clickhouse.com/docs/sql-reference/data-types/datetime (range [1970-01-01, 2106-02-07])
 */
export const MAX_CLICKHOUSE_RETENTION_DAYS = 3653;

/** ClickHouse system log tables (query_log, part_log …) are diagnostics: a year is plenty and they fill disks. */
export const MAX_SYSTEM_LOG_RETENTION_DAYS = 365;

/** S3 lifecycle expirations this project writes: 10 years (beyond that, turn expiry off instead). */
export const MAX_LIFECYCLE_DAYS = 3653;

/**
 * The values CloudWatch Logs accepts as a retention, in days; anything else fails at apply.
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * Largest EBS gp3 volume this project provisions, GiB (node root disks, the ClickHouse volume).
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type
 */
export const MAX_EBS_VOLUME_GIB = 16384;

/**
 * Largest RDS for PostgreSQL gp3 storage, GiB (64 TiB).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html
 */
export const MAX_RDS_STORAGE_GIB = 65536;

/**
 * Nodes in one EKS managed node group (default service quota).
 * @see https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html
 */
export const MAX_NODES_PER_NODE_GROUP = 450;

/**
 * Aurora Serverless v2 capacity range, ACUs, in steps of 0.5.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html
 */
export const MAX_AURORA_ACU = 256;

/** Replicas of web or worker: far above what one ClickHouse and one PostgreSQL serve; a typo guard. */
export const MAX_REPLICAS = 100;

/**
 * Requests per 5 minutes (the 5xx alarm's floor, the WAF rate limit per address) / per target per minute: a typo
 * guard, far above what one Langfuse serves (AWS WAF itself accepts rate limits up to 2,000,000,000).
 * @see https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
 */
export const MAX_REQUEST_COUNT = 1_000_000;

/**
 * AWS tags: at most 50 per resource (default tags, plus the Name and kubernetes.io tags the stacks add), keys up
 * to 128 characters, values up to 256, no `aws:` prefix.
 * @see https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
 */
export const MAX_DEFAULT_TAGS = 40;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
