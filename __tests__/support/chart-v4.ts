import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, parseAllDocuments } from "yaml";

/*
 * Just enough of Helm and of the langfuse chart 2.0.0's templates to check offline what the chart would render
 * from our values, without helm: Helm's value coalescing, and the fields of templates/clickhouse/cluster.yaml,
 * keeper.yaml and web/deployment.yaml's `replicas` that our values feed — written line by line after the templates
 * (each function names its template). Plus a checker of an object against a CRD's openAPIV3Schema, reporting what
 * the API server would reject or silently prune.
 */

type Tree = Record<string, unknown>;
const isTree = (value: unknown): value is Tree => typeof value === "object" && value !== null && !Array.isArray(value);

/** Helm's coalescing of user values over chart defaults: maps merge, null deletes the key, anything else replaces. */
export function coalesceValues(defaults: unknown, overrides: unknown): unknown {
  if (!isTree(defaults) || !isTree(overrides)) return overrides === undefined ? defaults : overrides;
  const merged: Tree = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete merged[key];
    else merged[key] = coalesceValues(defaults[key], value);
  }
  return merged;
}

/** Go template truthiness (`if`, `with`, `default`): empty strings, zero, false, nil and empty collections are empty. */
const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || value === false || value === 0 || value === "" || (Array.isArray(value) && value.length === 0) || (isTree(value) && Object.keys(value).length === 0);

const at = (values: unknown, path: string): unknown => path.split(".").reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), values);

const chartDefaults = new Map<string, unknown>();

/** The chart's values.yaml merged with ours, as Helm hands them to the templates. */
export function chartValues(referenceFolder: string, values: object): Tree {
  // Parsed once per folder (a large file, read for every rendering); each rendering merges over its own copy.
  if (!chartDefaults.has(referenceFolder)) chartDefaults.set(referenceFolder, parseYaml(readFileSync(join(referenceFolder, "values.yaml"), "utf8")));
  return coalesceValues(structuredClone(chartDefaults.get(referenceFolder)), JSON.parse(JSON.stringify(values))) as Tree;
}

/** langfuse.fullname for release `langfuse` of chart `langfuse` with no overrides. */
const FULLNAME = "langfuse";

function podTemplate(section: unknown): Tree | undefined {
  const template: Tree = {};
  for (const key of ["nodeSelector", "tolerations", "affinity"]) {
    const value = at(section, key);
    if (!isEmpty(value)) template[key] = value;
  }
  return Object.keys(template).length > 0 ? template : undefined;
}

function dataVolumeClaimSpec(storage: unknown): Tree {
  const className = at(storage, "className");
  return {
    accessModes: at(storage, "accessModes"),
    ...(!isEmpty(className) && { storageClassName: String(className) }),
    resources: { requests: { storage: String(at(storage, "size")) } },
  };
}

function containerTemplate(section: unknown): Tree {
  const resources = at(section, "resources");
  return {
    image: { repository: String(at(section, "image.repository")), tag: String(at(section, "image.tag")) },
    ...(!isEmpty(resources) && { resources }),
  };
}

/** templates/clickhouse/cluster.yaml: the ClickHouseCluster, or undefined when clickhouse.deploy is false. */
export function renderClickHouseCluster(values: Tree, namespace = "langfuse"): Tree | undefined {
  if (isEmpty(at(values, "clickhouse.deploy"))) return undefined;
  const cluster = at(values, "clickhouse.cluster");
  const settings = at(cluster, "settings");
  const profileSettings = at(cluster, "profileSettings");
  const template = podTemplate(cluster);
  return {
    apiVersion: "clickhouse.com/v1alpha1",
    kind: "ClickHouseCluster",
    metadata: { name: FULLNAME, namespace },
    spec: {
      replicas: at(cluster, "replicas"),
      shards: 1,
      keeperClusterRef: { name: FULLNAME },
      dataVolumeClaimSpec: dataVolumeClaimSpec(at(cluster, "storage")),
      containerTemplate: containerTemplate(cluster),
      ...(template && { podTemplate: template }),
      settings: {
        defaultUserPassword: {
          secret: {
            name: String(at(values, "clickhouse.auth.existingSecret") || `${FULLNAME}-clickhouse-auth`),
            key: String(at(values, "clickhouse.auth.existingSecretKey") || "password"),
          },
        },
        ...(!isEmpty(settings) && { extraConfig: settings }),
        ...(!isEmpty(profileSettings) && { extraUsersConfig: profileSettings }),
      },
    },
  };
}

/** templates/clickhouse/keeper.yaml: the KeeperCluster, or undefined unless clickhouse.deploy and keeper.enabled. */
export function renderKeeperCluster(values: Tree, namespace = "langfuse"): Tree | undefined {
  if (isEmpty(at(values, "clickhouse.deploy")) || isEmpty(at(values, "clickhouse.keeper.enabled"))) return undefined;
  const keeper = at(values, "clickhouse.keeper");
  const template = podTemplate(keeper);
  return {
    apiVersion: "clickhouse.com/v1alpha1",
    kind: "KeeperCluster",
    metadata: { name: FULLNAME, namespace },
    spec: {
      replicas: at(keeper, "replicas"),
      dataVolumeClaimSpec: dataVolumeClaimSpec(at(keeper, "storage")),
      containerTemplate: containerTemplate(keeper),
      ...(template && { podTemplate: template }),
    },
  };
}

/**
 * templates/{web,worker}/deployment.yaml's `spec.replicas`: absent with the chart's HPA or KEDA on, else
 * `<component>.replicas | default langfuse.replicas`; a nil result renders `replicas:` (null: the field stays unset).
 */
export function renderDeploymentReplicas(values: Tree, component: "web" | "worker"): { rendered: false } | { rendered: true; value: unknown } {
  if (!isEmpty(at(values, `langfuse.${component}.hpa.enabled`)) || !isEmpty(at(values, `langfuse.${component}.keda.enabled`))) return { rendered: false };
  const own = at(values, `langfuse.${component}.replicas`);
  const value = isEmpty(own) ? at(values, "langfuse.replicas") : own;
  return { rendered: true, value: value ?? null };
}

const crds = new Map<string, Tree>();

/**
 * The CustomResourceDefinition in a YAML file, parsed once per worker (test files share workers, and the operator's
 * CRDs take a tenth of a second each to parse) and frozen, so no test can change what another reads.
 */
export function crdDocument(file: string): Tree {
  let crd = crds.get(file);
  if (!crd) {
    crd = deepFreeze(parseAllDocuments(readFileSync(file, "utf8")).map((doc) => doc.toJSON()).find(isTree) as Tree);
    crds.set(file, crd);
  }
  return crd;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    Object.values(value).forEach(deepFreeze);
  }
  return value;
}

/** The openAPIV3Schema of a CRD file's first version. */
export function crdSchema(file: string): Schema {
  const crd = crdDocument(file);
  const versions = (crd.spec as Tree).versions as Tree[];
  return (versions[0].schema as Tree).openAPIV3Schema as Schema;
}

export type Schema = Tree & {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  nullable?: boolean;
  anyOf?: Schema[];
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
};

function typeError(value: unknown, schema: Schema): string | undefined {
  if (schema["x-kubernetes-int-or-string"]) return typeof value === "string" || Number.isInteger(value) ? undefined : "must be an integer or a string";
  if (schema.anyOf) return schema.anyOf.some((option) => typeError(value, option) === undefined) ? undefined : "matches none of its allowed types";
  switch (schema.type) {
    case "object":
      return isTree(value) ? undefined : "must be an object";
    case "array":
      return Array.isArray(value) ? undefined : "must be an array";
    case "string":
      return typeof value === "string" ? undefined : "must be a string";
    case "integer":
      return Number.isInteger(value) ? undefined : "must be an integer";
    case "number":
      return typeof value === "number" ? undefined : "must be a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be a boolean";
    default:
      return undefined;
  }
}

/**
 * What the API server would say about `value` under a structural schema: type, enum, bounds, pattern and required
 * errors, and unknown fields, which it prunes without a word (a setting that silently never arrives).
 */
export function schemaErrors(value: unknown, schema: Schema, path = ""): string[] {
  const here = path || "<root>";
  if (value === null) return schema.nullable ? [] : [`${here}: must not be null`];
  const wrongType = typeError(value, schema);
  if (wrongType) return [`${here}: ${wrongType} (got ${JSON.stringify(value)})`];
  const errors: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${here}: must be one of ${JSON.stringify(schema.enum)} (got ${JSON.stringify(value)})`);
  if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) errors.push(`${here}: must be >= ${schema.minimum}`);
  if (typeof value === "number" && schema.maximum !== undefined && value > schema.maximum) errors.push(`${here}: must be <= ${schema.maximum}`);
  if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${here}: must match ${schema.pattern} (got ${JSON.stringify(value)})`);
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...schemaErrors(item, schema.items!, `${path}[${i}]`)));
  if (isTree(value)) {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${here}: missing required field ${key}`);
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const property = schema.properties?.[key] ?? (isTree(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined);
      if (property) errors.push(...schemaErrors(child, property, childPath));
      else if (!schema["x-kubernetes-preserve-unknown-fields"] && schema.additionalProperties !== true) errors.push(`${childPath}: unknown field (pruned by the API server)`);
    }
  }
  return errors;
}
