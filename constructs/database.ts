import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { clusterOnlySecurityGroup } from "./cluster-only-security-group";
import { createAuroraCluster } from "./database-aurora";
import { createRdsInstance } from "./database-rds";

/** The `database` settings of an environment (engine, sizes, backups …). */
export type DatabaseSettings = EnvironmentConfig["database"];

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

/** What the engine-specific builders need; the network pieces are shared. */
export interface DatabaseBuild {
  /** As PostgresDatabaseProps.identifier. */
  readonly identifier: string;
  /** As PostgresDatabaseProps.settings. */
  readonly settings: DatabaseSettings;
  /** Major engine version (`16.4` → `16`): parameter group families are per major version. */
  readonly majorVersion: string;
  /** POSTGRES_PORT. */
  readonly port: number;
  /** The DB subnet group made from PostgresDatabaseProps.subnetIds. */
  readonly subnetGroupName: string;
  /**
   * As PostgresDatabaseProps.availabilityZones.
   * @default - Aurora picks a zone per instance
   */
  readonly availabilityZones?: string[];
  /** The cluster-only security group. */
  readonly securityGroupId: string;
  /** As PostgresDatabaseProps.password. */
  readonly password: string;
  /** As PostgresDatabaseProps.kmsKeyArn. */
  readonly kmsKeyArn: string;
  /** PostgresDatabaseProps.protect, resolved. */
  readonly protect: boolean;
}

/** Where Langfuse connects and what alarms watch. */
export interface DatabaseEndpoint {
  /** Writer host name, without the port. */
  readonly host: string;
  /** Instance identifier (rds-postgres) or cluster identifier (aurora). */
  readonly identifier: string;
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
