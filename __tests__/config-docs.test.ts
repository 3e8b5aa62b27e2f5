import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { environmentSchema } from "../config/schema";
import { CONFIGURATION_DOC, renderConfigurationReference } from "../scripts/generate-config-docs";

/** Every dotted key of the schema, found by walking zod's own shapes (independently of the generator). */
function schemaKeys(schema: z.ZodType, path = ""): string[] {
  const def = (schema as unknown as { def: { type: string; innerType?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> } }).def;
  if (def.type === "nullable" && def.innerType) return [path, ...schemaKeys(def.innerType, path).filter((key) => key !== path)];
  if (def.type === "union" && def.options) return [...new Set(def.options.flatMap((option) => schemaKeys(option, path)))];
  if (def.type === "object" && def.shape) return Object.entries(def.shape).flatMap(([name, child]) => schemaKeys(child, path ? `${path}.${name}` : name));
  return [path];
}

const committed = readFileSync(CONFIGURATION_DOC, "utf8");
const rowOf = (key: string) => committed.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));

describe("docs/configuration.md", () => {
  it("is exactly what the generator renders from the current schema and profiles", () => {
    const rendered = renderConfigurationReference();
    const message = "docs/configuration.md is out of date with config/schema.ts or config/profiles.ts: run npm run docs:config and commit the result";
    expect(committed === rendered, message).toBe(true);
  });

  it("has a row for every key of the schema", () => {
    const keys = schemaKeys(environmentSchema);
    expect(keys.length).toBeGreaterThan(80);
    const missing = keys.filter((key) => !rowOf(key));
    expect(missing, "keys missing from docs/configuration.md: run npm run docs:config").toEqual([]);
  });

  it("shows each key's type, dev and prod defaults and description", () => {
    expect(rowOf("network.natGateways")).toBe(
      "| `network.natGateways` | `none` \\| `single` \\| `perAz` | `none` | `single` | NAT gateways for private subnets: one per AZ (no cross-AZ single point of failure) or a single one. |",
    );
    expect(rowOf("nodeGroups.clickhouse.instanceTypes")).toContain("| — | `[\"r7g.xlarge\"]` |");
    expect(rowOf("database.backupRetentionDays")).toContain("| integer 0–35 | `1` | `14` |");
    expect(rowOf("langfuse.domain")).toContain("| string or null | `null` | `null` |");
    expect(rowOf("backend.bucket")).toContain("(type `s3`)");
  });
});
