import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsIamSessionContext } from "@cdktf/provider-aws/lib/data-aws-iam-session-context";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Construct } from "constructs";

/*
 * Explicit KMS key policies. AWS's default key policy gives the account root `kms:*`, which lets every IAM principal
 * of the account whose IAM policy says so encrypt and decrypt with the key. Here the root keeps administration
 * only (without it nobody could ever change or delete the key again: KMS has no other way back in), and the
 * cryptographic operations are granted to named principals: the roles that use the key and whoever applies the
 * stack. They are named by `aws:PrincipalArn` in a condition rather than as principals, because KMS rejects a
 * policy whose principal does not exist yet, and some users (the app stack's cleanup function) are created after
 * the key. AWS services that use the key under their own name are bound to this account (confused deputy).
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */

/** What administrators may do: everything but using the key for data. */
export const KEY_ADMINISTRATION_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
] as const;

/** What users may do with data. */
export const KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"] as const;

/** Grants services (RDS, ElastiCache, EKS) create for the resources a user creates with the key. */
export const KEY_GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"] as const;

/** A principal allowed to decrypt exactly one secret (see KeyPolicyDocumentProps.secretReaders). */
export interface SecretReader {
  /** IAM role ARN (named by aws:PrincipalArn, so it may be created after the key). */
  readonly principalArn: string;
  /** The one secret it reads. */
  readonly secretArn: string;
  /** Region of Secrets Manager (kms:ViaService). */
  readonly region: string;
}

export interface KeyPolicyDocumentProps {
  /** Account owning the key; its root administers it. */
  readonly accountId: string;
  /** AWS partition (aws, aws-cn, aws-us-gov). */
  readonly partition: string;
  /** IAM role or user ARNs allowed to use the key; the key policy alone suffices, no IAM policy is needed. */
  readonly userArns: readonly string[];
  /**
   * Principals that may only decrypt one Secrets Manager secret encrypted with the key: kms:Decrypt through
   * Secrets Manager, for that secret's encryption context (Secrets Manager passes `SecretARN`) alone.
   * @default - none
   */
  readonly secretReaders?: readonly SecretReader[];
  /**
   * AWS service principals using the key under their own name (e.g. events.amazonaws.com publishing to an
   * encrypted topic), limited to this account's resources.
   * @default - none
   */
  readonly servicePrincipals?: readonly string[];
}

/** The key policy statements: root administration, named users, their AWS-resource grants, account-bound services. */
export function keyPolicyStatements(props: KeyPolicyDocumentProps): DataAwsIamPolicyDocumentStatement[] {
  const anyPrincipal = [{ type: "AWS", identifiers: ["*"] }];
  const namedUsers = [
    { test: "ArnEquals", variable: "aws:PrincipalArn", values: [...new Set(props.userArns)] },
    { test: "StringEquals", variable: "kms:CallerAccount", values: [props.accountId] },
  ];
  const statements: DataAwsIamPolicyDocumentStatement[] = [
    {
      sid: "KeyAdministration",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: [`arn:${props.partition}:iam::${props.accountId}:root`] }],
      actions: [...KEY_ADMINISTRATION_ACTIONS],
      resources: ["*"],
    },
  ];
  if (props.userArns.length > 0) {
    statements.push(
      { sid: "KeyUse", effect: "Allow", principals: anyPrincipal, actions: [...KEY_USE_ACTIONS], resources: ["*"], condition: namedUsers },
      {
        sid: "GrantsForAwsResources",
        effect: "Allow",
        principals: anyPrincipal,
        actions: [...KEY_GRANT_ACTIONS],
        resources: ["*"],
        condition: [...namedUsers, { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
      },
    );
  }
  props.secretReaders?.forEach((reader, index) => {
    statements.push({
      sid: `DecryptOneSecret${index}`,
      effect: "Allow",
      principals: anyPrincipal,
      actions: ["kms:Decrypt"],
      resources: ["*"],
      condition: [
        { test: "ArnEquals", variable: "aws:PrincipalArn", values: [reader.principalArn] },
        { test: "StringEquals", variable: "kms:CallerAccount", values: [props.accountId] },
        { test: "StringEquals", variable: "kms:ViaService", values: [`secretsmanager.${reader.region}.amazonaws.com`] },
        { test: "StringEquals", variable: "kms:EncryptionContext:SecretARN", values: [reader.secretArn] },
      ],
    });
  });
  if (props.servicePrincipals?.length) {
    statements.push({
      sid: "AccountServices",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: [...props.servicePrincipals] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
      condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
    });
  }
  return statements;
}

/**
 * The IAM role (or user) applying the stack, as a key policy principal: an assumed-role session ARN is not one, so
 * the session is resolved to the role it was issued by. It creates resources with the key (RDS, ElastiCache and EKS
 * check that their caller may use it) and writes the secrets.
 */
export function deployingPrincipalArn(scope: Construct, id: string): string {
  const caller = new DataAwsCallerIdentity(scope, `${id}-caller`);
  return new DataAwsIamSessionContext(scope, id, { arn: caller.arn }).issuerArn;
}

export interface ExplicitKeyPolicyProps extends KeyPolicyDocumentProps {
  /** Id of the key the policy replaces the default policy of. */
  readonly keyId: string;
}

/**
 * A key policy as its own resource, so that roles named in it can themselves carry IAM policies naming the key
 * without a dependency cycle (key → policy → role, key → role policy).
 */
export class ExplicitKeyPolicy extends Construct {
  readonly policy: KmsKeyPolicy;

  constructor(scope: Construct, id: string, props: ExplicitKeyPolicyProps) {
    super(scope, id);
    const document = new DataAwsIamPolicyDocument(this, "document", { statement: keyPolicyStatements(props) });
    this.policy = new KmsKeyPolicy(this, "policy", { keyId: props.keyId, policy: document.json });
  }
}
