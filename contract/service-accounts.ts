/*
 * The Kubernetes service accounts the deps stack's IRSA roles trust. The app stack creates (or lets a chart
 * create) exactly these accounts and annotates them with the role ARNs; a mismatch on either side leaves the
 * pod without AWS credentials, so both sides import the names from here.
 */

export interface ServiceAccountRef {
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Name of the service account. */
  readonly name: string;
}

/** The chart's account for web and worker (release name `langfuse`); S3 access to the bucket. */
export const LANGFUSE_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: "langfuse", name: "langfuse" };

/** The AWS Load Balancer Controller's account; manages the ALBs of the ingress. */
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: "kube-system", name: "aws-load-balancer-controller" };

/** The KEDA operator's account; reads CloudWatch metrics for request-based scaling. */
export const KEDA_OPERATOR_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: "keda", name: "keda-operator" };

/** The ClickHouse disk-metrics job's account; publishes volume usage to CloudWatch. */
export const CLICKHOUSE_MAINTENANCE_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: "langfuse", name: "clickhouse-maintenance" };

/** The Cluster Autoscaler's account; resizes the node groups' Auto Scaling groups. */
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: "kube-system", name: "cluster-autoscaler" };
