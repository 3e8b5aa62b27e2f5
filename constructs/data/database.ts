import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import type { DatabaseBuild, DatabaseEndpoint, DatabaseSettings } from "./database-types";
import { clusterOnlySecurityGroup } from "./cluster-only-security-group";
import { createAuroraCluster } from "./database-aurora";
import { createRdsInstance } from "./database-rds";

/** PostgreSQL's port; fixed so the security group, the chart and the outputs agree. */
export const POSTGRES_PORT = 5432;

export interface PostgresDatabaseProps {
  /** Identifier of the instance or cluster, also the name of its subnet group and security group. */
  readonly identifier: string;
  /** Engine, version, sizes, backups, names. */
  readonly settings: DatabaseSettings;
  /** VPC of the database. */
  readonly vpcId: string;
  /** Subnets of the DB subnet group (private where the environment has them). */
  readonly subnetIds: string[];
  /**
   * Availability zones of those subnets, in order: Aurora's writer goes to the first, its reader to the second.
   * @default - Aurora picks a zone per instance, possibly the same one for writer and reader
   */
  readonly availabilityZones?: string[];
  /** The only security group allowed to connect (EKS attaches it to the control plane and every managed node). */
  readonly clientSecurityGroupId: string;
  /** Password of the master user; a reference to a generated value, never a literal. */
  readonly password: string;
  /** KMS key encrypting storage and Performance Insights. */
  readonly kmsKeyArn: string;
  /**
   * Production guards: deletion protection, a final snapshot and `prevent_destroy`.
   * @default false - the database can be destroyed without a snapshot (dev)
   */
  readonly protect?: boolean;
}

/**
 * Langfuse's PostgreSQL: an RDS instance or an Aurora Serverless v2 cluster, never publicly accessible,
 * encrypted with the given key, TLS enforced by its parameter group (rds.force_ssl), and reachable on 5432 from
 * the cluster security group alone.
 */
export class PostgresDatabase extends Construct {
  readonly endpoint: DatabaseEndpoint;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    this.securityGroup = clusterOnlySecurityGroup(this, {
      name: props.identifier,
      service: "PostgreSQL",
      vpcId: props.vpcId,
      port: POSTGRES_PORT,
      clientSecurityGroupId: props.clientSecurityGroupId,
    });
    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: props.identifier,
      description: `Subnets of ${props.identifier}`,
      subnetIds: props.subnetIds,
    });
    const build: DatabaseBuild = {
      identifier: props.identifier,
      settings: props.settings,
      majorVersion: props.settings.engineVersion.split(".")[0],
      port: POSTGRES_PORT,
      subnetGroupName: subnetGroup.name,
      availabilityZones: props.availabilityZones,
      securityGroupId: this.securityGroup.id,
      password: props.password,
      kmsKeyArn: props.kmsKeyArn,
      protect: props.protect ?? false,
    };
    this.endpoint = props.settings.engine === "aurora-serverless-v2" ? createAuroraCluster(this, build) : createRdsInstance(this, build);
  }
}
