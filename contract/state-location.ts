/*
 * Where a stack's state lives with a local backend. Terraform runs in cdktf.out/stacks/<stack>, three levels
 * below the repository root; the path stays relative so two machines synthesize the same bytes.
 */
export function localStatePath(directory: string, workspace: string): string {
  return `../../../${directory}/${workspace}.tfstate`;
}
