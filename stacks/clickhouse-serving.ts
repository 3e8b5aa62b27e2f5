import { phaseAtLeast } from "../config/clickhouse-migration";
import type { EnvironmentConfig } from "../config/schema";
import { BITNAMI_V3_CLICKHOUSE, MIGRATED_V4_CLICKHOUSE, OPERATOR_V4_CLICKHOUSE, type ClickHouseFlavour, type ClickHouseSchema } from "../contract/clickhouse-flavours";

/** The ClickHouse Langfuse is served by, and the tables it holds. */
export interface ServingClickHouse {
  readonly flavour: ClickHouseFlavour;
  readonly schema: ClickHouseSchema;
}

/**
 * Which bundled ClickHouse serves an environment, or undefined for an external one. From the migration's switch
 * on, the migration's ClickHouseCluster serves; before it, the line's own server (the bitnami subchart on v3, the
 * chart's ClickHouseCluster on v4). `line` is the Langfuse line of the release: the environment's own by default.
 */
export function servingClickHouse(config: EnvironmentConfig, line: "v3" | "v4" = config.langfuse.line): ServingClickHouse | undefined {
  if (config.clickhouse.mode !== "bundled") return undefined;
  if (phaseAtLeast(config.clickhouse.migration.phase, "switched")) return { flavour: MIGRATED_V4_CLICKHOUSE, schema: line };
  return line === "v4" ? { flavour: OPERATOR_V4_CLICKHOUSE, schema: "v4" } : { flavour: BITNAMI_V3_CLICKHOUSE, schema: "v3" };
}
