import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { keyPolicyStatements } from "../identity/key-policy";

/** The AWS services that deliver the environment's alarms and events to the topic. */
const ALERT_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"];

export interface AlertsTopicProps {
  /** Name of the SNS topic. */
  readonly topicName: string;
  /** Alias (without `alias/`) of the topic's KMS key. */
  readonly keyAlias: string;
  /** Account that owns the topic; only its alarms and rules may publish. */
  readonly accountId: string;
  /** AWS partition (aws, aws-cn, aws-us-gov). */
  readonly partition: string;
  /**
   * E-mail address subscribed to the topic (the recipient must confirm the subscription once).
   * @default - no subscription
   */
  readonly email?: string;
  /**
   * Roles and users that publish to the topic or read it, by ARN (they encrypt with its key); they may be created
   * after the topic.
   * @default - none: only the alarm services publish
   */
  readonly keyUserArns?: readonly string[];
}

/**
 * The SNS topic every alarm of the environment notifies. It is encrypted with a customer managed key because
 * CloudWatch and EventBridge cannot use the AWS managed alias/aws/sns key (its policy cannot grant them), and
 * only those two services of this account may publish, over TLS.
 */
export class AlertsTopic extends Construct {
  readonly topic: SnsTopic;
  readonly kmsKey: KmsKey;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);
    const keyPolicy = new DataAwsIamPolicyDocument(this, "key-policy", {
      // Root administers the key; the named users and the alarm services (of this account only) use it.
      statement: keyPolicyStatements({ accountId: props.accountId, partition: props.partition, userArns: props.keyUserArns ?? [], servicePrincipals: ALERT_PUBLISHERS }),
    });
    this.kmsKey = new KmsKey(this, "key", {
      description: `Alerts topic ${props.topicName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, "alias", { name: `alias/${props.keyAlias}`, targetKeyId: this.kmsKey.keyId });

    this.topic = new SnsTopic(this, "topic", { name: props.topicName, kmsMasterKeyId: this.kmsKey.arn });
    const topicPolicy = new DataAwsIamPolicyDocument(this, "topic-policy", {
      statement: [
        {
          sid: "AlertPublishers",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ALERT_PUBLISHERS }],
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          // Another account's alarm cannot use this topic through the service principal (confused deputy).
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new SnsTopicPolicy(this, "policy", { arn: this.topic.arn, policy: topicPolicy.json });

    if (props.email) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }
  }
}
