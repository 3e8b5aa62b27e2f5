import { ref, TerraformElement, Token } from "cdktf";
import type { Construct } from "constructs";

/*
 * cdktf 0.21 predates Terraform's ephemeral resources (Terraform 1.10+), and its prebuilt providers carry no
 * bindings for them. This element writes one `ephemeral` block into the stack's JSON and hands out references to
 * its attributes. An ephemeral value is never stored in a plan or state; Terraform accepts it only in write-only
 * arguments, provider blocks and other ephemeral resources, and rejects every other use at plan time.
 * @see https://developer.hashicorp.com/terraform/language/resources/ephemeral
 */

export class EphemeralResource extends TerraformElement {
  /**
   * @param type the provider's ephemeral resource type, e.g. aws_secretsmanager_secret_version
   * @param config its arguments, with Terraform's (snake_case) names; tokens are resolved
   */
  constructor(
    scope: Construct,
    id: string,
    readonly type: string,
    private readonly config: Readonly<Record<string, unknown>>,
  ) {
    super(scope, id, `ephemeral.${type}`);
  }

  /** A reference to one attribute, usable where Terraform accepts an ephemeral value. */
  attribute(name: string): string {
    return Token.asString(ref(`ephemeral.${this.type}.${this.friendlyUniqueId}.${name}`, this.cdktfStack));
  }

  override toTerraform(): object {
    return { ephemeral: { [this.type]: { [this.friendlyUniqueId]: { ...this.config } } } };
  }
}
