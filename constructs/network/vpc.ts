import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc as AwsVpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { formatCidr, parseCidr, subnetOf } from "../../config/cidr";
import type { Naming } from "../../config/naming";

/** How private subnets reach the internet. */
export type NatGatewayMode = "none" | "single" | "perAz";

export interface VpcProps {
  /** Names every resource (Name tags). */
  readonly naming: Naming;
  /** AWS region of the VPC (names the S3 endpoint service). */
  readonly region: string;
  /** CIDR of the VPC, /16 to /20; subnets are slices four bits longer (a /16 gives /20 subnets). */
  readonly cidr: string;
  /** Number of availability zones, one public (and one private) subnet in each. */
  readonly azCount: number;
  /** Name of the EKS cluster the subnets are tagged for (kubernetes.io/cluster/<name>). */
  readonly clusterName: string;
  /**
   * Create private subnets, routed through NAT gateways.
   * @default false - public subnets only; nodes get public addresses
   */
  readonly privateSubnets?: boolean;
  /**
   * NAT gateways of the private subnets: one per AZ, or a single one shared by every AZ.
   * @default "perAz" when privateSubnets, else "none"
   */
  readonly natGateways?: NatGatewayMode;
}

/** Subnets are /N+4 slices of the VPC: 16 slots; private subnets use 0–7, public 8–15. */
const SUBNET_NEW_BITS = 4;
const PUBLIC_SLOT_OFFSET = 8;

/*
 * Zone ids where EKS refuses to place control-plane network interfaces (EKS user guide, cluster subnet
 * requirements). Zone ids, not names: names map to different physical zones in every account.
 */
const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"];

/**
 * A VPC over `azCount` availability zones with a public subnet per AZ and, optionally, a private subnet per AZ
 * behind NAT. Subnet blocks are computed at synth time so the plan (and the tests) show real CIDRs; private
 * subnet i always takes slot i and public subnet i slot 8+i, so turning private subnets on later adds subnets
 * without renumbering the public ones.
 */
export class Vpc extends Construct {
  readonly vpc: AwsVpc;
  /** Public subnets, in AZ order. */
  readonly publicSubnets: Subnet[];
  /** Private subnets, in AZ order; empty without private subnets. */
  readonly privateSubnets: Subnet[];
  /** NAT gateways (none, one, or one per AZ). */
  readonly natGateways: NatGateway[];
  /** Every route table: the public one first, then one per private subnet. */
  readonly routeTables: RouteTable[];

  constructor(scope: Construct, id: string, props: VpcProps) {
    super(scope, id);
    const withPrivate = props.privateSubnets ?? false;
    const natMode = props.natGateways ?? (withPrivate ? "perAz" : "none");
    if (withPrivate && natMode === "none") {
      throw new Error(`'natGateways' ("none") leaves private subnets without a route to the internet; use "single" or "perAz"`);
    }
    const block = parseCidr(props.cidr);
    if (!block || block.prefix < 16 || block.prefix > 20) {
      throw new Error(`'cidr' (${props.cidr}) must be a VPC block between /16 and /20`);
    }
    if (props.azCount < 2 || props.azCount > PUBLIC_SLOT_OFFSET) {
      throw new Error(`'azCount' (${props.azCount}) must be between 2 and ${PUBLIC_SLOT_OFFSET}`);
    }
    const { naming } = props;
    const subnetCidr = (slot: number) => formatCidr(subnetOf(block, SUBNET_NEW_BITS, slot));
    const clusterTag = { [`kubernetes.io/cluster/${props.clusterName}`]: "shared" };

    // Opted-in zones (Local Zones, Wavelength) are excluded: EKS does not run there. The names come back sorted,
    // so the first azCount stay the same as long as the region's zones do.
    const zones = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      excludeZoneIds: EKS_UNSUPPORTED_ZONE_IDS,
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    const zoneOf = (index: number) => Fn.element(zones.names, index);
    const indexes = [...Array(props.azCount).keys()];

    this.vpc = new AwsVpc(this, "vpc", {
      cidrBlock: props.cidr,
      // EKS's private API endpoint needs both: nodes find it through the VPC resolver.
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: naming.resource("vpc") },
    });
    const gateway = new InternetGateway(this, "igw", { vpcId: this.vpc.id, tags: { Name: naming.resource("igw") } });

    this.publicSubnets = indexes.map(
      (i) =>
        new Subnet(this, `public-${i}`, {
          vpcId: this.vpc.id,
          cidrBlock: subnetCidr(PUBLIC_SLOT_OFFSET + i),
          availabilityZone: zoneOf(i),
          // Nodes live here only when there are no private subnets; they then need public addresses to pull images.
          mapPublicIpOnLaunch: !withPrivate,
          tags: { Name: naming.resource("public", String(i + 1)), ...clusterTag, "kubernetes.io/role/elb": "1" },
        }),
    );
    const publicRoutes = new RouteTable(this, "public-rt", { vpcId: this.vpc.id, tags: { Name: naming.resource("public") } });
    new Route(this, "public-default", { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: gateway.id });
    this.publicSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `public-${i}-rta`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
    });

    // A single NAT saves ~$32/month per AZ but is a cross-AZ single point of failure for every private subnet.
    const natCount = natMode === "perAz" ? props.azCount : natMode === "single" ? 1 : 0;
    this.natGateways = [...Array(natCount).keys()].map((i) => {
      const address = new Eip(this, `nat-${i}-eip`, { domain: "vpc", tags: { Name: naming.resource("nat", String(i + 1)) } });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: address.id,
        subnetId: this.publicSubnets[i].id,
        tags: { Name: naming.resource("nat", String(i + 1)) },
        dependsOn: [gateway],
      });
    });

    this.privateSubnets = [];
    this.routeTables = [publicRoutes];
    if (withPrivate) {
      indexes.forEach((i) => {
        const subnet = new Subnet(this, `private-${i}`, {
          vpcId: this.vpc.id,
          cidrBlock: subnetCidr(i),
          availabilityZone: zoneOf(i),
          tags: { Name: naming.resource("private", String(i + 1)), ...clusterTag, "kubernetes.io/role/internal-elb": "1" },
        });
        // One route table per AZ even with a single NAT: switching to perAz then only changes routes.
        const routes = new RouteTable(this, `private-${i}-rt`, { vpcId: this.vpc.id, tags: { Name: naming.resource("private", String(i + 1)) } });
        const nat = this.natGateways[natMode === "perAz" ? i : 0];
        new Route(this, `private-${i}-default`, { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
        new RouteTableAssociation(this, `private-${i}-rta`, { subnetId: subnet.id, routeTableId: routes.id });
        this.privateSubnets.push(subnet);
        this.routeTables.push(routes);
      });
    }

    // ECR image layers (stored in S3) and Langfuse's bucket traffic then bypass the NAT and its per-GB charge.
    new VpcEndpoint(this, "s3", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: this.routeTables.map((table) => table.id),
      tags: { Name: naming.resource("s3") },
    });
  }

  /** Subnets for nodes, databases and functions: the private ones where they exist, else the public ones. */
  get workloadSubnets(): Subnet[] {
    return this.privateSubnets.length > 0 ? this.privateSubnets : this.publicSubnets;
  }

  /** Every subnet: public, then private. */
  get allSubnets(): Subnet[] {
    return [...this.publicSubnets, ...this.privateSubnets];
  }
}
