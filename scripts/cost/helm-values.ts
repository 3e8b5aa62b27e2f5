import { parse as parseYaml } from "yaml";
import { deepMerge } from "../../config/load";
import { blocks, isJson, literalString, type Json, type TerraformResource } from "./synthesized";

/*
 * The values a helm_release passes to its chart: its `values` YAML documents merged in order, then its `set`
 * entries on top, as Helm does. Keys whose value is only known at apply time read as the string "${expr}".
 */

/**
 * Replaces every Terraform interpolation with "${expr}": an interpolation may hold quotes and braces
 * (`${data.x.values["name"]}`) that break the JSON/YAML around it until Terraform renders it.
 */
function withoutInterpolations(text: string): string {
  let out = "";
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf("${", index);
    if (start === -1) return out + text.slice(index);
    let depth = 0;
    let end = start + 1;
    for (; end < text.length; end += 1) {
      if (text[end] === "{") depth += 1;
      else if (text[end] === "}" && --depth === 0) break;
    }
    out += `${text.slice(index, start)}\${expr}`;
    index = end + 1;
  }
  return out;
}

/** Splits a Helm --set key on unescaped dots ("a.b\.c" → ["a", "b.c"]). */
function setPath(name: string): string[] {
  return name.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, "."));
}

function setValue(path: readonly string[], value: unknown): Json {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Json;
}

const parsedDocuments = new Map<string, unknown>();

/**
 * A values document, parsed. Parsing YAML is most of what an estimate costs, and the estimates of a run (each
 * price, volume and pod line reads the release again) see the same few documents: each is parsed once per process,
 * and every caller gets its own copy.
 */
function parseValuesDocument(text: string): unknown {
  if (!parsedDocuments.has(text)) parsedDocuments.set(text, parseYaml(withoutInterpolations(text)));
  return structuredClone(parsedDocuments.get(text));
}

/** The merged values, or undefined when a values document cannot be parsed even without its interpolations. */
export function releaseValues(release: TerraformResource): Json | undefined {
  let documents: Json[];
  try {
    documents = (Array.isArray(release.body.values) ? release.body.values : [])
      .map((text) => (typeof text === "string" ? parseValuesDocument(text) : text))
      .filter(isJson);
  } catch {
    return undefined;
  }
  const sets = blocks(release.body.set).flatMap((entry) => {
    const name = literalString(entry.name);
    return name === undefined ? [] : [setValue(setPath(name), entry.value)];
  });
  return [...documents, ...sets].reduce<Json>((merged, next) => deepMerge(merged, next) as Json, {});
}

/** The value at a dotted path of a values tree. */
export function valueAt(values: Json, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (isJson(node) ? node[key] : undefined), values);
}

/** The chart a release installs, without repository or version ("langfuse", "aws-load-balancer-controller"). */
export function chartName(release: TerraformResource): string {
  return String(release.body.chart ?? "").split("/").pop() ?? "";
}
