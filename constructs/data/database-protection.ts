import type { DatabaseBuild } from "./database-types";

/*
 * What RDS instances and Aurora clusters share: TLS enforced by the parameter group, Performance Insights under the
 * data key, and prod's guards against losing data (deletion protection, a final snapshot, prevent_destroy).
 */

/** Performance Insights' free retention, days. */
const INSIGHTS_RETENTION_DAYS = 7;

/** Parameter group settings that refuse unencrypted connections (Langfuse connects with sslmode=require, and verifies the server with database.tlsVerification). */
export const TLS_ONLY_PARAMETERS = [{ name: "rds.force_ssl", value: "1" }];

/** Performance Insights arguments of an instance, encrypted with the data key when enabled. */
export function performanceInsights(build: DatabaseBuild) {
  const enabled = build.settings.performanceInsights;
  return {
    performanceInsightsEnabled: enabled,
    ...(enabled ? { performanceInsightsKmsKeyId: build.kmsKeyArn, performanceInsightsRetentionPeriod: INSIGHTS_RETENTION_DAYS } : {}),
  };
}

/** Deletion protection, final snapshot and prevent_destroy when `protect` (prod); a disposable database otherwise. */
export function dataProtection(build: DatabaseBuild) {
  return {
    deletionProtection: build.protect,
    skipFinalSnapshot: !build.protect,
    ...(build.protect ? { finalSnapshotIdentifier: `${build.identifier}-final`, lifecycle: { preventDestroy: true } } : {}),
  };
}
