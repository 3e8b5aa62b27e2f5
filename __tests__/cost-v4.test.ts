import { afterAll, describe, expect, it } from "vitest";
import { estimate, type Estimate } from "../scripts/cost/estimate";
import { loadPrices } from "../scripts/cost/prices";
import { readSynthesizedEnvironment } from "../scripts/cost/synthesized";
import { cleanupSynth, environment, synthesize, TODAY } from "./support/synth";

/* What the v4 line adds to the estimate: Keeper's volume, and pods priced at $0 because they use paid-for nodes. */

afterAll(() => cleanupSynth());
const prices = loadPrices();

function costOf(name: string, overrides: object = {}): Estimate {
  return estimate(readSynthesizedEnvironment(synthesize(environment(name, overrides)).outdir), { environment: name, prices, today: TODAY });
}
const line = (result: Estimate, item: string) => result.lines.find((candidate) => candidate.item === item);

describe.each(["dev", "prod"])("%s on v4 against v3", (name) => {
  const v4 = () => costOf(name);
  const v3 = () => costOf(name, { langfuse: { line: "v3" } });

  it("prices the operator's ClickHouse volume and Keeper's, and nothing is unpriced", () => {
    const result = v4();
    expect(result.unpriced).toEqual([]);
    const storage = name === "prod" ? 200 : 20;
    expect(line(result, "EBS: ClickHouse data (operator)")?.monthlyUsd).toBeCloseTo(storage * prices.ebsPerGbMonth.gp3, 2);
    expect(line(result, "EBS: ClickHouse Keeper")?.detail).toMatch(/^1 × 1 GiB gp3/);
  });

  it("lists cert-manager, the operator and Keeper at $0 with what their pods request", () => {
    const result = v4();
    for (const item of ["cert-manager (controller, webhook, cainjector)", "ClickHouse operator", "ClickHouse Keeper"]) {
      expect(line(result, item), item).toMatchObject({ monthlyUsd: 0, detail: expect.stringMatching(/requesting \d+m CPU and \d+Mi memory/) });
    }
    expect(line(result, "ClickHouse Keeper")?.detail).toContain(name === "prod" ? "on the ClickHouse node" : "on the general nodes");
  });

  it("differs from v3 only by Keeper's volume, less the smaller Valkey volume in dev", () => {
    const difference = v4().totalUsd - v3().totalUsd;
    const keeper = line(v4(), "EBS: ClickHouse Keeper")!.monthlyUsd;
    const valkeySaving = name === "dev" ? 1 * prices.ebsPerGbMonth.gp3 : 0;
    expect(difference).toBeCloseTo(keeper - valkeySaving, 6);
    if (name === "dev") expect(Math.round(v4().totalUsd * 100)).toBeLessThanOrEqual(Math.round(v3().totalUsd * 100));
  });
});
