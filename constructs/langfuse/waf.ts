import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Construct } from "constructs";

/*
 * An AWS WAF web ACL for the internet-facing ALB: three AWS managed rule groups and a per-address rate limit. The
 * rules are written as the API's JSON (`rule_json`): the provider's nested `statement` blocks have no typed binding
 * in cdktf 0.21, and the JSON is what the WAF console and `aws wafv2 get-web-acl` show, so it reads the same.
 */

/**
 * The AWS managed rule groups, in evaluation order. In the Common rule set, the 8 KB body limit is only counted:
 * Langfuse's ingestion API takes batches far larger than that, and blocking them would drop traces.
 * @see https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html
 */
export const MANAGED_RULE_GROUPS = [
  { name: "AWSManagedRulesAmazonIpReputationList", countOnly: [] },
  { name: "AWSManagedRulesCommonRuleSet", countOnly: ["SizeRestrictions_BODY"] },
  { name: "AWSManagedRulesKnownBadInputsRuleSet", countOnly: [] },
] as const;

/** The lowest rate limit WAF accepts, requests per evaluation window. */
const MIN_RATE_LIMIT = 10;

export interface LangfuseWafProps {
  /** Name of the web ACL and prefix of its metric names. */
  readonly name: string;
  /** Requests one client address may send in 5 minutes before further requests are blocked. */
  readonly rateLimitPer5Minutes: number;
}

const visibility = (metricName: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metricName });

/** The rules of the web ACL as the WAF API's JSON: the managed groups, then the rate limit. */
export function wafRules(name: string, rateLimitPer5Minutes: number): object[] {
  const managed = MANAGED_RULE_GROUPS.map((group, index) => ({
    Name: group.name,
    Priority: index,
    OverrideAction: { None: {} },
    Statement: {
      ManagedRuleGroupStatement: {
        VendorName: "AWS",
        Name: group.name,
        ...(group.countOnly.length ? { RuleActionOverrides: group.countOnly.map((rule) => ({ Name: rule, ActionToUse: { Count: {} } })) } : {}),
      },
    },
    VisibilityConfig: visibility(`${name}-${group.name}`),
  }));
  const rateLimit = {
    Name: "rate-limit-per-address",
    Priority: managed.length,
    Action: { Block: {} },
    Statement: { RateBasedStatement: { Limit: rateLimitPer5Minutes, AggregateKeyType: "IP", EvaluationWindowSec: 300 } },
    VisibilityConfig: visibility(`${name}-rate-limit`),
  };
  return [...managed, rateLimit];
}

/** A regional web ACL, attached to the ALB by the Ingress annotation `alb.ingress.kubernetes.io/wafv2-acl-arn`. */
export class LangfuseWaf extends Construct {
  readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: LangfuseWafProps) {
    super(scope, id);
    if (!Number.isInteger(props.rateLimitPer5Minutes) || props.rateLimitPer5Minutes < MIN_RATE_LIMIT) {
      throw new Error(`'rateLimitPer5Minutes' (${props.rateLimitPer5Minutes}) must be a whole number >= ${MIN_RATE_LIMIT}, the lowest limit WAF accepts`);
    }
    this.webAcl = new Wafv2WebAcl(this, "web-acl", {
      name: props.name,
      description: "Langfuse public ALB: AWS managed rule groups and a per-address rate limit",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      ruleJson: JSON.stringify(wafRules(props.name, props.rateLimitPer5Minutes)),
      visibilityConfig: { sampledRequestsEnabled: true, cloudwatchMetricsEnabled: true, metricName: props.name },
    });
  }
}
