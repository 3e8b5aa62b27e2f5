import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Aspects, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * Sets a permissions boundary on every IAM role under a scope that has none, at synth time (as aws-cdk-lib's
 * PermissionsBoundary.of(scope).apply does). One place instead of a prop on every role construct: a role added
 * later gets the boundary without anyone remembering it, and the Terraform Cloud apply role refuses to create a
 * role without it (__tests__/permissions-boundary.test.ts checks every role of every stack).
 */
class PermissionsBoundaryAspect implements IAspect {
  constructor(private readonly policyArn: string) {}

  visit(node: IConstruct): void {
    if (node instanceof IamRole && node.permissionsBoundaryInput === undefined) node.permissionsBoundary = this.policyArn;
  }
}

/** Bounds every IAM role created under `scope` by the managed policy `policyArn`. */
export function applyPermissionsBoundary(scope: IConstruct, policyArn: string): void {
  Aspects.of(scope).add(new PermissionsBoundaryAspect(policyArn));
}
