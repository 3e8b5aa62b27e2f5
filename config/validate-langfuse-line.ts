import { LANGFUSE_LINES } from "../contract/langfuse-lines";
import { ConfigError } from "./errors";
import type { EnvironmentConfig } from "./schema";

/*
 * The Langfuse line and its versions, and the v4 migration settings. The worker refuses to start on some
 * combinations of the v4 migration variables (legacy + direct, events_only + dual_write, events_only without
 * preview opt-in); the synth refuses them first, naming the key, the value and the fix.
 */

type Key = (path: string) => string;

function checkVersions({ langfuse }: EnvironmentConfig, key: Key): void {
  const pin = LANGFUSE_LINES[langfuse.line];
  if (langfuse.chartVersion !== null && !pin.chartVersionPattern.test(langfuse.chartVersion)) {
    const expected = langfuse.line === "v3" ? "a 1.5.x chart (the v3 line)" : "a 2.0.x chart (the v4 line)";
    throw new ConfigError(key("langfuse.chartVersion"), langfuse.chartVersion, `line ${langfuse.line} takes ${expected}; use null for ${pin.chartVersion}, or change langfuse.line`);
  }
  if (langfuse.line === "v3") {
    if (langfuse.imageTag !== null) {
      throw new ConfigError(key("langfuse.imageTag"), langfuse.imageTag, "the v3 line runs its chart's appVersion; set imageTag: null (or move to line v4)");
    }
    return;
  }
  if (langfuse.imageTag !== null && !pin.appVersionPattern!.test(langfuse.imageTag)) {
    throw new ConfigError(key("langfuse.imageTag"), langfuse.imageTag, "the v4 line runs a Langfuse 4.x image, e.g. 4.4.0; use null for the tag pinned with the default chart");
  }
  if (langfuse.chartVersion !== null && langfuse.imageTag === null) {
    throw new ConfigError(key("langfuse.imageTag"), null, `a chosen chart version (${langfuse.chartVersion}) needs the app version it runs, pinned explicitly (e.g. 4.16.0 with chart 2.0.1); or set chartVersion: null`);
  }
}

function checkV4Migration({ langfuse }: EnvironmentConfig, key: Key): void {
  if (langfuse.line !== "v4") return;
  const { writeMode, nativeOtelBehaviour, allowPreviewOptIn, historicBackfill } = langfuse.v4Migration;
  const at = (name: string) => key(`langfuse.v4Migration.${name}`);
  if (writeMode === "events_only" && nativeOtelBehaviour !== "direct") {
    throw new ConfigError(at("nativeOtelBehaviour"), nativeOtelBehaviour, "the worker refuses events_only with dual_write: there are no legacy tables to write; use direct, or writeMode dual");
  }
  if (writeMode === "events_only" && !allowPreviewOptIn) {
    throw new ConfigError(at("allowPreviewOptIn"), allowPreviewOptIn, "the worker refuses events_only without the preview opt-in; set true, or writeMode dual");
  }
  if (writeMode === "legacy" && nativeOtelBehaviour !== "dual_write") {
    throw new ConfigError(at("nativeOtelBehaviour"), nativeOtelBehaviour, "the worker refuses legacy with direct: OTel spans would reach only the v4 tables legacy does not read; use dual_write");
  }
  if (writeMode === "legacy" && allowPreviewOptIn) {
    throw new ConfigError(at("allowPreviewOptIn"), allowPreviewOptIn, "legacy keeps v3 behaviour for every user: set false (the upgrade guide's legacy settings)");
  }
  if (writeMode === "legacy" && historicBackfill) {
    throw new ConfigError(at("historicBackfill"), historicBackfill, "legacy writes no v4 tables to backfill into: set false, or writeMode dual");
  }
}

/** Throws a ConfigError on the first invalid Langfuse line setting. */
/**
 * A v3 environment moving its ClickHouse (clickhouse.migration) reaches v4 only once the old server is retired:
 * before that the bitnami StatefulSet still exists, which chart 2.x refuses to upgrade over, and v4 would be served
 * by the 25.2 server.
 */
function checkLineDuringClickHouseMove({ langfuse, clickhouse }: EnvironmentConfig, key: Key): void {
  const phase = clickhouse.migration.phase;
  if (langfuse.line === "v4" && phase !== "none" && phase !== "retired") {
    throw new ConfigError(key("langfuse.line"), langfuse.line, `the ClickHouse move is at phase ${phase}: keep line v3 until clickhouse.migration.phase is retired (docs/upgrading.md)`);
  }
}

export function checkLangfuseLine(config: EnvironmentConfig, key: Key): void {
  checkVersions(config, key);
  checkV4Migration(config, key);
  checkLineDuringClickHouseMove(config, key);
}
