import { TerraformStack } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { PROFILES } from "../config/profiles";
import { LangfuseWaf, MANAGED_RULE_GROUPS } from "../constructs/langfuse/waf";
import { RUN_ROLE_SERVICES } from "../constructs/terraform-cloud/dynamic-credentials";
import { createApp } from "../stacks/app-factory";
import { estimate } from "../scripts/cost/estimate";
import { loadPrices } from "../scripts/cost/prices";
import { readSynthesizedEnvironment } from "../scripts/cost/synthesized";
import { configErrorOf } from "./support/errors";
import { cleanupSynth, environment, onlyResource, resources, synthesize, TODAY, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

const withWaf = environment("prod", { ingress: { waf: { enabled: true, rateLimitPer5Minutes: 1500 } } });
const externalIngress = (app: TfJson) => Object.values(resources(app, "kubernetes_ingress_v1")).find((i) => i.metadata.name === "langfuse-external")!;

describe("the optional WAF on the public ALB", () => {
  it("is off in both profiles: ~$9/month plus requests would take prod past its cost goal", () => {
    expect(PROFILES.dev.ingress.waf.enabled).toBe(false);
    expect(PROFILES.prod.ingress.waf.enabled).toBe(false);
    const { app } = synthesize(environment("prod"));
    expect(resources(app, "aws_wafv2_web_acl")).toEqual({});
    expect(externalIngress(app).metadata.annotations).not.toHaveProperty(["alb.ingress.kubernetes.io/wafv2-acl-arn"]);
  });

  it("when on, attaches a regional web ACL to the internet-facing ALB only", () => {
    const { app } = synthesize(withWaf);
    const [logical, acl] = Object.entries(resources(app, "aws_wafv2_web_acl"))[0];
    expect(acl).toMatchObject({ scope: "REGIONAL", default_action: { allow: {} } });
    expect(externalIngress(app).metadata.annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"]).toBe(`\${aws_wafv2_web_acl.${logical}.arn}`);
    const internal = Object.values(resources(app, "kubernetes_ingress_v1")).find((i) => i.metadata.name === "langfuse-internal")!;
    expect(internal.metadata.annotations).not.toHaveProperty(["alb.ingress.kubernetes.io/wafv2-acl-arn"]);
  });

  it("runs the AWS managed groups, counts (not blocks) large bodies, and blocks an address past the rate limit", () => {
    const rules = JSON.parse(onlyResource(synthesize(withWaf).app, "aws_wafv2_web_acl").rule_json);
    const managed = rules.filter((rule: TfJson) => rule.Statement.ManagedRuleGroupStatement);
    expect(managed.map((rule: TfJson) => rule.Statement.ManagedRuleGroupStatement.Name)).toEqual(MANAGED_RULE_GROUPS.map((group) => group.name));
    for (const rule of managed) expect(rule.OverrideAction).toEqual({ None: {} });
    const common = managed.find((rule: TfJson) => rule.Name === "AWSManagedRulesCommonRuleSet");
    // Langfuse's ingestion batches exceed the Common rule set's 8 KB body limit.
    expect(common.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([{ Name: "SizeRestrictions_BODY", ActionToUse: { Count: {} } }]);
    const rate = rules.find((rule: TfJson) => rule.Statement.RateBasedStatement);
    expect(rate).toMatchObject({ Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 1500, AggregateKeyType: "IP" } } });
    expect(new Set(rules.map((rule: TfJson) => rule.Priority)).size).toBe(rules.length);
  });

  it("is priced by npm run cost: the ACL, one charge per rule, and the assumed requests", () => {
    const prices = loadPrices();
    const without = estimate(readSynthesizedEnvironment(synthesize(environment("prod")).outdir), { environment: "prod", prices, today: TODAY });
    const withAcl = estimate(readSynthesizedEnvironment(synthesize(withWaf).outdir), { environment: "prod", prices, today: TODAY });
    expect(withAcl.unpriced).toEqual([]);
    const line = withAcl.lines.find((l) => l.item.startsWith("WAF web ACL"))!;
    const rules = MANAGED_RULE_GROUPS.length + 1;
    expect(line.monthlyUsd).toBeCloseTo(prices.waf.webAclPerMonth + rules * prices.waf.rulePerMonth + 5 * prices.waf.perMillionRequests, 6);
    expect(withAcl.totalUsd - without.totalUsd).toBeCloseTo(line.monthlyUsd, 6);
    // The decision in numbers: with the WAF, prod no longer meets its goal.
    expect(withAcl.totalUsd).toBeGreaterThan(withAcl.goal!.usdPerMonth);
  });

  it("can be created by the app workspace's run role", () => {
    expect(RUN_ROLE_SERVICES).toContain("wafv2");
  });

  it("rejects a WAF without the ingress it attaches to, and a rate limit WAF does not accept", () => {
    const error = configErrorOf(() => environment("dev", { ingress: { waf: { enabled: true } } }));
    expect(error.key).toBe("environments.dev.ingress.waf.enabled");
    expect(configErrorOf(() => environment("prod", { ingress: { waf: { rateLimitPer5Minutes: 5 } } })).key).toBe("environments.prod.ingress.waf.rateLimitPer5Minutes");
    const stack = new TerraformStack(createApp(), "waf");
    expect(() => new LangfuseWaf(stack, "waf", { name: "w", rateLimitPer5Minutes: 9 })).toThrow(/'rateLimitPer5Minutes' \(9\) must be a whole number >= 10/);
  });
});
