#!/usr/bin/env bash
# Offline `terraform validate` of a synthesized stack that uses only the aws provider (the network stack).
#
# Needs terraform on PATH and a filesystem mirror holding hashicorp/aws (default /opt/tf-plugins, which holds
# 5.100.0). The project targets aws 6.x: arguments new in 6.x are reported as unsupported by the older provider.
# The stack's backend block is removed (no Terraform Cloud access needed) and the provider pinned to the mirror's.
#
# Usage: scripts/validate-aws.sh [path/to/cdk.tf.json]   (default: cdktf.out/stacks/network/cdk.tf.json;
#        run `npx cdktf synth` first). Environment: TF_PLUGIN_MIRROR, AWS_PROVIDER_VERSION.
set -euo pipefail

stack_json="${1:-cdktf.out/stacks/network/cdk.tf.json}"
mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
aws_version="${AWS_PROVIDER_VERSION:-5.100.0}"

[[ -f "$stack_json" ]] || { echo "no synthesized stack at $stack_json; run 'npx cdktf synth' first" >&2; exit 2; }
[[ -d "$mirror/registry.terraform.io/hashicorp/aws" ]] || { echo "no hashicorp/aws provider in mirror $mirror" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

node -e '
  const [source, target, version] = process.argv.slice(1);
  const stack = JSON.parse(require("fs").readFileSync(source, "utf8"));
  const providers = Object.keys(stack.terraform.required_providers ?? {});
  if (providers.some((name) => name !== "aws")) {
    console.error(`only the aws provider is mirrored; this stack also needs: ${providers.filter((n) => n !== "aws").join(", ")}`);
    process.exit(2);
  }
  delete stack.terraform.cloud;
  delete stack.terraform.backend;
  stack.terraform.required_providers.aws = { source: "hashicorp/aws", version };
  require("fs").writeFileSync(target, JSON.stringify(stack, null, 2));
' "$stack_json" "$work/main.tf.json" "$aws_version"

cat > "$work/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF

export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
terraform -chdir="$work" init -backend=false -input=false -no-color >/dev/null
terraform -chdir="$work" validate -no-color
