import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import type { Construct } from "constructs";
import { RDS_CA_IDENTIFIER } from "../../contract/rds-ca";
import type { DatabaseBuild, DatabaseEndpoint } from "./database-types";
import { dataProtection, performanceInsights, TLS_ONLY_PARAMETERS } from "./database-protection";

/** An RDS for PostgreSQL instance on gp3 storage with autoscaling up to the configured ceiling. */
export function createRdsInstance(scope: Construct, build: DatabaseBuild): DatabaseEndpoint {
  const { settings } = build;
  const family = `postgres${build.majorVersion}`;
  const parameters = new DbParameterGroup(scope, "parameters", {
    // The family in the name lets a major upgrade create the new group before the old one is dropped.
    name: `${build.identifier}-${family}`,
    family,
    description: `TLS-only PostgreSQL for ${build.identifier}`,
    parameter: TLS_ONLY_PARAMETERS,
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
    // Explicit, not AWS's default of the day: the app stack ships this CA's root to Langfuse, which verifies the server.
    caCertIdentifier: RDS_CA_IDENTIFIER,
    multiAz: settings.multiAz,
    backupRetentionPeriod: settings.backupRetentionDays,
    copyTagsToSnapshot: true,
    ...performanceInsights(build),
    ...dataProtection(build),
  });
  return { host: instance.address, identifier: instance.identifier };
}
