import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { DataAwsLb } from "@cdktf/provider-aws/lib/data-aws-lb";
import { DataAwsLbHostedZoneId } from "@cdktf/provider-aws/lib/data-aws-lb-hosted-zone-id";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { terraformDuration, WAIT_BOUNDS_SECONDS } from "../../contract/apply-budget";

/** Path the ALB health-checks the web pods on (answers without touching the databases). */
export const HEALTH_CHECK_PATH = "/api/public/health";

/** TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only. */
export const SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** ALB names are at most 32 characters (AWS limit). */
export const MAX_LOAD_BALANCER_NAME_LENGTH = 32;

export interface LangfuseIngressProps {
  /** Namespace of the web Service. */
  readonly namespace: string;
  /** Host name Langfuse is served on (langfuse.example.com). */
  readonly domain: string;
  /** The web Service and its port. */
  readonly service: { readonly name: string; readonly port: number };
  /** Name of the internet-facing ALB (at most 32 characters); the autoscaler reads its metrics by it. */
  readonly externalLoadBalancerName: string;
  /** Public subnets the internet-facing ALB lives in. */
  readonly publicSubnetIds: string[];
  /** CIDRs allowed to reach the internet-facing ALB. */
  readonly inboundCidrs: readonly string[];
  /**
   * ACM certificate of the domain.
   * @default - a certificate is created and DNS-validated in `hostedZoneId`
   */
  readonly certificateArn?: string;
  /**
   * Route53 zone of the domain: the alias record (and the certificate validation records) go there.
   * @default - no DNS record; point the domain at the ALB yourself
   */
  readonly hostedZoneId?: string;
  /**
   * An internal ALB (HTTP) for clients inside the VPC, with this name and in these subnets.
   * @default - none
   */
  readonly internal?: { readonly loadBalancerName: string; readonly subnetIds: string[] };
  /** What must exist first: the load balancer controller's webhook (the web Service may follow: the controller watches Services). */
  readonly dependsOn: ITerraformDependable[];
  /**
   * ARN of a WAF web ACL the controller attaches to the internet-facing ALB.
   * @default - no WAF
   */
  readonly webAclArn?: string;
}

/**
 * How Langfuse is reached in an environment with a domain: an internet-facing ALB (HTTPS with the environment's
 * certificate, HTTP redirected to HTTPS, source CIDRs restricted) and optionally an internal HTTP ALB, both made
 * by the AWS Load Balancer Controller from Ingress objects. The DNS record is an alias to the hostname the
 * Ingress reports once the ALB exists (`wait_for_load_balancer`), never a lookup of the ALB by tag, which fails
 * when it runs before the controller has created it.
 */
export class LangfuseIngress extends Construct {
  readonly external: IngressV1;
  readonly internal?: IngressV1;
  /** The certificate the HTTPS listener serves (validated, when created here). */
  readonly certificateArn: string;
  /** Host name of the internet-facing ALB, from the Ingress status. */
  readonly externalHostname: string;
  /** app/<name>/<id> of the internet-facing ALB: the LoadBalancer dimension of its CloudWatch metrics. */
  readonly externalLoadBalancerArnSuffix: string;
  readonly dnsRecord?: Route53Record;

  constructor(scope: Construct, id: string, props: LangfuseIngressProps) {
    super(scope, id);
    if (!props.certificateArn && !props.hostedZoneId) {
      throw new Error(`LangfuseIngress '${id}': HTTPS for '${props.domain}' needs a certificateArn, or a hostedZoneId to create and validate one`);
    }
    for (const name of [props.externalLoadBalancerName, props.internal?.loadBalancerName].filter((n): n is string => n !== undefined)) {
      if (name.length > MAX_LOAD_BALANCER_NAME_LENGTH) {
        throw new Error(`LangfuseIngress '${id}': load balancer name '${name}' (${name.length}) must be at most ${MAX_LOAD_BALANCER_NAME_LENGTH} characters; shorten namePrefix or the environment name`);
      }
    }
    this.certificateArn = props.certificateArn ?? this.createCertificate(props.domain, props.hostedZoneId!);

    this.external = this.ingress("external", props, {
      "alb.ingress.kubernetes.io/load-balancer-name": props.externalLoadBalancerName,
      "alb.ingress.kubernetes.io/group.name": props.externalLoadBalancerName,
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/subnets": Fn.join(",", props.publicSubnetIds),
      "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      "alb.ingress.kubernetes.io/certificate-arn": this.certificateArn,
      "alb.ingress.kubernetes.io/ssl-policy": SSL_POLICY,
      "alb.ingress.kubernetes.io/inbound-cidrs": props.inboundCidrs.join(","),
      ...(props.webAclArn ? { "alb.ingress.kubernetes.io/wafv2-acl-arn": props.webAclArn } : {}),
    }, props.domain);
    this.externalHostname = this.external.status.get(0).loadBalancer.get(0).ingress.get(0).hostname;
    // Read by name only after the Ingress reports the ALB, so it always exists by then.
    const alb = new DataAwsLb(this, "external-alb", { name: props.externalLoadBalancerName, dependsOn: [this.external] });
    this.externalLoadBalancerArnSuffix = alb.arnSuffix;

    if (props.internal) {
      this.internal = this.ingress("internal", props, {
        "alb.ingress.kubernetes.io/load-balancer-name": props.internal.loadBalancerName,
        "alb.ingress.kubernetes.io/group.name": props.internal.loadBalancerName,
        "alb.ingress.kubernetes.io/scheme": "internal",
        "alb.ingress.kubernetes.io/subnets": Fn.join(",", props.internal.subnetIds),
        // HTTPS only: Langfuse API keys travel in every request's Authorization header, so the in-VPC hop is
        // encrypted too. Clients reach it by the Langfuse domain (a private DNS record), which the certificate names.
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/certificate-arn": this.certificateArn,
        "alb.ingress.kubernetes.io/ssl-policy": SSL_POLICY,
      });
    }

    if (props.hostedZoneId) {
      const albZone = new DataAwsLbHostedZoneId(this, "alb-zone", { loadBalancerType: "application" });
      this.dnsRecord = new Route53Record(this, "dns", {
        zoneId: props.hostedZoneId,
        name: props.domain,
        type: "A",
        alias: { name: this.externalHostname, zoneId: albZone.id, evaluateTargetHealth: true },
        timeouts: { create: terraformDuration(WAIT_BOUNDS_SECONDS.dnsRecord), update: terraformDuration(WAIT_BOUNDS_SECONDS.dnsRecord) },
      });
    }
  }

  private createCertificate(domain: string, hostedZoneId: string): string {
    const certificate = new AcmCertificate(this, "certificate", {
      domainName: domain,
      validationMethod: "DNS",
      lifecycle: { createBeforeDestroy: true },
    });
    // One domain, one validation record.
    const option = certificate.domainValidationOptions.get(0);
    const record = new Route53Record(this, "certificate-validation-record", {
      zoneId: hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 60,
      allowOverwrite: true,
      timeouts: { create: terraformDuration(WAIT_BOUNDS_SECONDS.dnsRecord), update: terraformDuration(WAIT_BOUNDS_SECONDS.dnsRecord) },
    });
    const validation = new AcmCertificateValidation(this, "certificate-validation", {
      certificateArn: certificate.arn,
      validationRecordFqdns: [record.fqdn],
      // Validation that takes longer fails this step; the certificate keeps validating and the next apply waits again.
      timeouts: { create: terraformDuration(WAIT_BOUNDS_SECONDS.certificateValidation) },
    });
    return validation.certificateArn;
  }

  private ingress(name: string, props: LangfuseIngressProps, annotations: Record<string, string>, host?: string): IngressV1 {
    return new IngressV1(this, name, {
      metadata: {
        name: `langfuse-${name}`,
        namespace: props.namespace,
        annotations: {
          // Traffic goes straight to pod IPs, so the ALB sees pod readiness and no NodePort hop is added.
          "alb.ingress.kubernetes.io/target-type": "ip",
          "alb.ingress.kubernetes.io/healthcheck-path": HEALTH_CHECK_PATH,
          "alb.ingress.kubernetes.io/success-codes": "200",
          ...annotations,
        },
      },
      spec: {
        ingressClassName: "alb",
        rule: [
          {
            host,
            http: {
              path: [{ path: "/", pathType: "Prefix", backend: { service: { name: props.service.name, port: { number: props.service.port } } } }],
            },
          },
        ],
      },
      waitForLoadBalancer: true,
      timeouts: { create: terraformDuration(WAIT_BOUNDS_SECONDS.loadBalancer) },
      dependsOn: props.dependsOn,
    });
  }
}
