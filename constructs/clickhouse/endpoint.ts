import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { terraformDuration, WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";

/**
 * The class the AWS Load Balancer Controller's Service webhook writes into every LoadBalancer Service it admits.
 * `spec.load_balancer_class` is ForceNew in the kubernetes provider: left unset, every plan would see the
 * webhook's value as drift and replace the Service, its NLB and the cleanup function's URL. Set, the plan is empty.
 */
export const NLB_LOAD_BALANCER_CLASS = "service.k8s.aws/nlb";

/*
 * A stable address for ClickHouse inside the VPC: an internal Network Load Balancer made by the AWS Load Balancer
 * Controller from a LoadBalancer Service. It targets the ClickHouse pod's IP (target type ip), so replacing the
 * node or the pod changes nothing for clients, unlike the seed's NodePort on a node IP. Its frontend security
 * group is our own and admits nobody by default; callers add ingress rules from their own group.
 */

export interface ClickHouseEndpointProps {
  /** Namespace of the Langfuse release. */
  readonly namespace: string;
  /** Name of the load balancer (AWS limit: 32 characters), from the naming helper. */
  readonly loadBalancerName: string;
  /** VPC of the cluster. */
  readonly vpcId: string;
  /** CIDR of the VPC: the load balancer forwards to (and health-checks) pod addresses in it. */
  readonly vpcCidr: string;
  /** Subnets the load balancer gets an address in (the workload subnets). */
  readonly subnetIds: string[];
  /** Labels that select the ClickHouse pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /**
   * ClickHouse HTTP port, on the pods and on the load balancer.
   * @default 8123
   */
  readonly port?: number;
  /**
   * Resources that must exist first (the load balancer controller, the Helm release).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
}

export class ClickHouseEndpoint extends Construct {
  readonly service: ServiceV1;
  /** Frontend security group of the load balancer; add ingress rules for each client. */
  readonly securityGroup: SecurityGroup;
  readonly port: number;
  /** http://<internal NLB DNS name>:<port>, known once the controller has created the load balancer. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ClickHouseEndpointProps) {
    super(scope, id);
    if (props.loadBalancerName.length > 32) throw new Error(`'loadBalancerName' (${props.loadBalancerName}) must be at most 32 characters (AWS limit)`);
    this.port = props.port ?? 8123;
    this.securityGroup = new SecurityGroup(this, "frontend", {
      name: props.loadBalancerName,
      description: "Frontend of the internal ClickHouse load balancer",
      vpcId: props.vpcId,
      tags: { Name: props.loadBalancerName },
    });
    new VpcSecurityGroupEgressRule(this, "to-pods", {
      securityGroupId: this.securityGroup.id,
      description: "ClickHouse HTTP on the pods (traffic and health checks)",
      ipProtocol: "tcp",
      fromPort: this.port,
      toPort: this.port,
      cidrIpv4: props.vpcCidr,
    });
    const annotation = (key: string) => `service.beta.kubernetes.io/aws-load-balancer-${key}`;
    this.service = new ServiceV1(this, "service", {
      metadata: {
        name: "clickhouse-internal-nlb",
        namespace: props.namespace,
        annotations: {
          [annotation("type")]: "external",
          [annotation("nlb-target-type")]: "ip",
          [annotation("scheme")]: "internal",
          [annotation("name")]: props.loadBalancerName,
          // Explicit subnets: environments without private subnets have none tagged for internal load balancers.
          [annotation("subnets")]: Fn.join(",", props.subnetIds),
          [annotation("security-groups")]: this.securityGroup.id,
          // Lets the controller open the pods' security group to this frontend group (and nothing else).
          [annotation("manage-backend-security-group-rules")]: "true",
          [annotation("healthcheck-protocol")]: "HTTP",
          [annotation("healthcheck-path")]: "/ping",
        },
      },
      spec: {
        type: "LoadBalancer",
        loadBalancerClass: NLB_LOAD_BALANCER_CLASS,
        selector: { ...props.podSelector },
        port: [{ name: "http", port: this.port, targetPort: String(this.port), protocol: "TCP" }],
      },
      waitForLoadBalancer: true,
      timeouts: { create: terraformDuration(WAIT_BOUNDS_SECONDS.loadBalancer) },
      dependsOn: props.dependsOn,
    });
    const hostname = this.service.status.get(0).loadBalancer.get(0).ingress.get(0).hostname;
    this.url = `http://${hostname}:${this.port}`;
  }
}
