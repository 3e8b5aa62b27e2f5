import { ConfigError } from "./errors";
import { Naming } from "./naming";
import type { EnvironmentConfig } from "./schema";

/*
 * The run roles of an environment may write IAM roles and policies whose names start with its prefix
 * <namePrefix>-<environment>-. When one environment's prefix starts another's (langfuse-dev- and
 * langfuse-dev-eu-), dev's runs could rewrite dev-eu's roles. IAM names cannot carry a delimiter that makes the
 * prefixes disjoint without renaming (and so replacing) every existing role, so overlapping pairs are refused.
 * Environments in different AWS accounts never share IAM and may overlap.
 */

function sameAccount(a: EnvironmentConfig, b: EnvironmentConfig): boolean {
  return a.account.id === null || b.account.id === null || a.account.id === b.account.id;
}

/** Throws a ConfigError naming both environments when one's IAM prefix is a prefix of the other's. */
export function requireDisjointIamPrefixes(environments: readonly EnvironmentConfig[]): void {
  for (const a of environments) {
    for (const b of environments) {
      if (a === b || !sameAccount(a, b)) continue;
      const prefixA = new Naming(a.namePrefix, a.name).iamPrefix;
      const prefixB = new Naming(b.namePrefix, b.name).iamPrefix;
      if (prefixB.startsWith(prefixA)) {
        throw new ConfigError(
          `environments.${b.name}`,
          b.name,
          `its IAM names (${prefixB}*) fall under those of environment ${a.name} (${prefixA}*), so ${a.name}'s Terraform Cloud runs could change ${b.name}'s roles; rename one environment (e.g. ${b.name.replace(/-/g, "")}) or give them different account.id values`,
        );
      }
    }
  }
}
