import type { DataAwsIamPolicyDocumentStatement, DataAwsIamPolicyDocumentStatementCondition } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";

/*
 * The permissions the AWS Load Balancer Controller documents for itself (docs/install/iam_policy.json of
 * kubernetes-sigs/aws-load-balancer-controller, the v2.13+ revision that v3.0 still uses), as typed statements.
 * Most write actions are scoped by the `elbv2.k8s.aws/cluster` tag the controller puts on everything it creates:
 * it may only change load balancers, target groups and security groups that carry the tag. Describe/Get actions
 * do not support resource-level scoping, hence their "*" resources. When the controller is upgraded, compare
 * this list with the iam_policy.json of the new release.
 */

/** The tag the controller stamps on every resource it creates. */
const CLUSTER_TAG = "elbv2.k8s.aws/cluster";

type Condition = DataAwsIamPolicyDocumentStatementCondition;

const requestTagged: Condition = { test: "Null", variable: `aws:RequestTag/${CLUSTER_TAG}`, values: ["false"] };
const requestUntagged: Condition = { test: "Null", variable: `aws:RequestTag/${CLUSTER_TAG}`, values: ["true"] };
const resourceTagged: Condition = { test: "Null", variable: `aws:ResourceTag/${CLUSTER_TAG}`, values: ["false"] };

const DESCRIBE_ACTIONS = [
  "ec2:DescribeAccountAttributes",
  "ec2:DescribeAddresses",
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeCoipPools",
  "ec2:DescribeInstances",
  "ec2:DescribeInternetGateways",
  "ec2:DescribeIpamPools",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeRouteTables",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeTags",
  "ec2:DescribeVpcPeeringConnections",
  "ec2:DescribeVpcs",
  "ec2:GetCoipPoolUsage",
  "ec2:GetSecurityGroupsForVpc",
  "elasticloadbalancing:DescribeCapacityReservation",
  "elasticloadbalancing:DescribeListenerAttributes",
  "elasticloadbalancing:DescribeListenerCertificates",
  "elasticloadbalancing:DescribeListeners",
  "elasticloadbalancing:DescribeLoadBalancerAttributes",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeRules",
  "elasticloadbalancing:DescribeSSLPolicies",
  "elasticloadbalancing:DescribeTags",
  "elasticloadbalancing:DescribeTargetGroupAttributes",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "elasticloadbalancing:DescribeTrustStores",
];

/** Certificates, WAF, Shield and Cognito the ingress annotations may reference. */
const INTEGRATION_ACTIONS = [
  "acm:DescribeCertificate",
  "acm:ListCertificates",
  "cognito-idp:DescribeUserPoolClient",
  "iam:GetServerCertificate",
  "iam:ListServerCertificates",
  "shield:CreateProtection",
  "shield:DeleteProtection",
  "shield:DescribeProtection",
  "shield:GetSubscriptionState",
  "waf-regional:AssociateWebACL",
  "waf-regional:DisassociateWebACL",
  "waf-regional:GetWebACL",
  "waf-regional:GetWebACLForResource",
  "wafv2:AssociateWebACL",
  "wafv2:DisassociateWebACL",
  "wafv2:GetWebACL",
  "wafv2:GetWebACLForResource",
];

/** Changes allowed only on load balancers and target groups the controller created (tagged). */
const TAGGED_LOAD_BALANCER_ACTIONS = [
  "elasticloadbalancing:DeleteLoadBalancer",
  "elasticloadbalancing:DeleteTargetGroup",
  "elasticloadbalancing:ModifyCapacityReservation",
  "elasticloadbalancing:ModifyIpPools",
  "elasticloadbalancing:ModifyListenerAttributes",
  "elasticloadbalancing:ModifyLoadBalancerAttributes",
  "elasticloadbalancing:ModifyTargetGroup",
  "elasticloadbalancing:ModifyTargetGroupAttributes",
  "elasticloadbalancing:SetIpAddressType",
  "elasticloadbalancing:SetSecurityGroups",
  "elasticloadbalancing:SetSubnets",
];

/** The controller's policy; `partition` is aws, aws-cn or aws-us-gov (from data aws_partition). */
export function loadBalancerControllerStatements(partition: string): DataAwsIamPolicyDocumentStatement[] {
  const elb = (resource: string) => `arn:${partition}:elasticloadbalancing:*:*:${resource}`;
  const securityGroups = [`arn:${partition}:ec2:*:*:security-group/*`];
  const balancersAndTargetGroups = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
  const allow = (sid: string, actions: string[], resources: string[], condition?: Condition[]): DataAwsIamPolicyDocumentStatement => ({
    sid,
    effect: "Allow",
    actions,
    resources,
    ...(condition ? { condition } : {}),
  });

  return [
    allow("ElbServiceLinkedRole", ["iam:CreateServiceLinkedRole"], ["*"], [
      { test: "StringEquals", variable: "iam:AWSServiceName", values: ["elasticloadbalancing.amazonaws.com"] },
    ]),
    allow("Describe", DESCRIBE_ACTIONS, ["*"]),
    allow("Integrations", INTEGRATION_ACTIONS, ["*"]),
    allow("SecurityGroupIngress", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], ["*"]),
    allow("CreateSecurityGroup", ["ec2:CreateSecurityGroup"], ["*"]),
    allow("TagNewSecurityGroup", ["ec2:CreateTags"], securityGroups, [
      { test: "StringEquals", variable: "ec2:CreateAction", values: ["CreateSecurityGroup"] },
      requestTagged,
    ]),
    allow("RetagOwnSecurityGroup", ["ec2:CreateTags", "ec2:DeleteTags"], securityGroups, [requestUntagged, resourceTagged]),
    allow("ManageOwnSecurityGroup", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], ["*"], [resourceTagged]),
    allow("CreateTaggedLoadBalancer", ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], ["*"], [requestTagged]),
    allow(
      "ListenersAndRules",
      ["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"],
      ["*"],
    ),
    allow("RetagOwnLoadBalancer", ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], balancersAndTargetGroups, [requestUntagged, resourceTagged]),
    allow(
      "TagListenersAndRules",
      ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      [elb("listener/net/*/*/*"), elb("listener/app/*/*/*"), elb("listener-rule/net/*/*/*"), elb("listener-rule/app/*/*/*")],
    ),
    allow("ManageOwnLoadBalancer", TAGGED_LOAD_BALANCER_ACTIONS, ["*"], [resourceTagged]),
    allow("TagOnCreate", ["elasticloadbalancing:AddTags"], balancersAndTargetGroups, [
      { test: "StringEquals", variable: "elasticloadbalancing:CreateAction", values: ["CreateTargetGroup", "CreateLoadBalancer"] },
      requestTagged,
    ]),
    allow("RegisterTargets", ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], [elb("targetgroup/*/*")]),
    allow(
      "ManageListeners",
      [
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:SetRulePriorities",
        "elasticloadbalancing:SetWebAcl",
      ],
      ["*"],
    ),
  ];
}
