/** Types shared by the database builders (RDS, Aurora) and the construct that picks one. */
import type { EnvironmentConfig } from "../../config/schema";

/** The `database` settings of an environment (engine, sizes, backups …). */
export type DatabaseSettings = EnvironmentConfig["database"];

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
