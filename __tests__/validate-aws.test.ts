import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bindingsLookup, isNewInAws6, locate, pathAtLine } from "../scripts/validate-aws/diagnostics";
import { stripToAws as strip } from "../scripts/validate-aws/strip";
import { cleanupSynth, environment, synthesize, type TfJson } from "./support/synth";

/** The stripped stack, its configuration read as synthesized JSON. */
function stripToAws(stack: TfJson, awsVersion?: string) {
  const stripped = strip(stack, awsVersion);
  return { ...stripped, config: stripped.config as TfJson };
}

/** Every `TYPE.NAME` reference of a non-aws block left in an expression or a depends_on list. */
function nonAwsReferences(config: TfJson): string[] {
  const text = JSON.stringify(config);
  return [...text.matchAll(/(?<![\w.-])(?:data\.)?((?:tfe|helm|kubernetes|random|archive)_\w+)\.[\w-]+/g)].map((match) => match[0]);
}

describe("validate:aws stripping (scripts/validate-aws/strip.ts)", () => {
  afterAll(cleanupSynth);
  const stacks = { dev: synthesize(environment("dev")), prod: synthesize(environment("prod")) };

  for (const env of ["dev", "prod"] as const) {
    for (const name of ["network", "deps", "app", "workspaces"] as const) {
      it(`leaves only aws blocks, no backend and the mirror's aws version in ${env}/${name}`, () => {
        const { config, removed } = stripToAws(stacks[env][name], "5.100.0");
        expect(config.terraform.cloud).toBeUndefined();
        expect(config.terraform.backend).toBeUndefined();
        expect(config.terraform.required_providers).toEqual({ aws: { source: "hashicorp/aws", version: "5.100.0" } });
        expect(Object.keys(config.provider ?? {})).toEqual(["aws"]);
        const types = [...Object.keys(config.resource ?? {}), ...Object.keys(config.data ?? {})];
        expect(types.filter((type) => !type.startsWith("aws_"))).toEqual([]);
        expect(nonAwsReferences(config)).toEqual([]);
        // Every aws block of the stack survives: references are redirected, not cut away with their holder.
        for (const section of ["resource", "data"] as const) {
          for (const [type, blocks] of Object.entries(stacks[env][name][section] ?? {})) {
            if (type.startsWith("aws_")) expect(Object.keys(config[section][type]), `${section}.${type}`).toEqual(Object.keys(blocks as object));
          }
        }
        if (name === "network") expect(removed).toEqual([]);
      });
    }
  }

  it("drops output preconditions (the workspaces stack's state-file guard reads the folder it runs in) and keeps the outputs", () => {
    const original = stacks.prod.workspaces.output["state-file"];
    expect(original.precondition, "the guard exists in the synthesized stack").toBeDefined();
    const { config } = stripToAws(stacks.prod.workspaces, "5.100.0");
    expect(config.output["state-file"].value).toBe(original.value);
    expect(config.output["state-file"].precondition).toBeUndefined();
  });

  it("replaces tfe_outputs reads of the deps stack by a declared placeholder variable", () => {
    const { config, placeholders, removed } = stripToAws(stacks.prod.deps, "5.100.0");
    expect(removed.some((address) => address.startsWith("data.tfe_outputs."))).toBe(true);
    expect(placeholders.some((name) => name.startsWith("stub_data_tfe_outputs_"))).toBe(true);
    for (const name of placeholders) expect(config.variable[name], name).toBeDefined();
    expect(JSON.stringify(config)).toContain("${var.stub_data_tfe_outputs_");
  });

  it("points the prod DNS record at a placeholder for the Kubernetes ingress and drops depends_on entries naming removed blocks", () => {
    const { config } = stripToAws(stacks.prod.app, "5.100.0");
    const record = Object.values(config.resource.aws_route53_record as Record<string, TfJson>).find((each) => JSON.stringify(each).includes("stub_kubernetes_ingress_v1"));
    expect(record, "no DNS record reads the ingress placeholder").toBeDefined();
    const dependsOn = Object.values(config.resource as Record<string, Record<string, TfJson>>).flatMap((blocks) => Object.values(blocks).flatMap((block) => block.depends_on ?? []));
    expect(dependsOn.length).toBeGreaterThan(0);
    expect(dependsOn.filter((entry: string) => !entry.startsWith("aws_") && !entry.startsWith("data.aws_"))).toEqual([]);
  });

  it("keeps the version the stack pins when none is given (registry mode)", () => {
    const { config } = stripToAws(stacks.dev.network);
    expect(config.terraform.required_providers.aws.version).toBe(stacks.dev.network.terraform.required_providers.aws.version);
  });
});

describe("validate:aws diagnostics (scripts/validate-aws/diagnostics.ts)", () => {
  const text = JSON.stringify({ resource: { aws_vpc: { main: { cidr_block: "10.0.0.0/16", region: "us-east-1" } } } }, null, 2);
  const lineOf = (needle: string) => text.split("\n").findIndex((line) => line.includes(needle)) + 1;
  const knownToAws6 = bindingsLookup(join(__dirname, "../node_modules/@cdktf/provider-aws"));
  const unknownArgument = (argument: string) =>
    locate(
      { severity: "error", summary: "Extraneous JSON object property", detail: `No argument or block type is named "${argument}".`, range: { filename: "main.tf.json", start: { line: lineOf(`"${argument}"`) } } },
      text.replace('"region"', `"${argument}"`),
    );

  it("names the configuration path a diagnostic points at", () => {
    expect(pathAtLine(text, lineOf('"region"'))).toBe("resource.aws_vpc.main.region");
  });

  it("counts a Lambda runtime only aws 6.x accepts as expected against 5.x, and an unknown runtime as an error", () => {
    const rejected = (value: string) => ({
      severity: "error" as const,
      summary: `expected runtime to be one of ["nodejs20.x" "nodejs22.x"], got ${value}`,
      path: "resource.aws_lambda_function.cleanup.runtime",
    });
    expect(isNewInAws6(rejected("nodejs24.x"), knownToAws6)).toBe(true);
    expect(isNewInAws6(rejected("nodejs42.x"), knownToAws6)).toBe(false);
  });

  it("counts an argument aws 6.x added (per-resource region) as expected against 5.x, and a typo as an error", () => {
    expect(isNewInAws6(unknownArgument("region"), knownToAws6)).toBe(true);
    expect(isNewInAws6(unknownArgument("cidr_blok"), knownToAws6)).toBe(false);
  });
});
