import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Construct } from "constructs";

export interface ClusterOnlySecurityGroupProps {
  /** Security group name, from the naming helper (the data store's identifier). */
  readonly name: string;
  /** What listens behind it, for descriptions ("PostgreSQL", "Valkey"). */
  readonly service: string;
  /** VPC of the data store. */
  readonly vpcId: string;
  /** The one TCP port admitted. */
  readonly port: number;
  /** The EKS cluster security group (on every managed node and pod): the only source admitted. */
  readonly clientSecurityGroupId: string;
}

/**
 * The security group of a data store: one TCP port from the cluster security group, nothing else — no CIDR, so
 * neither the internet nor the rest of the VPC reaches it. Created in `scope` as `security-group` and
 * `from-cluster`.
 */
export function clusterOnlySecurityGroup(scope: Construct, props: ClusterOnlySecurityGroupProps): SecurityGroup {
  const securityGroup = new SecurityGroup(scope, "security-group", {
    name: props.name,
    description: `${props.service} ${props.name}: ${props.port} from the EKS cluster only`,
    vpcId: props.vpcId,
  });
  new VpcSecurityGroupIngressRule(scope, "from-cluster", {
    securityGroupId: securityGroup.id,
    referencedSecurityGroupId: props.clientSecurityGroupId,
    ipProtocol: "tcp",
    fromPort: props.port,
    toPort: props.port,
    description: `${props.service} from EKS nodes and pods`,
  });
  return securityGroup;
}
