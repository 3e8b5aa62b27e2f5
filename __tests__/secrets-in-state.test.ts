import { afterAll, describe, expect, it } from "vitest";
import { cleanupSynth, dataSources, environment, resources, synthesize, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

/*
 * What Terraform stores: every managed resource's arguments and attributes, and every data source's result. A
 * write-only argument (`*_wo`) and an ephemeral resource are the only places a secret can pass without being stored.
 */

/** Arguments that are write-only in the pinned providers: never in plan or state. */
const WRITE_ONLY_ARGUMENTS = new Set(["data_wo", "secret_string_wo", "password_wo", "master_password_wo"]);

/** Every place in a stack's JSON that references an ephemeral value, as a path of keys. */
function ephemeralUses(stack: TfJson): string[][] {
  const uses: string[][] = [];
  const walk = (node: unknown, path: string[]) => {
    if (typeof node === "string" && /\bephemeral\./.test(node)) uses.push(path);
    else if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, String(i)]));
    else if (node !== null && typeof node === "object") for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
  };
  walk({ resource: stack.resource, data: stack.data, output: stack.output, locals: stack.locals }, []);
  return uses;
}

const VARIANTS = [
  ["dev", environment("dev")],
  ["prod", environment("prod")],
] as const;

describe("the app stack's state holds no secret", () => {
  it.each(VARIANTS)("%s: reads no secret value through a data source, and writes the Kubernetes Secret write-only", (_, config) => {
    const { app } = synthesize(config);
    expect(dataSources(app, "aws_secretsmanager_secret_version")).toEqual({});
    for (const secret of Object.values(resources(app, "kubernetes_secret_v1"))) {
      expect(secret.data).toBeUndefined();
      expect(secret.data_wo).toMatch(/ephemeral\.aws_secretsmanager_secret_version\./);
      // The revision is metadata (how many versions each secret has), never a value.
      // Two secrets, and the cleanup function's ClickHouse password where the bundled ClickHouse defines its user.
      expect(secret.data_wo_revision).toMatch(/^\$\{sum\(\[length\(data\.aws_secretsmanager_secret_versions\.[^)]+\.versions\)(, length\(data\.aws_secretsmanager_secret_versions\.[^)]+\.versions\)){1,2}\]\)\}$/);
    }
  });

  it.each(VARIANTS)("%s: uses ephemeral values only in write-only arguments (Terraform rejects any other use at plan time)", (_, config) => {
    const { app } = synthesize(config);
    const uses = ephemeralUses(app);
    expect(uses.length).toBeGreaterThan(0);
    for (const path of uses) expect(WRITE_ONLY_ARGUMENTS.has(path[path.length - 1]), path.join(".")).toBe(true);
  });

  it("the check catches an ephemeral value in a stored argument", () => {
    const leaked = structuredClone(synthesize(environment("dev")).app);
    const secret = Object.values(leaked.resource.kubernetes_secret_v1)[0] as TfJson;
    secret.data = secret.data_wo;
    expect(ephemeralUses(leaked).map((path) => path[path.length - 1])).toContain("data");
  });
});
