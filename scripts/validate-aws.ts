import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SYNTH_ROOT } from "../contract/synth-layout";
import { bindingsLookup, isNewInAws6, locate, type LocatedDiagnostic, type TerraformDiagnostic } from "./validate-aws/diagnostics";
import { stripToAws } from "./validate-aws/strip";

/*
 * `npm run validate:aws [-- [--env] <environment> …]`: offline `terraform validate` of the AWS part of every
 * synthesized stack (synth/<environment>/stacks/<stack>, written by `npm run synth:all`) of the given environments
 * (else LANGFUSE_ENV's, else all). Each stack is stripped to its aws resources (scripts/validate-aws/strip.ts) and validated against the
 * hashicorp/aws of a filesystem mirror, so neither Terraform Cloud nor the Terraform registry is needed.
 *
 * Environment: TF_PLUGIN_MIRROR (default /opt/tf-plugins), AWS_PROVIDER_VERSION (default 5.100.0, the mirror's).
 * With TF_PLUGIN_MIRROR=registry the provider comes from the Terraform registry instead, by default in the
 * version the stacks pin (the CI workflow does this). Against a 5.x provider, an argument it does not know but
 * the project's aws 6.x bindings write is listed as new in 6.x, not counted as an error.
 * Exit code 1 on any other error, 2 when terraform, the mirror or the synthesized stacks are missing.
 */

const mirror = process.env.TF_PLUGIN_MIRROR ?? "/opt/tf-plugins";
const awsVersion = process.env.AWS_PROVIDER_VERSION ?? (mirror === "registry" ? undefined : "5.100.0");
const olderThanSix = awsVersion !== undefined && Number(awsVersion.split(".")[0]) < 6;
const versionLabel = awsVersion ?? "as pinned";
const knownToAws6 = bindingsLookup(join(__dirname, "../node_modules/@cdktf/provider-aws"));

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function cliConfig(): string {
  if (mirror === "registry") return "";
  return `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`;
}

function terraform(directory: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync("terraform", [`-chdir=${directory}`, ...args], { encoding: "utf8", env });
}

interface StackResult {
  readonly name: string;
  readonly errors: LocatedDiagnostic[];
  readonly expected: LocatedDiagnostic[];
  readonly warnings: LocatedDiagnostic[];
}

function validateStack(stackDirectory: string, name: string, work: string, env: NodeJS.ProcessEnv): StackResult {
  const directory = join(work, name.replace(/\//g, "-"));
  // The whole folder: assets (the Lambda zip) are read by path from the configuration.
  cpSync(stackDirectory, directory, { recursive: true });
  rmSync(join(directory, "cdk.tf.json"));
  const { config, removed, placeholders } = stripToAws(JSON.parse(readFileSync(join(stackDirectory, "cdk.tf.json"), "utf8")), awsVersion);
  const text = JSON.stringify(config, null, 2);
  writeFileSync(join(directory, "main.tf.json"), text);
  if (removed.length > 0) console.log(`${name}: left out ${removed.length} non-aws blocks; ${placeholders.length} placeholder variables stand in for their references`);

  const init = terraform(directory, env, "init", "-backend=false", "-input=false", "-no-color");
  if (init.status !== 0) fail(`${name}: terraform init failed (is hashicorp/aws ${versionLabel} in ${mirror}?)\n${init.stderr}${init.stdout}`);
  const validate = terraform(directory, env, "validate", "-json", "-no-color");
  const diagnostics = (JSON.parse(validate.stdout).diagnostics as TerraformDiagnostic[]).map((each) => locate(each, text));
  const errors = diagnostics.filter((each) => each.severity === "error");
  const expected = olderThanSix ? errors.filter((each) => isNewInAws6(each, knownToAws6)) : [];
  return {
    name,
    errors: errors.filter((each) => !expected.includes(each)),
    expected,
    warnings: diagnostics.filter((each) => each.severity === "warning"),
  };
}

function describe(diagnostic: LocatedDiagnostic): string {
  const detail = diagnostic.detail ? `: ${diagnostic.detail.split("\n")[0]}` : "";
  // Allowed-value lists run to dozens of entries; the rejected value is what matters.
  const summary = diagnostic.summary.replace(/one of \[[^\]]*\]/, "one of […]");
  return `  ${diagnostic.path || "(configuration)"} — ${summary}${detail}`;
}

function stacksOf(environment: string): string[] {
  const root = join(SYNTH_ROOT, environment, "stacks");
  if (!existsSync(root)) fail(`no synthesized stacks in ${root}: run 'npm run synth:all' first`);
  return readdirSync(root).filter((stack) => existsSync(join(root, stack, "cdk.tf.json")));
}

/**
 * As every script: --env (repeatable; bare names work too), else LANGFUSE_ENV; then, unlike the others, every
 * synthesized environment rather than dev, because this checks the committed output of all of them (as CI does).
 */
function requestedEnvironments(): string[] {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { env: { type: "string", multiple: true } } });
  const named = [...(values.env ?? []), ...positionals];
  if (named.length > 0) return named;
  const selected = process.env.LANGFUSE_ENV?.trim();
  if (selected) return [selected];
  return existsSync(SYNTH_ROOT) ? readdirSync(SYNTH_ROOT) : [];
}

function main(): void {
  if (spawnSync("terraform", ["version"], { encoding: "utf8" }).error) fail("terraform is not on PATH");
  if (mirror !== "registry" && !existsSync(join(mirror, "registry.terraform.io/hashicorp/aws"))) fail(`no hashicorp/aws provider in the mirror ${mirror}`);
  const environments = requestedEnvironments();
  if (environments.length === 0) fail(`nothing synthesized in ${SYNTH_ROOT}/: run 'npm run synth:all' first`);

  const work = mkdtempSync(join(tmpdir(), "validate-aws-"));
  const cliConfigFile = join(work, "cli.tfrc");
  writeFileSync(cliConfigFile, cliConfig());
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfigFile, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  const results: StackResult[] = [];
  try {
    for (const environment of environments) {
      for (const stack of stacksOf(environment)) results.push(validateStack(join(SYNTH_ROOT, environment, "stacks", stack), `${environment}/${stack}`, work, env));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  for (const result of results) {
    const status = result.errors.length > 0 ? "FAIL" : "ok";
    console.log(`${status.padEnd(4)} ${result.name} (aws ${versionLabel})`);
    result.errors.forEach((each) => console.log(describe(each)));
    if (result.expected.length > 0) {
      console.log(`     ${result.expected.length} argument(s) or value(s) new in aws 6.x, expected to be rejected by ${versionLabel}:`);
      result.expected.forEach((each) => console.log(describe(each)));
    }
    result.warnings.forEach((each) => console.log(`  warning:${describe(each).slice(1)}`));
  }
  const failed = results.filter((result) => result.errors.length > 0);
  if (failed.length > 0) {
    console.error(`${failed.length} of ${results.length} stacks have errors`);
    process.exit(1);
  }
  console.log(`all ${results.length} stacks valid against hashicorp/aws ${versionLabel}`);
}

main();
