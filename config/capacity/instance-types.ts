/*
 * What an EKS node of each instance type offers pods: allocatable CPU, memory and pod slots on an Amazon Linux 2023
 * managed node group without a custom launch template (the project's node groups). Every figure is derived from the
 * instance's published vCPUs, memory and network interface limits with the formulas EKS itself applies.
 */

/** Published limits of one EC2 instance type. */
export interface InstanceShape {
  readonly vcpus: number;
  /** Nominal memory, GiB. */
  readonly memoryGiB: number;
  /** Network interfaces the instance can attach. */
  readonly enis: number;
  /** Private IPv4 addresses per network interface. */
  readonly ipv4PerEni: number;
}

/**
 * The instance types the capacity model knows (those of the price list, data/prices-us-east-1.json): a node group
 * may only use these. A new type is one line here, from the two pages below.
 * @see https://aws.amazon.com/ec2/instance-types/ (vCPUs, memory)
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html (network interfaces, IPv4 per interface)
 */
export const INSTANCE_SHAPES: Readonly<Record<string, InstanceShape>> = {
  "t4g.small": { vcpus: 2, memoryGiB: 2, enis: 3, ipv4PerEni: 4 },
  "t4g.medium": { vcpus: 2, memoryGiB: 4, enis: 3, ipv4PerEni: 6 },
  "t4g.large": { vcpus: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 12 },
  "t4g.xlarge": { vcpus: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
  "t4g.2xlarge": { vcpus: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
  "t3.small": { vcpus: 2, memoryGiB: 2, enis: 3, ipv4PerEni: 4 },
  "t3.medium": { vcpus: 2, memoryGiB: 4, enis: 3, ipv4PerEni: 6 },
  "t3.large": { vcpus: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 12 },
  "t3.xlarge": { vcpus: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
  "m6g.large": { vcpus: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
  "m6g.xlarge": { vcpus: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
  "m7g.medium": { vcpus: 1, memoryGiB: 4, enis: 2, ipv4PerEni: 4 },
  "m7g.large": { vcpus: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
  "m7g.xlarge": { vcpus: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
  "m7g.2xlarge": { vcpus: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
  "m6i.large": { vcpus: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
  "m6i.xlarge": { vcpus: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
  "m7i.large": { vcpus: 2, memoryGiB: 8, enis: 3, ipv4PerEni: 10 },
  "m7i.xlarge": { vcpus: 4, memoryGiB: 16, enis: 4, ipv4PerEni: 15 },
  "c6g.large": { vcpus: 2, memoryGiB: 4, enis: 3, ipv4PerEni: 10 },
  "c7g.large": { vcpus: 2, memoryGiB: 4, enis: 3, ipv4PerEni: 10 },
  "c7g.xlarge": { vcpus: 4, memoryGiB: 8, enis: 4, ipv4PerEni: 15 },
  "r6g.large": { vcpus: 2, memoryGiB: 16, enis: 3, ipv4PerEni: 10 },
  "r6g.xlarge": { vcpus: 4, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
  "r6g.2xlarge": { vcpus: 8, memoryGiB: 64, enis: 4, ipv4PerEni: 15 },
  "r7g.medium": { vcpus: 1, memoryGiB: 8, enis: 2, ipv4PerEni: 4 },
  "r7g.large": { vcpus: 2, memoryGiB: 16, enis: 3, ipv4PerEni: 10 },
  "r7g.xlarge": { vcpus: 4, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
  "r7g.2xlarge": { vcpus: 8, memoryGiB: 64, enis: 4, ipv4PerEni: 15 },
  "r7g.4xlarge": { vcpus: 16, memoryGiB: 128, enis: 8, ipv4PerEni: 30 },
  "r6i.large": { vcpus: 2, memoryGiB: 16, enis: 3, ipv4PerEni: 10 },
  "r6i.xlarge": { vcpus: 4, memoryGiB: 32, enis: 4, ipv4PerEni: 15 },
};

/** What the pods of one node may request in total. */
export interface NodeAllocatable {
  /** Millicores. */
  readonly cpuMillis: number;
  /** MiB. */
  readonly memoryMiB: number;
  /** Pods the kubelet admits (every pod counts, host-network DaemonSets too). */
  readonly pods: number;
}

/**
 * Max pods with the VPC CNI (one VPC address per pod, no prefix delegation): every interface but its primary address,
 * plus 2 for the host-network pods; EKS caps the recommendation at 110 below 30 vCPUs and 250 above.
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/templates/shared/runtime/eni-max-pods.txt
 * @see https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html#determine-max-pods
 */
export function maxPods(shape: InstanceShape): number {
  const byNetwork = shape.enis * (shape.ipv4PerEni - 1) + 2;
  return Math.min(byNetwork, shape.vcpus < 30 ? 110 : 250);
}

/**
 * CPU kept for the kubelet and the OS (kube-reserved): 6% of the first core, 1% of the second, 0.5% of the third
 * and fourth, 0.25% of every further core.
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/config.go (getCPUMillicoresToReserve)
 */
export function reservedCpuMillis(vcpus: number): number {
  const steps: ReadonlyArray<readonly [number, number]> = [[1, 60], [1, 10], [2, 5], [Infinity, 2.5]];
  let left = vcpus;
  let reserved = 0;
  for (const [cores, perCore] of steps) {
    const counted = Math.min(left, cores);
    reserved += counted * perCore;
    left -= counted;
  }
  return reserved;
}

/**
 * The share of nominal memory the hypervisor, firmware and kernel keep before the kubelet counts capacity. Real nodes
 * show 3–6%; the model takes Karpenter's default estimate, so it errs on the side of "does not fit".
 * @see https://karpenter.sh/docs/reference/settings/ (VM_MEMORY_OVERHEAD_PERCENT, default 0.075)
 */
export const VM_MEMORY_OVERHEAD = 0.075;

/** Hard eviction threshold the kubelet keeps free (memory.available<100Mi). */
export const EVICTION_HARD_MIB = 100;

/**
 * Memory kept for the kubelet and the container runtime (kube-reserved): 255 MiB + 11 MiB per pod the node admits.
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/config.go (getMemoryMebibytesToReserve)
 */
export function reservedMemoryMiB(pods: number): number {
  return 255 + 11 * pods;
}

/** Allocatable CPU, memory and pods of a node of `instanceType`; undefined for a type the model does not know. */
export function nodeAllocatable(instanceType: string): NodeAllocatable | undefined {
  const shape = INSTANCE_SHAPES[instanceType];
  if (!shape) return undefined;
  const pods = maxPods(shape);
  const capacityMiB = shape.memoryGiB * 1024 * (1 - VM_MEMORY_OVERHEAD);
  return {
    cpuMillis: shape.vcpus * 1000 - reservedCpuMillis(shape.vcpus),
    memoryMiB: Math.floor(capacityMiB - reservedMemoryMiB(pods) - EVICTION_HARD_MIB),
    pods,
  };
}
