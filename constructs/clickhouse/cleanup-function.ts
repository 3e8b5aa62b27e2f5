import { join } from "node:path";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { terraformDuration, WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";
import type { ClickHouseSchema } from "../../contract/clickhouse-flavours";
import { ENV, SCHEDULE_PAYLOAD } from "../../lambda/clickhouse-cleanup/config";
import { CLEANUP_CLICKHOUSE_USER } from "../../contract/clickhouse-cleanup-user";
import { LambdaBundle, NODE_RUNTIME } from "./lambda-bundle";
import { volumeMetric } from "../observability/metrics";

/*
 * The emergency path: the disk alarm (ClickHouse volume usage >= threshold) notifies the SNS topic and, through an
 * EventBridge rule on its state change to ALARM, starts the cleanup function, which publishes what it did to the
 * same topic. The alarm does not fire again while it stays in ALARM, so a schedule invokes the function every 30
 * minutes as well; such a run reads the alarm's state and cleans up only while it is still in ALARM (the handler
 * bounds these retries). The function runs in the workload subnets and reaches ClickHouse only through the internal
 * load balancer as its own ClickHouse user (limited to the cleanup's statements: lambda/clickhouse-cleanup/grants.ts),
 * whose password it reads from Secrets Manager at run time, so its environment holds no secret.
 */

export interface ClickHouseCleanupFunctionProps {
  /** Function, role, alarm and rule name, from the naming helper. */
  readonly name: string;
  /** Region of the function and of the AWS API endpoints it calls (Secrets Manager, SNS, CloudWatch). */
  readonly region: string;
  /** VPC of the workload subnets. */
  readonly vpcId: string;
  /** Workload subnets of the VPC. */
  readonly subnetIds: string[];
  /** http://host:port of ClickHouse (the internal load balancer). */
  readonly clickhouseUrl: string;
  /** Frontend security group of that load balancer; the function's group is admitted to it. */
  readonly clickhouseSecurityGroupId: string;
  /** ClickHouse HTTP port on the load balancer. */
  readonly clickhousePort: number;
  /** Secrets Manager secret whose string is the password of the function's own ClickHouse user (CLEANUP_CLICKHOUSE_USER). */
  readonly clickhouseSecretArn: string;
  /** KMS key encrypting that secret (decrypt is allowed only through Secrets Manager). */
  readonly secretsKmsKeyArn: string;
  /** SNS topic of the alarm and of the cleanup summary. */
  readonly alertsTopicArn: string;
  /** KMS key of that topic: publishing to an encrypted topic needs a data key from it. */
  readonly alertsKmsKeyArn: string;
  /**
   * Which Langfuse tables the server holds: v4 adds events_full and events_core to the tables cleaned up.
   * @default "v3"
   */
  readonly schema?: ClickHouseSchema;
  /** Days of Langfuse data (traces, observations, scores …) the cleanup keeps. */
  readonly retentionDays: number;
  /** Days of ClickHouse system log rows (query_log, trace_log …) the cleanup keeps. */
  readonly systemLogRetentionDays: number;
  /** Seconds one run may spend on cleanup steps (the function's timeout adds a minute). */
  readonly timeBudgetSeconds: number;
  /** Volume usage (%) at which the alarm fires. */
  readonly diskAlarmPercent: number;
  /** Dimension values of the ClickHouse volume's UsagePercent metric. */
  readonly volume: { readonly clusterName: string; readonly namespace: string; readonly pvcName: string; readonly podName: string };
  /**
   * Create interface endpoints for Secrets Manager, SNS and CloudWatch: needed where the workload subnets have no
   * NAT route.
   * @default false
   */
  readonly createApiEndpoints?: boolean;
  /**
   * A system log table still larger than this after its expired partitions are dropped is truncated.
   * @default 1
   */
  readonly systemLogMaxGiB?: number;
  /**
   * Only plan and report, for every run not overridden by a {"dryRun": false} payload.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Retention of the function's log group, days.
   * @default 30
   */
  readonly logRetentionDays?: number;
}

const ENTRY = join(__dirname, "..", "..", "lambda", "clickhouse-cleanup", "index.ts");
/** Lambda's maximum timeout, seconds. */
const MAX_TIMEOUT_SECONDS = 900;
/** How often the retry schedule asks whether the alarm is still in ALARM; longer than any run (15 min at most). */
const RETRY_SCHEDULE = "rate(30 minutes)";

export class ClickHouseCleanupFunction extends Construct {
  readonly function: LambdaFunction;
  readonly alarm: CloudwatchMetricAlarm;
  readonly rule: CloudwatchEventRule;
  /** The schedule of the retries while the alarm stays in ALARM. */
  readonly retrySchedule: CloudwatchEventRule;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: ClickHouseCleanupFunctionProps) {
    super(scope, id);
    const timeout = props.timeBudgetSeconds + 60;
    if (timeout > MAX_TIMEOUT_SECONDS) throw new Error(`'timeBudgetSeconds' (${props.timeBudgetSeconds}) must be at most ${MAX_TIMEOUT_SECONDS - 60}: the function needs a minute to report`);
    const bundle = new LambdaBundle(this, "code", { entry: ENTRY });

    this.securityGroup = this.networkAccess(props);
    if (props.createApiEndpoints) this.addApiEndpoints(props);
    // Before the function: its environment names the alarm, and its role may read the alarm's state.
    this.alarm = this.diskAlarm(props);
    const { role, grants } = this.executionRole(props);
    const logGroup = new CloudwatchLogGroup(this, "logs", { name: `/aws/lambda/${props.name}`, retentionInDays: props.logRetentionDays ?? 30 });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.name,
      description: "Frees ClickHouse disk space when the volume alarm fires (expired partitions, rows, oversized system logs)",
      role: role.arn,
      runtime: NODE_RUNTIME,
      architectures: ["arm64"],
      handler: bundle.handler,
      filename: bundle.asset.path,
      sourceCodeHash: bundle.sourceCodeHash,
      timeout,
      memorySize: 256,
      vpcConfig: { subnetIds: props.subnetIds, securityGroupIds: [this.securityGroup.id] },
      loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
      environment: {
        variables: {
          [ENV.clickhouseUrl]: props.clickhouseUrl,
          [ENV.clickhouseUser]: CLEANUP_CLICKHOUSE_USER.userName,
          [ENV.clickhouseDatabase]: "default",
          [ENV.clickhouseSchema]: props.schema ?? "v3",
          [ENV.secretArn]: props.clickhouseSecretArn,
          [ENV.topicArn]: props.alertsTopicArn,
          [ENV.retentionDays]: String(props.retentionDays),
          [ENV.systemLogRetentionDays]: String(props.systemLogRetentionDays),
          [ENV.systemLogMaxBytes]: String(Math.round((props.systemLogMaxGiB ?? 1) * 1024 ** 3)),
          [ENV.timeBudgetSeconds]: String(props.timeBudgetSeconds),
          [ENV.dryRun]: String(props.dryRun ?? false),
          [ENV.diskAlarmName]: this.alarm.alarmName,
        },
      },
      // In a VPC the function waits for its network interface before it is Active: bounded (apply time budget).
      timeouts: { create: terraformDuration(WAIT_BOUNDS_SECONDS.vpcFunction), update: terraformDuration(WAIT_BOUNDS_SECONDS.vpcFunction) },
      dependsOn: [...grants, logGroup],
    });

    this.rule = this.startOnAlarm(props);
    this.retrySchedule = this.retryOnSchedule(props);
  }

  /** The function's security group: ClickHouse through its load balancer, and HTTPS to the AWS APIs; nothing else. */
  private networkAccess(props: ClickHouseCleanupFunctionProps): SecurityGroup {
    const securityGroup = new SecurityGroup(this, "sg", {
      name: props.name,
      description: "ClickHouse cleanup function: ClickHouse load balancer and HTTPS to AWS APIs only",
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    const port = { ipProtocol: "tcp", fromPort: props.clickhousePort, toPort: props.clickhousePort };
    new VpcSecurityGroupEgressRule(this, "to-clickhouse", {
      securityGroupId: securityGroup.id,
      description: "ClickHouse HTTP through the internal load balancer",
      referencedSecurityGroupId: props.clickhouseSecurityGroupId,
      ...port,
    });
    new VpcSecurityGroupIngressRule(this, "clickhouse-from-function", {
      securityGroupId: props.clickhouseSecurityGroupId,
      description: "ClickHouse cleanup function",
      referencedSecurityGroupId: securityGroup.id,
      ...port,
    });
    new VpcSecurityGroupEgressRule(this, "to-aws-apis", {
      securityGroupId: securityGroup.id,
      description: "HTTPS to the AWS APIs (Secrets Manager, SNS, CloudWatch)",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    return securityGroup;
  }

  /** The function's role, and the grants the function must wait for: read the password, publish the summary. */
  private executionRole(props: ClickHouseCleanupFunctionProps): { role: IamRole; grants: ITerraformDependable[] } {
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [{ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] }],
    });
    const role = new IamRole(this, "role", { name: props.name, description: "ClickHouse emergency cleanup function", assumeRolePolicy: trust.json });
    // Logs and the VPC network interfaces; AWS maintains this policy for exactly this purpose.
    const vpcAccess = new IamRolePolicyAttachment(this, "vpc-access", {
      role: role.name,
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    });
    const permissions = new DataAwsIamPolicyDocument(this, "permissions", {
      statement: [
        { sid: "ReadClickHousePassword", effect: "Allow", actions: ["secretsmanager:GetSecretValue"], resources: [props.clickhouseSecretArn] },
        {
          sid: "DecryptThroughSecretsManager",
          effect: "Allow",
          actions: ["kms:Decrypt"],
          resources: [props.secretsKmsKeyArn],
          condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`secretsmanager.${props.region}.amazonaws.com`] }],
        },
        { sid: "PublishSummary", effect: "Allow", actions: ["sns:Publish"], resources: [props.alertsTopicArn] },
        { sid: "ReadDiskAlarmState", effect: "Allow", actions: ["cloudwatch:DescribeAlarms"], resources: [this.alarm.arn] },
        {
          sid: "EncryptSummary",
          effect: "Allow",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          resources: [props.alertsKmsKeyArn],
          condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`sns.${props.region}.amazonaws.com`] }],
        },
      ],
    });
    const policy = new IamRolePolicy(this, "policy", { name: props.name, role: role.name, policy: permissions.json });
    return { role, grants: [vpcAccess, policy] };
  }

  private diskAlarm(props: ClickHouseCleanupFunctionProps): CloudwatchMetricAlarm {
    const usage = volumeMetric({ ...props.volume, persistentVolumeClaimName: props.volume.pvcName }, "UsagePercent");
    return new CloudwatchMetricAlarm(this, "disk-alarm", {
      alarmName: `${props.name}-disk`,
      alarmDescription: `ClickHouse volume ${props.volume.pvcName} at or above ${props.diskAlarmPercent}% full; starts ${props.name}`,
      namespace: usage.namespace,
      metricName: usage.metricName,
      dimensions: { ...usage.dimensions },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: props.diskAlarmPercent,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      // No data (the metrics job not running) must neither start a cleanup nor clear the alarm.
      treatMissingData: "missing",
      alarmActions: [props.alertsTopicArn],
      okActions: [props.alertsTopicArn],
    });
  }

  /** The EventBridge rule that invokes the function when the disk alarm enters ALARM. */
  private startOnAlarm(props: ClickHouseCleanupFunctionProps): CloudwatchEventRule {
    const rule = new CloudwatchEventRule(this, "on-alarm", {
      name: `${props.name}-on-alarm`,
      description: "Starts the ClickHouse cleanup when the disk alarm enters ALARM",
      // The alarm by ARN (account and region included) and by name; only the transition into ALARM.
      eventPattern: Fn.jsonencode({
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        resources: [this.alarm.arn],
        detail: { alarmName: [this.alarm.alarmName], state: { value: ["ALARM"] } },
      }),
    });
    this.invokeFrom(rule, { targetId: "target", permissionId: "invoke", eventTargetId: "clickhouse-cleanup", statementId: "AllowDiskAlarmRule" });
    return rule;
  }

  /** The EventBridge schedule of the retries: {"source":"schedule"}, which the handler checks against the alarm. */
  private retryOnSchedule(props: ClickHouseCleanupFunctionProps): CloudwatchEventRule {
    const schedule = new CloudwatchEventRule(this, "retry-schedule", {
      name: `${props.name}-retry`,
      description: "Retries the ClickHouse cleanup while the disk alarm stays in ALARM (the function checks the alarm first)",
      scheduleExpression: RETRY_SCHEDULE,
    });
    this.invokeFrom(schedule, {
      targetId: "retry-target",
      permissionId: "retry-invoke",
      eventTargetId: "clickhouse-cleanup-retry",
      statementId: "AllowRetrySchedule",
      input: JSON.stringify(SCHEDULE_PAYLOAD),
    });
    return schedule;
  }

  /** Targets the function from an EventBridge rule, with the invoke permission for that rule alone. */
  private invokeFrom(rule: CloudwatchEventRule, ids: { targetId: string; permissionId: string; eventTargetId: string; statementId: string; input?: string }): void {
    new CloudwatchEventTarget(this, ids.targetId, { rule: rule.name, arn: this.function.arn, targetId: ids.eventTargetId, input: ids.input });
    new LambdaPermission(this, ids.permissionId, {
      statementId: ids.statementId,
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    });
  }

  /** Private paths to the AWS APIs the function calls, for subnets without a NAT route. */
  private addApiEndpoints(props: ClickHouseCleanupFunctionProps): void {
    const endpoints = new SecurityGroup(this, "endpoints-sg", {
      name: `${props.name}-endpoints`,
      description: "Secrets Manager and SNS endpoints of the ClickHouse cleanup function",
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-endpoints` },
    });
    new VpcSecurityGroupIngressRule(this, "endpoints-from-function", {
      securityGroupId: endpoints.id,
      description: "HTTPS from the ClickHouse cleanup function",
      referencedSecurityGroupId: this.securityGroup.id,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
    });
    // monitoring: CloudWatch's API, for the alarm state a scheduled retry reads.
    for (const service of ["secretsmanager", "sns", "monitoring"]) {
      new VpcEndpoint(this, `${service}-endpoint`, {
        vpcId: props.vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: props.subnetIds,
        securityGroupIds: [endpoints.id],
        tags: { Name: `${props.name}-${service}` },
      });
    }
  }
}
