import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { EnvironmentStack } from "./environment-stack";

/** VPC and EKS: everything deps and app run on. */
export class NetworkStack extends EnvironmentStack {
  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, "network", config);
  }
}
