import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Contract, ContractValues } from "./outputs";

/** Writes every output of `contract` on the producing stack; the type forces a value for each declared key. */
export function publishOutputs<C extends Contract>(scope: Construct, contract: C, values: ContractValues<C>): void {
  for (const [name, spec] of Object.entries(contract)) {
    new TerraformOutput(scope, name, {
      value: values[name as keyof C],
      description: spec.description,
      sensitive: spec.sensitive,
    });
  }
}
