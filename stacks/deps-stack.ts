import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { NETWORK_OUTPUTS, type NetworkOutputs } from "../contract/outputs";
import { readUpstream } from "../contract/upstream";
import { EnvironmentStack } from "./environment-stack";

/** PostgreSQL, S3, IRSA roles, generated secrets and (optionally) ElastiCache. */
export class DepsStack extends EnvironmentStack {
  readonly network: NetworkOutputs;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, "deps", config);
    this.network = readUpstream(this, config, "network", NETWORK_OUTPUTS);
  }
}
