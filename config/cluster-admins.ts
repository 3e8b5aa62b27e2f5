import { ConfigError } from "./errors";
import type { EnvironmentConfig } from "./schema";

/**
 * The administrators of an environment's cluster, checked. The cluster runs in API authentication mode and its creator
 * gets no access, so a person reaches it only through an access entry from `cluster.adminPrincipalArns`; EKS takes the
 * IAM role or user, never the session an assumed role yields. Called by the network stack (the one that creates the
 * entries), so every synth refuses an environment nobody could administer.
 */
export function requireClusterAdmins(config: EnvironmentConfig): readonly string[] {
  const key = (path: string) => `environments.${config.name}.cluster.${path}`;
  const arns = config.cluster.adminPrincipalArns;
  if (arns.length === 0) {
    throw new ConfigError(
      key("adminPrincipalArns"),
      [],
      "no person could reach the cluster (its creator gets no access); list at least one IAM role or user of an administrator, e.g. arn:aws:iam::<account>:role/<your admin role>",
    );
  }
  arns.forEach((arn, i) => {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/./.test(arn)) {
      throw new ConfigError(
        key(`adminPrincipalArns.${i}`),
        arn,
        "must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); for the session `aws sts get-caller-identity` shows (arn:aws:sts::<account>:assumed-role/<role>/<session>), give the role: arn:aws:iam::<account>:role/<role>",
      );
    }
  });
  return arns;
}
