import { ElasticacheParameterGroup } from "@cdktf/provider-aws/lib/elasticache-parameter-group";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { Construct } from "constructs";
import { clusterOnlySecurityGroup } from "./cluster-only-security-group";

/** Redis/Valkey's port; fixed so the security group, the connection string and the outputs agree. */
export const REDIS_PORT = 6379;

const MAX_REPLICATION_GROUP_ID = 40;

export interface ValkeyCacheProps {
  /** Replication group id (at most 40 characters), also the name of its subnet group and security group. */
  readonly replicationGroupId: string;
  /** Valkey engine version, e.g. 8.0; its major version selects the parameter group family (valkey8). */
  readonly engineVersion: string;
  /** Node type, e.g. cache.t4g.micro. */
  readonly nodeType: string;
  /** Nodes: one primary plus replicas; two or more turn on automatic failover across AZs. */
  readonly nodeCount: number;
  /** Daily snapshots kept, days (0 disables them). */
  readonly snapshotRetentionDays: number;
  /** VPC of the cache. */
  readonly vpcId: string;
  /** Subnets of the cache subnet group. */
  readonly subnetIds: string[];
  /** The only security group allowed to connect. */
  readonly clientSecurityGroupId: string;
  /** AUTH token; a reference to a generated value (16-128 characters, none of @ " /). */
  readonly authToken: string;
  /** KMS key encrypting data at rest and snapshots. */
  readonly kmsKeyArn: string;
}

/**
 * An ElastiCache for Valkey replication group for Langfuse's queues and cache: TLS in transit with an AUTH
 * token, encrypted at rest, `maxmemory-policy noeviction` (BullMQ loses jobs if keys are evicted, and
 * ElastiCache refuses CONFIG SET, so the parameter group is the only place to say it), reachable on 6379 from the
 * cluster security group alone.
 */
export class ValkeyCache extends Construct {
  readonly replicationGroup: ElasticacheReplicationGroup;

  constructor(scope: Construct, id: string, props: ValkeyCacheProps) {
    super(scope, id);
    if (props.replicationGroupId.length > MAX_REPLICATION_GROUP_ID) {
      throw new Error(
        `'replicationGroupId' (${props.replicationGroupId}) has ${props.replicationGroupId.length} characters; ElastiCache allows ${MAX_REPLICATION_GROUP_ID}: shorten namePrefix or the environment name`,
      );
    }
    const securityGroup = clusterOnlySecurityGroup(this, {
      name: props.replicationGroupId,
      service: "Valkey",
      vpcId: props.vpcId,
      port: REDIS_PORT,
      clientSecurityGroupId: props.clientSecurityGroupId,
    });
    const subnetGroup = new ElasticacheSubnetGroup(this, "subnet-group", {
      name: props.replicationGroupId,
      description: `Subnets of ${props.replicationGroupId}`,
      subnetIds: props.subnetIds,
    });
    const family = `valkey${props.engineVersion.split(".")[0]}`;
    const parameters = new ElasticacheParameterGroup(this, "parameters", {
      // The family in the name lets a major upgrade create the new group before the old one is dropped.
      name: `${props.replicationGroupId}-${family}`,
      family,
      description: `Langfuse queues: never evict keys (${props.replicationGroupId})`,
      parameter: [{ name: "maxmemory-policy", value: "noeviction" }],
      lifecycle: { createBeforeDestroy: true },
    });
    const replicated = props.nodeCount >= 2;
    this.replicationGroup = new ElasticacheReplicationGroup(this, "replication-group", {
      replicationGroupId: props.replicationGroupId,
      description: `Langfuse queues and cache (${props.replicationGroupId})`,
      engine: "valkey",
      engineVersion: props.engineVersion,
      autoMinorVersionUpgrade: "true",
      nodeType: props.nodeType,
      numCacheClusters: props.nodeCount,
      port: REDIS_PORT,
      parameterGroupName: parameters.name,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [securityGroup.id],
      transitEncryptionEnabled: true,
      authToken: props.authToken,
      // Provider 6 refuses an auth token without a strategy. ROTATE keeps the old token valid next to a new one,
      // so pods started before a rotation keep their connections until they restart.
      authTokenUpdateStrategy: "ROTATE",
      atRestEncryptionEnabled: "true",
      kmsKeyId: props.kmsKeyArn,
      automaticFailoverEnabled: replicated,
      multiAzEnabled: replicated,
      snapshotRetentionLimit: props.snapshotRetentionDays,
    });
  }
}
