import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/errors";
import { renderRetentionSql, retentionSqlCommand } from "../scripts/retention-sql";
import { BITNAMI_V3_CLICKHOUSE, MIGRATED_V4_CLICKHOUSE, OPERATOR_V4_CLICKHOUSE } from "../contract/clickhouse-flavours";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";
import { NODE_TS_ARGS } from "./support/node-ts";

/*
 * `npm run retention:sql` prints what the retention Job and CronJob send to ClickHouse. Its statements must be
 * exactly those in the script the app stack ships, in the same order, so a review of the printout is a review of
 * the deploy.
 */

const ROOT = join(__dirname, "..");
const scratch: string[] = [];
afterAll(() => {
  cleanupSynth();
  scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

const statementsOf = (text: string) => text.split("\n").filter((line) => line && !line.startsWith("--"));
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function shippedScript(app: TfJson): string {
  const config = Object.values(resources(app, "kubernetes_config_map_v1")).find((body) => body.metadata.name === "clickhouse-retention");
  return config!.data["retention.sh"];
}

// A v3 environment moving its ClickHouse stays on the v3 line until the move is retired (v4 is refused before).
const migrated = (phase: string) => environment("dev", { langfuse: { line: "v3" }, clickhouse: { migration: { phase } } });

describe.each([
  ["dev", environment("dev", { clickhouse: { retentionDays: 21 } })],
  ["prod", environment("prod")],
  ["dev on the v3 line", environment("dev", { langfuse: { line: "v3" } })],
  ["a migrated environment", migrated("switched")],
])("retention:sql for %s", (_, config) => {
  const printed = renderRetentionSql(config);
  const statements = statementsOf(printed);

  it("prints `;`-terminated statements only (comments aside)", () => {
    expect(statements.length).toBeGreaterThan(0);
    for (const line of statements) expect(line).toMatch(/;$/);
  });

  it("prints every statement of the shipped retention script, in the script's order", () => {
    const script = shippedScript(synthesize(config).app);
    let position = -1;
    for (const line of statements) {
      const sql = line.slice(0, -1);
      const at = script.indexOf(shellQuote(sql), position + 1);
      expect(at, sql).toBeGreaterThan(position);
      position = at;
    }
    // …and nothing the script sends is missing from the printout: every quoted SQL argument of the script is printed.
    const quoted = [...script.matchAll(/'((?:EXISTS|ALTER|SELECT|CREATE|GRANT)[^']*(?:'\\''[^']*)*)'/g)].map((match) => match[1].replace(/'\\''/g, "'"));
    expect(quoted.filter((sql) => !sql.startsWith("SELECT 1"))).toEqual(statements.map((line) => line.slice(0, -1)));
  });

  it("names the server and the retention of the environment", () => {
    expect(printed).toContain(`Rows older than ${config.clickhouse.retentionDays} days expire`);
    expect(statements.filter((line) => line.includes("MODIFY TTL")).every((line) => line.includes(`INTERVAL ${config.clickhouse.retentionDays} DAY`))).toBe(true);
  });
});

describe("retention:sql errors and the command line", () => {
  it("follows the migration to the new server from the switch on", () => {
    expect(renderRetentionSql(migrated("switched"))).toContain(`ClickHouse ${MIGRATED_V4_CLICKHOUSE.serviceName}:9000 (operator), Langfuse v3 tables`);
    expect(renderRetentionSql(migrated("copy"))).toContain(`ClickHouse ${BITNAMI_V3_CLICKHOUSE.serviceName}:9000 (bitnami-v3), Langfuse v3 tables`);
  });

  it("prints the line's own server and tables: the chart's ClickHouseCluster and v4 tables on the v4 line", () => {
    expect(renderRetentionSql(environment("dev"))).toContain(`ClickHouse ${OPERATOR_V4_CLICKHOUSE.serviceName}:9000 (operator), Langfuse v4 tables`);
    expect(renderRetentionSql(environment("dev", { langfuse: { line: "v3" } }))).toContain(`ClickHouse ${BITNAMI_V3_CLICKHOUSE.serviceName}:9000 (bitnami-v3), Langfuse v3 tables`);
  });

  it("refuses an environment with an external ClickHouse, naming the key and the fix", () => {
    const external = environment("dev", {
      clickhouse: {
        mode: "external",
        externalUrl: "https://ch.example.com:8443",
        externalMigrationUrl: "clickhouse://ch.example.com:9440",
        externalUser: "langfuse",
        externalPasswordSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ch-AbCdEf",
      },
    });
    expect(() => renderRetentionSql(external)).toThrow(ConfigError);
    expect(() => renderRetentionSql(external)).toThrow('environments.dev.clickhouse.mode = "external": an external ClickHouse gets no retention Job');
  });

  // A test-owned environments file: two environments, the second with its own retention.
  const dir = mkdtempSync(join(tmpdir(), "retention-sql-"));
  scratch.push(dir);
  writeFileSync(
    join(dir, "environments.yaml"),
    [
      "defaults:",
      "  region: us-east-1",
      "  namePrefix: lfretention",
      "  backend: { type: local, directory: state }",
      "environments:",
      "  dev: { profile: dev }",
      "  stage: { profile: dev, clickhouse: { retentionDays: 9 } }",
      "",
    ].join("\n"),
  );
  const environmentsFile = join(dir, "environments.yaml");
  /** `npm run retention:sql` in a fresh process, in the folder of that file: for what only a process shows (exit status, streams). */
  const run = (args: string[]) => {
    const { PATH, HOME } = process.env;
    return spawnSync(process.execPath, [...NODE_TS_ARGS, join(ROOT, "scripts", "retention-sql.ts"), ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: PATH ?? "", HOME: HOME ?? "" },
    });
  };

  it("selects the environment by --env, else LANGFUSE_ENV, else dev", () => {
    const byFlag = run(["--env", "stage"]);
    expect(byFlag.status, byFlag.stderr).toBe(0);
    expect(byFlag.stdout).toContain("-- Environment stage:");
    expect(byFlag.stdout).toContain("INTERVAL 9 DAY");
    expect(retentionSqlCommand([], "stage", environmentsFile)).toContain("-- Environment stage:");
    expect(retentionSqlCommand([], undefined, environmentsFile)).toContain("-- Environment dev:");
  });

  it("exits 1 with a message on an unknown environment or option", () => {
    // A configuration error is printed and exits 1 by runCli, as for every script (npm run cost's test in
    // entry-points.test.ts runs one).
    expect(() => retentionSqlCommand(["--env", "nope"], undefined, environmentsFile)).toThrow(ConfigError);
    expect(() => retentionSqlCommand(["--env", "nope"], undefined, environmentsFile)).toThrow('"nope": unknown environment');
    const option = run(["--bogus"]);
    expect(option.status).toBe(1);
    expect(option.stderr).toContain("usage: npm run retention:sql -- [--env <environment>]");
  });
});
