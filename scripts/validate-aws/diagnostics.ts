import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/*
 * Reads `terraform validate -json` diagnostics of a stripped stack and sorts them into real errors and the ones
 * expected because the mirror's provider (5.100.0) predates the project's aws 6.x. An argument unknown to the
 * older provider is "expected" only when the project's own aws 6.x bindings (@cdktf/provider-aws) write it:
 * then aws 6.x added it; anything else (a typo in an override, a removed argument) stays an error.
 */

/**
 * Enumerated values (path suffix `<type>.<argument>`) that only aws 6.x accepts. The bindings carry no enums, so
 * these are listed by hand, from the provider's changelog: Lambda's Node.js 24, Python 3.14 and Java 25 runtimes
 * arrived in 6.19/6.20.
 */
export const AWS6_ONLY_VALUES: Readonly<Record<string, readonly string[]>> = {
  "aws_lambda_function.runtime": ["nodejs24.x", "python3.14", "java25"],
};

/** One diagnostic of `terraform validate -json`. */
export interface TerraformDiagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  readonly range?: { readonly filename: string; readonly start: { readonly line: number } };
}

/** A diagnostic with the configuration path it points at (resource.aws_eks_cluster.eks_cluster_X.access_config). */
export interface LocatedDiagnostic extends TerraformDiagnostic {
  readonly path: string;
  /** The argument or block the provider does not know, when that is what the diagnostic says. */
  readonly argument?: string;
}

/**
 * The JSON key path enclosing a line of a file written by JSON.stringify(value, null, 2): each enclosing key sits
 * on an earlier line with less indentation.
 */
export function pathAtLine(text: string, line: number): string {
  const lines = text.split("\n");
  const keys: string[] = [];
  let indent = Number.POSITIVE_INFINITY;
  for (let index = Math.min(line, lines.length) - 1; index >= 0 && indent > 0; index--) {
    const match = /^(\s*)"((?:[^"\\]|\\.)*)":/.exec(lines[index]);
    if (!match || match[1].length >= indent) continue;
    indent = match[1].length;
    keys.unshift(match[2]);
  }
  return keys.join(".");
}

export function locate(diagnostic: TerraformDiagnostic, configText: string): LocatedDiagnostic {
  const path = diagnostic.range ? pathAtLine(configText, diagnostic.range.start.line) : "";
  const argument = /(?:argument|block type)(?: or block type)? (?:is )?named "([^"]+)"/.exec(diagnostic.detail ?? "")?.[1];
  return { ...diagnostic, path, argument };
}

/** The bindings module of a resource or data source type: aws_vpc → lib/vpc, data aws_iam_role → lib/data-aws-iam-role. */
export function bindingsModule(section: string, type: string, providerRoot: string): string {
  const name = type.replace(/^aws_/, "").replace(/_/g, "-");
  return join(providerRoot, "lib", section === "data" ? `data-aws-${name}` : name, "index.js");
}

/** Does the bindings module write `argument` (its own or a nested block's) into Terraform JSON? */
export type ArgumentLookup = (section: string, type: string, argument: string) => boolean;

export function bindingsLookup(providerRoot: string): ArgumentLookup {
  const cache = new Map<string, string>();
  return (section, type, argument) => {
    const file = bindingsModule(section, type, providerRoot);
    if (!cache.has(file)) cache.set(file, existsSync(file) ? readFileSync(file, "utf8") : "");
    return new RegExp(`[\\s{,]${argument}: cdktf\\.`).test(cache.get(file)!);
  };
}

/**
 * An argument the older provider rejects but aws 6.x (the project's bindings) has, or a value of AWS6_ONLY_VALUES
 * the older provider's validation rejects: not an error of the project.
 */
export function isNewInAws6(diagnostic: LocatedDiagnostic, knownToAws6: ArgumentLookup): boolean {
  if (diagnostic.severity !== "error") return false;
  const [section, type] = diagnostic.path.split(".");
  if ((section !== "resource" && section !== "data") || !type) return false;
  if (diagnostic.argument) return knownToAws6(section, type, diagnostic.argument);
  const rejected = /^expected (\w+) to be one of \[.*\], got (\S+)$/.exec(diagnostic.summary);
  return rejected !== null && (AWS6_ONLY_VALUES[`${type}.${rejected[1]}`] ?? []).includes(rejected[2]);
}
