import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EnvironmentConfig } from "../config/schema";

/*
 * The synth output folder (cdktf.out) is what `cdktf deploy` applies. A failed synth must not leave an older,
 * complete-looking output there, and switching environments must not leave the other environment's stacks or
 * Lambda assets behind: the synthesized files are removed before each synth, and again when it fails.
 */

/** Kept in each stack folder: `terraform init`'s provider cache and lock file (no state lives there). */
const KEPT = new Set([".terraform", ".terraform.lock.hcl"]);

/**
 * Removes what a synth writes into `outdir` (manifest.json, each stack's cdk.tf.json, assets and metadata),
 * keeping only Terraform's init cache. Nothing outside `<outdir>/manifest.json` and `<outdir>/stacks` is touched.
 */
export function clearSynthOutput(outdir: string): void {
  rmSync(join(outdir, "manifest.json"), { force: true });
  const stacks = join(outdir, "stacks");
  if (!existsSync(stacks)) return;
  for (const stack of readdirSync(stacks)) {
    const folder = join(stacks, stack);
    for (const entry of readdirSync(folder)) if (!KEPT.has(entry)) rmSync(join(folder, entry), { recursive: true, force: true });
    if (readdirSync(folder).length === 0) rmSync(folder, { recursive: true, force: true });
  }
}

/** The one line a successful synth prints: environment, region, stacks, where, and how many warnings. */
export function synthSummary(config: EnvironmentConfig, stackNames: readonly string[], outdir: string, warningCount: number): string {
  const warnings = warningCount === 0 ? "no warnings" : `${warningCount} warning${warningCount === 1 ? "" : "s"} above`;
  return `synthesized ${config.name} (${config.region}, ${config.profile} profile): ${stackNames.join(", ")} → ${join(outdir, "stacks")}; ${warnings}`;
}
