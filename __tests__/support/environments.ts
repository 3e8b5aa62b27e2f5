import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { deepMerge, loadEnvironment } from "../../config/load";
import type { EnvironmentConfig } from "../../config/schema";

/*
 * The tests' configuration, without cdktf: a test that only loads environments (the lambda tests among them) does
 * not pay for loading cdktf and the provider bindings. synth.ts re-exports all of it.
 */

export const TODAY = "2026-11-23";

/**
 * The configuration the behaviour tests own. They never read the repository's environments.yaml: that file is the
 * user's to edit (__tests__/invariants/ checks it).
 */
export const FIXTURE_ENVIRONMENTS_FILE = join(__dirname, "../fixtures/environments.yaml");
const fixtureDocument = parseYaml(readFileSync(FIXTURE_ENVIRONMENTS_FILE, "utf8"));

const loaded = new Map<string, EnvironmentConfig>();

/**
 * An environment of the test-owned environments file, with optional overrides merged over it. Loaded once per
 * worker and overrides (tests ask for plain dev and prod hundreds of times, and each load validates the whole
 * configuration, capacity plan included); the configuration is deeply frozen, so sharing it is safe.
 */
export function environment(name: string, overrides: object = {}): EnvironmentConfig {
  // undefined spelled out: an override set to undefined is not the same document as one without the key.
  const key = JSON.stringify([name, overrides], (_, value) => (value === undefined ? "\u0000undefined" : value));
  let config = loaded.get(key);
  if (!config) {
    const document = deepMerge(fixtureDocument, { environments: { [name]: overrides } });
    config = loadEnvironment({ document, environment: name, today: TODAY }).config;
    loaded.set(key, config);
  }
  return config;
}

/** Loads an environment from a document given inline (for error tests). */
export function loadInline(document: object, name?: string) {
  return loadEnvironment({ document, environment: name, today: TODAY });
}
