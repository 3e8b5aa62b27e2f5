import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { RDS_CA_IDENTIFIER } from "../../contract/rds-ca";
import type { DatabaseBuild, DatabaseEndpoint } from "./database-types";
import { dataProtection, performanceInsights, TLS_ONLY_PARAMETERS } from "./database-protection";


/**
 * An Aurora PostgreSQL Serverless v2 cluster: a writer, plus a reader in another AZ when multiAz is set (Aurora
 * promotes it on failure). Storage grows by itself, so only capacity (ACUs) is configured.
 */
export function createAuroraCluster(scope: Construct, build: DatabaseBuild): DatabaseEndpoint {
  const { settings } = build;
  const family = `aurora-postgresql${build.majorVersion}`;
  const parameters = new RdsClusterParameterGroup(scope, "cluster-parameters", {
    name: `${build.identifier}-${family}`,
    family,
    description: `TLS-only Aurora PostgreSQL for ${build.identifier}`,
    parameter: TLS_ONLY_PARAMETERS,
    lifecycle: { createBeforeDestroy: true },
  });
  const cluster = new RdsCluster(scope, "cluster", {
    clusterIdentifier: build.identifier,
    engine: "aurora-postgresql",
    engineMode: "provisioned",
    engineVersion: settings.engineVersion,
    serverlessv2ScalingConfiguration: { minCapacity: settings.auroraMinCapacityAcu, maxCapacity: settings.auroraMaxCapacityAcu },
    storageEncrypted: true,
    kmsKeyId: build.kmsKeyArn,
    databaseName: settings.name,
    masterUsername: settings.username,
    masterPassword: build.password,
    port: build.port,
    dbClusterParameterGroupName: parameters.name,
    dbSubnetGroupName: build.subnetGroupName,
    vpcSecurityGroupIds: [build.securityGroupId],
    backupRetentionPeriod: settings.backupRetentionDays,
    copyTagsToSnapshot: true,
    ...dataProtection(build),
  });
  const roles = settings.multiAz ? ["writer", "reader"] : ["writer"];
  const zones = build.availabilityZones;
  roles.forEach((role, index) => {
    new RdsClusterInstance(scope, role, {
      identifier: `${build.identifier}-${index + 1}`,
      clusterIdentifier: cluster.id,
      // Left to itself RDS picks a random zone per instance, which can put the reader beside the writer.
      ...(zones ? { availabilityZone: Fn.element(zones, index) } : {}),
      engine: cluster.engine,
      engineVersion: cluster.engineVersion,
      instanceClass: "db.serverless",
      dbSubnetGroupName: build.subnetGroupName,
      publiclyAccessible: false,
      // Each Aurora instance has its own server certificate: the CA is pinned per instance (the app ships its root).
      caCertIdentifier: RDS_CA_IDENTIFIER,
      autoMinorVersionUpgrade: true,
      ...performanceInsights(build),
    });
  });
  return { host: cluster.endpoint, identifier: cluster.clusterIdentifier };
}
