import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadAllEnvironments, loadEnvironment } from "../config/load";
import { parseEnvironmentsText } from "../config/read-file";
import { configErrorOf } from "./support/errors";
import { TODAY } from "./support/synth";

/** Loads `dev` (or `name`) from YAML text, as `npm run synth` reads environments.yaml. */
function loadYaml(text: string, name?: string) {
  const { document, source } = parseEnvironmentsText(text, "environments.yaml");
  return loadEnvironment({ document, source, environment: name, today: TODAY });
}

const folder = mkdtempSync(join(tmpdir(), "langfuse-config-file-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("environments.yaml itself", () => {
  it("reports a missing file with its path and what to do", () => {
    const error = configErrorOf(() => loadAllEnvironments(join(folder, "missing.yaml"), undefined, TODAY));
    expect(error.key).toBe(join(folder, "missing.yaml"));
    expect(error.fix).toMatch(/does not exist; run from the repository root or create it/);
  });

  it.each([["empty", ""], ["comments only", "# nothing yet\n"]])("reports an %s file", (_, text) => {
    const path = join(folder, "empty.yaml");
    writeFileSync(path, text);
    const error = configErrorOf(() => loadAllEnvironments(path, undefined, TODAY));
    expect(error.key).toBe(path);
    expect(error.fix).toMatch(/the file is empty; it needs an 'environments' map/);
  });

  it("reports a YAML syntax error with the file, line and column", () => {
    const error = configErrorOf(() => loadYaml("environments:\n  dev:\n    network: { vpcCidr: 10.0.0.0/16\n"));
    expect(error.key).toMatch(/^environments\.yaml:\d+:\d+$/);
    expect(error.fix).toMatch(/fix the YAML syntax there/);
  });

  it("reports a tab used as indentation on its line", () => {
    const error = configErrorOf(() => loadYaml("environments:\n  dev:\n\tprofile: dev\n"));
    expect(error.key).toBe("environments.yaml:3:1");
    expect(error.fix).toMatch(/indents with spaces only/);
  });

  it("reports a key given twice instead of keeping the last one", () => {
    const error = configErrorOf(() => loadYaml("environments:\n  dev:\n    region: eu-west-1\n    region: us-east-1\n"));
    expect(error.key).toBe("environments.yaml:4:5");
    expect(error.fix).toMatch(/a key appears twice/);
  });

  it("refuses an unknown top-level key (a misspelled defaults would drop every default)", () => {
    const error = configErrorOf(() => loadYaml("default:\n  region: eu-west-1\nenvironments:\n  dev: {}\n"));
    expect(error.key).toBe("default");
    expect(error.fix).toMatch(/unknown top-level key \(environments\.yaml:1:1\).*'defaults' and 'environments'/);
  });

  it.each([
    ["no environments key", "defaults: {}\n"],
    ["an empty environments map", "environments: {}\n"],
    ["a list of environments", "environments: [dev]\n"],
  ])("refuses %s", (_, text) => {
    expect(configErrorOf(() => loadYaml(text)).key).toBe("environments");
  });

  it("refuses a defaults block that is not a map", () => {
    expect(configErrorOf(() => loadYaml("defaults: us-east-1\nenvironments:\n  dev: {}\n")).key).toBe("defaults");
  });

  it("reads an environment with nothing under it as its profile's defaults", () => {
    expect(loadYaml("environments:\n  dev:\n").config.network.azCount).toBe(2);
  });

  it("refuses an environment that is not a map", () => {
    const error = configErrorOf(() => loadYaml("environments:\n  dev: prod\n"));
    expect(error.key).toBe("environments.dev");
  });
});

describe("values YAML reads as another type", () => {
  it("tells to quote a Kubernetes version YAML read as a number (1.30 → 1.3), quoting what was typed", () => {
    const error = configErrorOf(() => loadYaml("environments:\n  dev:\n    cluster:\n      kubernetesVersion: 1.30\n"));
    expect(error.key).toBe("environments.dev.cluster.kubernetesVersion");
    expect(error.value).toBe(1.3);
    expect(error.fix).toBe('YAML read 1.30 as the number 1.3; write it in quotes (kubernetesVersion: "1.30") so it stays the text you typed');
  });

  it("tells to quote a PostgreSQL engine version", () => {
    const error = configErrorOf(() => loadYaml("environments:\n  dev:\n    database:\n      engineVersion: 16.10\n"));
    expect(error.key).toBe("environments.dev.database.engineVersion");
    expect(error.fix).toMatch(/YAML read 16\.10 as the number 16\.1; write it in quotes \(engineVersion: "16\.10"\)/);
  });

  it("tells to quote any version-like string key, in defaults too", () => {
    const error = configErrorOf(() => loadYaml("defaults:\n  redis:\n    engineVersion: 8.0\nenvironments:\n  dev: {}\n"));
    expect(error.key).toBe("defaults.redis.engineVersion");
    expect(error.fix).toMatch(/YAML read 8\.0 as the number 8/);
  });

  it("accepts the quoted version", () => {
    expect(loadYaml('environments:\n  dev:\n    cluster:\n      kubernetesVersion: "1.35"\n').config.cluster.kubernetesVersion).toBe("1.35");
  });
});

describe("keys are reported where they were written", () => {
  it("names a misspelled key under defaults as defaults.<key>", () => {
    const error = configErrorOf(() => loadYaml("defaults:\n  netwrok: {}\nenvironments:\n  dev: {}\n"));
    expect(error.key).toBe("defaults.netwrok");
    expect(error.fix).toMatch(/unknown key 'netwrok'/);
  });

  it("names a misspelled key at the top of an environment", () => {
    const error = configErrorOf(() => loadYaml("environments:\n  dev:\n    regoin: eu-west-1\n"));
    expect(error.key).toBe("environments.dev.regoin");
  });

  it("says when a rejected value came from defaults and where to override it", () => {
    const error = configErrorOf(() => loadYaml("defaults:\n  cluster:\n    logRetentionDays: 45\nenvironments:\n  dev: {}\n"));
    expect(error.key).toBe("defaults.cluster.logRetentionDays");
    expect(error.fix).toMatch(/takes it from defaults: fix it there or override it under environments\.dev/);
  });
});
