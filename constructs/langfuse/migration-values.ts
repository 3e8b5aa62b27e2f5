import { phaseAtLeast, type MigrationPhase } from "../../config/clickhouse-migration";
import type { ClickHouseFlavour } from "../../contract/clickhouse-flavours";
import type { LangfuseChartValues } from "./values";
import type { LangfuseV4ChartValues } from "./values-v4";

/*
 * The release's ClickHouse values along the v3→v4 move (config/clickhouse-migration.ts). Until the switch the
 * values are untouched. From `switched`, `clickhouse.host` points the app at the new server while the bitnami
 * subchart stays deployed (idle, its volume intact: going back is setting the previous phase). At `retired` the
 * subchart goes (deploy false) and the new server is configured as the chart's external ClickHouse; the old volume
 * claim stays (Kubernetes never deletes a StatefulSet's claims), to be deleted by hand after a snapshot.
 */
export function withMigratedClickHouse(values: LangfuseChartValues, phase: MigrationPhase, target: ClickHouseFlavour): LangfuseChartValues {
  if (!phaseAtLeast(phase, "switched")) return values;
  const current = values.clickhouse;
  if (phase !== "retired") return { ...values, clickhouse: { ...current, host: target.serviceName } as LangfuseChartValues["clickhouse"] };
  return {
    ...values,
    clickhouse: {
      deploy: false,
      clusterEnabled: false,
      host: `http://${target.serviceName}`,
      httpPort: target.httpPort,
      migration: { url: `clickhouse://${target.serviceName}:${target.nativePort}`, ssl: false },
      auth: current.auth,
    },
  };
}

/**
 * Chart 2.x values of an environment whose ClickHouse moved (phase retired, then line v4): the moved server is the
 * chart's external ClickHouse, so the chart renders no ClickHouseCluster of its own (which would start empty).
 */
export function withMovedClickHouseV4(values: LangfuseV4ChartValues, target: ClickHouseFlavour): LangfuseV4ChartValues {
  const auth = values.clickhouse.auth;
  return {
    ...values,
    clickhouse: {
      deploy: false,
      host: `http://${target.serviceName}`,
      httpPort: target.httpPort,
      migration: { url: `clickhouse://${target.serviceName}:${target.nativePort}`, ssl: false },
      auth: { username: auth.username, existingSecret: auth.existingSecret, existingSecretKey: auth.existingSecretKey },
      cluster: { enabled: false },
    },
  };
}
