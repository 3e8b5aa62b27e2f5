import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { BUCKET_PREFIXES } from "../langfuse/values";

/** Incomplete multipart uploads are billed until aborted; a week covers any upload still in progress. */
const ABORT_MULTIPART_AFTER_DAYS = 7;

export interface LangfuseBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Days after which objects under exports/ expire. */
  readonly exportsExpireDays: number;
  /**
   * Keep object versions; non-current versions expire after `noncurrentVersionExpireDays`.
   * @default false
   */
  readonly versioning?: boolean;
  /**
   * Days after which non-current versions expire (with versioning).
   * @default 30
   */
  readonly noncurrentVersionExpireDays?: number;
  /**
   * Alias (without `alias/`) of a dedicated KMS key for SSE-KMS with an S3 bucket key.
   * @default - SSE-S3 (AES256), no key
   */
  readonly kmsKeyAlias?: string;
  /**
   * Let `terraform destroy` delete a bucket that still holds objects.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * `prevent_destroy` on the bucket and its key, so a mistaken destroy or replacement fails instead of losing data.
   * @default false
   */
  readonly protect?: boolean;
}

/**
 * The bucket of events/, media/ and exports/: private (all four public access blocks, bucket-owner-enforced
 * ownership, so ACLs are off), encrypted, reachable over TLS only, with lifecycle rules that keep its size and
 * cost bounded.
 */
export class LangfuseBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The dedicated key, when SSE-KMS is used. */
  readonly kmsKey?: KmsKey;

  constructor(scope: Construct, id: string, props: LangfuseBucketProps) {
    super(scope, id);
    const guard = props.protect ? { lifecycle: { preventDestroy: true } } : {};
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false, ...guard });
    const bucket = this.bucket.id;

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });

    if (props.kmsKeyAlias) {
      this.kmsKey = new KmsKey(this, "key", {
        description: `Objects of ${props.bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: props.protect ? 30 : 7,
        ...guard,
      });
      new KmsAlias(this, "alias", { name: `alias/${props.kmsKeyAlias}`, targetKeyId: this.kmsKey.keyId });
    }
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [
        this.kmsKey
          ? // The bucket key cuts KMS requests (and their cost) by reusing a data key per bucket for a while.
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKey.arn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    const tlsOnly = new DataAwsIamPolicyDocument(this, "tls-only", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    // The public access block must exist first, or S3 may judge the policy before public policies are blocked.
    new S3BucketPolicy(this, "policy", { bucket, policy: tlsOnly.json, dependsOn: [publicAccessBlock] });

    const versioning = props.versioning ?? false;
    const versioningConfig = versioning ? new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } }) : undefined;
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: lifecycleRules(props.exportsExpireDays, versioning ? (props.noncurrentVersionExpireDays ?? 30) : undefined),
      // S3 rejects non-current version rules on a bucket whose versioning is still being enabled.
      ...(versioningConfig ? { dependsOn: [versioningConfig] } : {}),
    });
  }

  /** ARN of the dedicated KMS key, or an empty string with SSE-S3. */
  get kmsKeyArn(): string {
    return this.kmsKey?.arn ?? "";
  }
}

function lifecycleRules(exportsExpireDays: number, noncurrentVersionExpireDays: number | undefined): S3BucketLifecycleConfigurationRule[] {
  const rules: S3BucketLifecycleConfigurationRule[] = [
    {
      id: "expire-exports",
      status: "Enabled",
      filter: [{ prefix: BUCKET_PREFIXES.exports }],
      expiration: [{ days: exportsExpireDays }],
    },
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: [{ prefix: "" }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_MULTIPART_AFTER_DAYS }],
    },
  ];
  if (noncurrentVersionExpireDays !== undefined) {
    rules.push({
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: [{ prefix: "" }],
      noncurrentVersionExpiration: [{ noncurrentDays: noncurrentVersionExpireDays }],
      // Once its last version has expired, a delete marker is clutter that slows listings.
      expiration: [{ expiredObjectDeleteMarker: true }],
    });
  }
  return rules;
}
