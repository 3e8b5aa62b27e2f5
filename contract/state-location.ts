/*
 * Where a stack's state lives with an S3 or local backend: the producing stack writes it there and downstream
 * stacks read it from there (contract/upstream.ts), so both take the location from here.
 */

/**
 * The state file of a local backend. Terraform runs in cdktf.out/stacks/<stack>, three levels below the
 * repository root; the path stays relative so two machines synthesize the same bytes.
 */
export function localStatePath(directory: string, workspace: string): string {
  return `../../../${directory}/${workspace}.tfstate`;
}

/** The key of a stack's state object in the S3 backend's bucket. */
export function s3StateKey(keyPrefix: string, workspace: string): string {
  return `${keyPrefix}/${workspace}.tfstate`;
}
