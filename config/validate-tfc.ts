import { ConfigError } from "./errors";
import type { EnvironmentConfig } from "./schema";

/*
 * Checks of the Terraform Cloud and AWS account settings of one environment (the cross-environment prefix rule
 * lives in prefixes.ts). Kept apart from validate.ts so the bootstrap's rules read in one place.
 */

/** A team token that outlives a year is a credential nobody remembers to rotate. */
const MAX_TOKEN_DAYS = 366;

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Paid editions read outputs with a team token: it must expire, within a year, and not already have expired. */
export function checkOutputsToken(config: EnvironmentConfig, key: (path: string) => string, today: string): void {
  if (config.backend.type !== "cloud" || config.backend.edition === "free") return;
  const expiresOn = config.workspaces.outputsTokenExpiresOn;
  const fix = `a ${config.backend.edition} edition reads upstream outputs with a team token that must expire: set a date after ${today} and at most ${MAX_TOKEN_DAYS} days ahead (or set backend.edition: free to use remote state sharing)`;
  const parsed = expiresOn === null ? Number.NaN : Date.parse(`${expiresOn}T00:00:00Z`);
  // Date.parse rolls 2027-02-30 over to March: a real date prints back as itself.
  if (expiresOn === null || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== expiresOn) throw new ConfigError(key("workspaces.outputsTokenExpiresOn"), expiresOn, fix);
  const days = daysBetween(today, expiresOn);
  if (days <= 0 || days > MAX_TOKEN_DAYS) throw new ConfigError(key("workspaces.outputsTokenExpiresOn"), expiresOn, fix);
}

/** The bootstrap role must live in the environment's account, and naming one needs the account. */
export function checkAccount({ account }: EnvironmentConfig, key: (path: string) => string): void {
  if (account.bootstrapRoleArn === null) return;
  if (account.id === null) {
    throw new ConfigError(key("account.bootstrapRoleArn"), account.bootstrapRoleArn, "a bootstrap role belongs to an environment's own account: set account.id as well");
  }
  const roleAccount = /^arn:aws[a-z-]*:iam::(\d{12}):role\/.+$/.exec(account.bootstrapRoleArn)?.[1];
  if (roleAccount !== account.id) {
    throw new ConfigError(key("account.bootstrapRoleArn"), account.bootstrapRoleArn, `must be an IAM role ARN in account.id ${account.id} (arn:aws:iam::${account.id}:role/<name>)`);
  }
}
