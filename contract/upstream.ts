import { DataTfeOutputs } from "@cdktf/provider-tfe/lib/data-tfe-outputs";
import { DataTerraformRemoteStateLocal, DataTerraformRemoteStateS3, Token } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import type { DeployedStack } from "../config/naming";
import { Naming } from "../config/naming";
import { localStatePath, s3StateKey } from "./state-location";
import type { Contract, ContractValues } from "./outputs";

/*
 * Reads an upstream stack's outputs through the contract. With Terraform Cloud that is `tfe_outputs`
 * (non-sensitive outputs from `nonsensitive_values`, so they can drive for_each/count; sensitive ones from
 * `values`); with an S3 or local backend it is `terraform_remote_state` on the same state the producer writes.
 */

interface OutputReader {
  string(name: string, sensitive: boolean): string;
  list(name: string, sensitive: boolean): string[];
}

function tfeReader(scope: Construct, id: string, organization: string, workspace: string): OutputReader {
  const outputs = new DataTfeOutputs(scope, id, { organization, workspace });
  const pick = (name: string, sensitive: boolean) => (sensitive ? outputs.values : outputs.nonsensitiveValues).lookup(name);
  return {
    string: (name, sensitive) => Token.asString(pick(name, sensitive)),
    list: (name, sensitive) => Token.asList(pick(name, sensitive)),
  };
}

function remoteStateReader(state: DataTerraformRemoteStateS3 | DataTerraformRemoteStateLocal): OutputReader {
  return { string: (name) => state.getString(name), list: (name) => state.getList(name) };
}

function readerFor(scope: Construct, id: string, config: EnvironmentConfig, stack: DeployedStack): OutputReader {
  const workspace = new Naming(config.namePrefix, config.name).workspace(stack);
  const backend = config.backend;
  switch (backend.type) {
    case "cloud":
      return tfeReader(scope, id, backend.organization, workspace);
    case "s3":
      return remoteStateReader(
        new DataTerraformRemoteStateS3(scope, id, { bucket: backend.bucket, key: s3StateKey(backend.keyPrefix, workspace), region: backend.region }),
      );
    case "local":
      return remoteStateReader(new DataTerraformRemoteStateLocal(scope, id, { path: localStatePath(backend.directory, workspace) }));
  }
}

/** The typed outputs of `stack` in this environment, read the way the environment's backend allows. */
export function readUpstream<C extends Contract>(scope: Construct, config: EnvironmentConfig, stack: DeployedStack, contract: C): ContractValues<C> {
  const reader = readerFor(scope, `upstream-${stack}`, config, stack);
  const values: Record<string, string | string[]> = {};
  for (const [name, spec] of Object.entries(contract)) {
    values[name] = spec.kind === "list" ? reader.list(name, spec.sensitive) : reader.string(name, spec.sensitive);
  }
  return values as ContractValues<C>;
}
