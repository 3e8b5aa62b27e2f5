import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { DEPS_OUTPUTS, NETWORK_OUTPUTS, type DepsOutputs, type NetworkOutputs } from "../contract/outputs";
import { readUpstream } from "../contract/upstream";
import { EnvironmentStack } from "./environment-stack";

/** Langfuse on the cluster: the Helm release, the Kubernetes pieces around it and the ClickHouse lifecycle. */
export class AppStack extends EnvironmentStack {
  readonly network: NetworkOutputs;
  readonly deps: DepsOutputs;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, "app", config);
    this.network = readUpstream(this, config, "network", NETWORK_OUTPUTS);
    this.deps = readUpstream(this, config, "deps", DEPS_OUTPUTS);
  }
}
