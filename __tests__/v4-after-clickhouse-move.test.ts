import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { MIGRATED_V4_CLICKHOUSE } from "../contract/clickhouse-flavours";
import { configErrorOf } from "./support/errors";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

/*
 * The last step of the v3→v4 path: once the ClickHouse move is retired, the app itself goes to v4 (langfuse.line).
 * Chart 2.x must then use the moved server, never render a ClickHouseCluster of its own (which would start empty).
 */

afterAll(cleanupSynth);

const moved = (line: "v3" | "v4", phase: string) => environment("dev", { langfuse: { line }, clickhouse: { migration: { phase } } });

function langfuseValues(app: TfJson): TfJson {
  const release = Object.values(resources(app, "helm_release")).find((each) => each.name === "langfuse")!;
  return parseYaml((release.values[0] as string).replace(/\$\{([^}]*)\}/g, (_m, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
}

describe("the app's move to v4 after its ClickHouse moved", () => {
  it.each(["side-by-side", "copy", "switched"])("refuses line v4 while the move is at %s, naming langfuse.line", (phase) => {
    const error = configErrorOf(() => moved("v4", phase));
    expect(error.key).toBe("environments.dev.langfuse.line");
    expect(error.fix).toContain(`phase ${phase}: keep line v3 until clickhouse.migration.phase is retired`);
  });

  it("points chart 2.x at the moved server as its external ClickHouse once retired", () => {
    const { app } = synthesize(moved("v4", "retired"));
    const clickhouse = langfuseValues(app).clickhouse;
    expect(clickhouse.deploy).toBe(false);
    expect(clickhouse.host).toBe(`http://${MIGRATED_V4_CLICKHOUSE.serviceName}`);
    expect(clickhouse.migration.url).toBe(`clickhouse://${MIGRATED_V4_CLICKHOUSE.serviceName}:${MIGRATED_V4_CLICKHOUSE.nativePort}`);
    expect(clickhouse.auth.existingSecret).toBe("langfuse-secrets");
    expect(clickhouse).not.toHaveProperty("keeper");
  });
});
