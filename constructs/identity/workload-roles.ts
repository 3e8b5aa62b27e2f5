import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { DISK_METRICS_NAMESPACE } from "../../contract/metrics";
import {
  CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT,
  CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
  KEDA_OPERATOR_SERVICE_ACCOUNT,
  LANGFUSE_SERVICE_ACCOUNT,
  LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
  type ServiceAccountRef,
} from "../../contract/service-accounts";
import { IrsaRole } from "./irsa-role";
import { loadBalancerControllerStatements } from "./load-balancer-controller-policy";
import { constructIdOf } from "./construct-id";

/** The workloads that get an IAM role of their own. */
export type Workload = "langfuse" | "loadBalancerController" | "kedaOperator" | "clickhouseMaintenance" | "clusterAutoscaler";

export interface WorkloadRolesProps {
  /** IAM role name per workload, from the naming helper. */
  readonly roleNames: Readonly<Record<Workload, string>>;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** Issuer of the OIDC provider without https://. */
  readonly oidcProviderUrl: string;
  /** ARN of the Langfuse bucket. */
  readonly bucketArn: string;
  /**
   * KMS key of the bucket (SSE-KMS); Langfuse gets encrypt/decrypt on it.
   * @default - SSE-S3, no key permissions
   */
  readonly bucketKmsKeyArn?: string;
  /** AWS partition (aws, aws-cn, aws-us-gov) for the ARNs of the load balancer controller's policy. */
  readonly partition: string;
  /** Name of the EKS cluster; the Cluster Autoscaler may resize only the Auto Scaling groups tagged as its own. */
  readonly clusterName: string;
}

/**
 * What the Cluster Autoscaler reads to discover the node groups and model their nodes (the list its AWS
 * documentation publishes). None of these Describe/Get calls supports resource-level scoping.
 */
const AUTOSCALER_READ_ACTIONS = [
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeAutoScalingInstances",
  "autoscaling:DescribeLaunchConfigurations",
  "autoscaling:DescribeScalingActivities",
  "autoscaling:DescribeTags",
  "ec2:DescribeImages",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeLaunchTemplateVersions",
  "ec2:GetInstanceTypesFromInstanceRequirements",
  "eks:DescribeNodegroup",
];

/** Read-only metric queries; CloudWatch offers no resource-level scoping for them. */
const METRIC_READ_ACTIONS = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"];

/**
 * One IRSA role per workload, each trusting exactly one service account (subject and audience checked) and
 * holding only what that workload does: Langfuse reads and writes its bucket, the load balancer controller
 * manages the load balancers it tags, KEDA reads metrics, the disk-metrics job writes into one namespace, the
 * Cluster Autoscaler resizes this cluster's node groups.
 */
export class WorkloadRoles extends Construct {
  readonly roles: Readonly<Record<Workload, IamRole>>;

  constructor(scope: Construct, id: string, props: WorkloadRolesProps) {
    super(scope, id);
    const role = (workload: Workload, account: ServiceAccountRef, statements: DataAwsIamPolicyDocumentStatement[]) =>
      new IrsaRole(this, constructIdOf(workload), {
        roleName: props.roleNames[workload],
        oidcProviderArn: props.oidcProviderArn,
        oidcProviderUrl: props.oidcProviderUrl,
        namespace: account.namespace,
        serviceAccount: account.name,
        statements,
      }).role;

    this.roles = {
      langfuse: role("langfuse", LANGFUSE_SERVICE_ACCOUNT, bucketStatements(props.bucketArn, props.bucketKmsKeyArn)),
      loadBalancerController: role("loadBalancerController", LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT, loadBalancerControllerStatements(props.partition)),
      kedaOperator: role("kedaOperator", KEDA_OPERATOR_SERVICE_ACCOUNT, [{ sid: "ReadMetrics", effect: "Allow", actions: METRIC_READ_ACTIONS, resources: ["*"] }]),
      clickhouseMaintenance: role("clickhouseMaintenance", CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT, [
        {
          sid: "PutDiskMetrics",
          effect: "Allow",
          actions: ["cloudwatch:PutMetricData"],
          // PutMetricData has no resource ARN; the namespace condition is its only scope.
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [DISK_METRICS_NAMESPACE] }],
        },
      ]),
      clusterAutoscaler: role("clusterAutoscaler", CLUSTER_AUTOSCALER_SERVICE_ACCOUNT, autoscalerStatements(props.clusterName)),
    };
  }
}

/**
 * Describe anything, but change the size of (or terminate an instance in) only an Auto Scaling group tagged
 * k8s.io/cluster-autoscaler/<cluster> = owned, which EKS puts on every managed node group's group: the role
 * cannot touch another cluster's nodes or any other Auto Scaling group of the account.
 */
function autoscalerStatements(clusterName: string): DataAwsIamPolicyDocumentStatement[] {
  return [
    { sid: "Discover", effect: "Allow", actions: AUTOSCALER_READ_ACTIONS, resources: ["*"] },
    {
      sid: "ResizeOwnGroups",
      effect: "Allow",
      actions: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: `aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`, values: ["owned"] }],
    },
  ];
}

/** Object read/write/delete under the bucket, listing of that bucket alone, and its key when SSE-KMS is used. */
function bucketStatements(bucketArn: string, kmsKeyArn: string | undefined): DataAwsIamPolicyDocumentStatement[] {
  const statements: DataAwsIamPolicyDocumentStatement[] = [
    { sid: "Objects", effect: "Allow", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: [`${bucketArn}/*`] },
    { sid: "List", effect: "Allow", actions: ["s3:ListBucket"], resources: [bucketArn] },
  ];
  if (kmsKeyArn) {
    statements.push({ sid: "BucketKey", effect: "Allow", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [kmsKeyArn] });
  }
  return statements;
}
