import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planCapacity } from "../config/capacity/plan";
import type { EnvironmentConfig } from "../config/schema";
import { estimate } from "../scripts/cost/estimate";
import { nodeCounts } from "../scripts/cost/node-counts";
import { loadPrices } from "../scripts/cost/prices";
import { formatReport } from "../scripts/cost/report";
import { formatCapacity } from "../scripts/capacity/report";
import { capacityCommand } from "../scripts/capacity";
import { configErrorOf } from "./support/errors";
import { readSynthesizedEnvironment, type SynthesizedStack } from "../scripts/cost/synthesized";
import { cleanupSynth, FIXTURE_ENVIRONMENTS_FILE, environment, resources, synthesize, TODAY } from "./support/synth";
import { tmpdir } from "node:os";
import { NODE_TS_ARGS } from "./support/node-ts";

/* The cost estimate prices node groups at the nodes the capacity model needs; npm run capacity prints the model. */

afterAll(cleanupSynth);

const prices = loadPrices();
const load = (name: "dev" | "prod"): EnvironmentConfig => environment(name);

const group = (body: object): SynthesizedStack => ({ name: "network", json: { resource: { aws_eks_node_group: { general: body } } } });

describe("node groups priced at the capacity model's count", () => {
  const body = { node_group_name_prefix: "p-dev-general-", instance_types: ["t4g.medium"], capacity_type: "ON_DEMAND", disk_size: 20, scaling_config: { desired_size: 2 } };

  it("uses the model's count instead of the desired size, for the nodes and their root volumes", () => {
    const result = estimate([group(body)], { environment: "dev", prices, today: TODAY, nodeCounts: { "p-dev-general-": 3 } });
    const nodes = result.lines.find((line) => line.item.startsWith("node group"))!;
    expect(nodes.monthlyUsd).toBeCloseTo(3 * 0.0336 * 730, 2);
    expect(nodes.detail).toContain("capacity model");
    expect(result.lines.find((line) => line.item.startsWith("EBS: node root"))!.monthlyUsd).toBeCloseTo(3 * 20 * 0.08, 3);
  });

  it("keeps the desired size for a group the model does not know", () => {
    const result = estimate([group(body)], { environment: "dev", prices, today: TODAY, nodeCounts: { "other-": 5 } });
    expect(result.lines.find((line) => line.item.startsWith("node group"))!.monthlyUsd).toBeCloseTo(2 * 0.0336 * 730, 2);
  });

  it.each(["dev", "prod"] as const)("%s: keys the counts by the synthesized node groups' name prefixes, never below minSize", (name) => {
    const config = load(name);
    const counts = nodeCounts(config, planCapacity(config));
    const prefixes = Object.values(resources(synthesize(config).network, "aws_eks_node_group")).map((g) => g.node_group_name_prefix);
    expect(Object.keys(counts.baseline).sort()).toEqual([...prefixes].sort());
    for (const [prefix, count] of Object.entries(counts.baseline)) {
      const settings = prefix.endsWith("-clickhouse-") ? config.nodeGroups.clickhouse! : config.nodeGroups.general;
      expect(count).toBeGreaterThanOrEqual(settings.minSize);
      expect(counts.max[prefix]).toBeGreaterThanOrEqual(count);
    }
  });

  it("prints the total at max scale with its difference to the baseline", () => {
    const config = load("prod");
    const counts = nodeCounts(config, planCapacity(config));
    const stacks = readSynthesizedEnvironment(synthesize(config).outdir);
    const base = estimate(stacks, { environment: "prod", prices, today: TODAY, nodeCounts: counts.baseline });
    const atMax = estimate(stacks, { environment: "prod", prices, today: TODAY, nodeCounts: counts.max });
    expect(atMax.totalUsd).toBeGreaterThan(base.totalUsd);
    const report = formatReport(base, atMax);
    expect(report).toContain(`+$${(atMax.totalUsd - base.totalUsd).toFixed(2)}`);
    expect(report).toMatch(/TOTAL per month at max scale/);
    expect(report).toContain(`nodes_general: ${counts.max["langfuse-prod-general-"]} × t4g.medium`);
  });
});

describe("npm run capacity", () => {
  const script = join(__dirname, "../scripts/capacity.ts");
  // The script reads environments.yaml from its working directory: a folder holding the tests' own copy.
  const cwd = mkdtempSync(join(tmpdir(), "langfuse-capacity-"));
  copyFileSync(FIXTURE_ENVIRONMENTS_FILE, join(cwd, "environments.yaml"));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const environmentsFile = join(cwd, "environments.yaml");
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [...NODE_TS_ARGS, script, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } });

  // Fresh processes for what only a process shows (the flag over LANGFUSE_ENV, exit statuses, streams); the rest of
  // the command is called in-process (capacityCommand).
  it("prints each node group with requested vs allocatable at baseline and at max replicas, for --env", () => {
    const output = execFileSync(process.execPath, [...NODE_TS_ARGS, script, "--env", "prod"], { cwd, encoding: "utf8", env: { ...process.env, LANGFUSE_ENV: "dev" } });
    expect(output).toContain("Capacity of environment 'prod'");
    expect(output).toMatch(/^node group general: t4g\.medium, ON_DEMAND/m);
    expect(output).toMatch(/^node group clickhouse: r7g\.xlarge, ON_DEMAND, one AZ/m);
    expect(output).toMatch(/^ {2}baseline +\d+ +\d+m \/ \d+m \(\d+%\) +\d+Mi \/ \d+Mi \(\d+%\) +\d+ \/ \d+$/m);
    expect(output).toMatch(/^ {2}max replicas /m);
    expect(output).toContain("amazon-cloudwatch/cloudwatch-agent");
  });

  it("takes the environment from LANGFUSE_ENV without --env, and prints JSON with --json", () => {
    const plan = JSON.parse(capacityCommand(["--json"], "prod", environmentsFile));
    expect(plan.environment).toBe("prod");
    expect(plan.groups.map((g: { group: string }) => g.group)).toEqual(["general", "clickhouse"]);
  });

  it("fails with one line naming the environment and the fix for an unknown environment, and with usage for a bad flag", () => {
    // A configuration error is printed in one line, without a stack trace, and exits 1 by runCli, as for every script
    // (npm run cost's test in entry-points.test.ts runs one).
    const unknown = configErrorOf(() => capacityCommand(["--env", "nope"], undefined, environmentsFile));
    expect(unknown.message).toContain('"nope"');
    expect(unknown.message).not.toContain("\n");
    const bad = run(["--envv", "dev"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("usage: npm run capacity");
  });
});

describe("docs/capacity.md", () => {
  const doc = readFileSync(join(__dirname, "../docs/capacity.md"), "utf8");

  it.each(["dev", "prod"] as const)("%s: states the figures npm run capacity prints (regenerate the table when they change)", (name) => {
    const config = load(name);
    const printed = formatCapacity(planCapacity(config)).split("\n").filter((line) => /^(node group |  per node: |  baseline |  max replicas )/.test(line));
    expect(printed.length).toBeGreaterThan(0);
    for (const line of printed) expect(doc, `docs/capacity.md lacks: ${line}`).toContain(line);
  });
});
