import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import type { Construct } from "constructs";
import type { DatabaseBuild, DatabaseEndpoint } from "./database";

/** Performance Insights' free retention, days. */
const INSIGHTS_RETENTION_DAYS = 7;

/** An RDS for PostgreSQL instance on gp3 storage with autoscaling up to the configured ceiling. */
export function createRdsInstance(scope: Construct, build: DatabaseBuild): DatabaseEndpoint {
  const { settings, protect } = build;
  const family = `postgres${build.majorVersion}`;
  const parameters = new DbParameterGroup(scope, "parameters", {
    // The family in the name lets a major upgrade create the new group before the old one is dropped.
    name: `${build.identifier}-${family}`,
    family,
    description: `TLS-only PostgreSQL for ${build.identifier}`,
    parameter: [{ name: "rds.force_ssl", value: "1" }],
    lifecycle: { createBeforeDestroy: true },
  });
  const instance = new DbInstance(scope, "instance", {
    identifier: build.identifier,
    engine: "postgres",
    engineVersion: settings.engineVersion,
    autoMinorVersionUpgrade: true,
    instanceClass: settings.instanceClass,
    storageType: "gp3",
    allocatedStorage: settings.allocatedStorageGiB,
    maxAllocatedStorage: settings.maxAllocatedStorageGiB,
    storageEncrypted: true,
    kmsKeyId: build.kmsKeyArn,
    dbName: settings.name,
    username: settings.username,
    password: build.password,
    port: build.port,
    parameterGroupName: parameters.name,
    dbSubnetGroupName: build.subnetGroupName,
    vpcSecurityGroupIds: [build.securityGroupId],
    publiclyAccessible: false,
    multiAz: settings.multiAz,
    backupRetentionPeriod: settings.backupRetentionDays,
    copyTagsToSnapshot: true,
    performanceInsightsEnabled: settings.performanceInsights,
    ...(settings.performanceInsights ? { performanceInsightsKmsKeyId: build.kmsKeyArn, performanceInsightsRetentionPeriod: INSIGHTS_RETENTION_DAYS } : {}),
    deletionProtection: protect,
    skipFinalSnapshot: !protect,
    ...(protect ? { finalSnapshotIdentifier: `${build.identifier}-final`, lifecycle: { preventDestroy: true } } : {}),
  });
  return { host: instance.address, identifier: instance.identifier };
}
