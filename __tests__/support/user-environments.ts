import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { deepMerge, environmentNames, loadEnvironment } from "../../config/load";
import type { EnvironmentConfig } from "../../config/schema";

/*
 * The user's own configuration: the repository's environments.yaml, whatever environments, names, regions and
 * values it holds. Only the invariant suites (__tests__/invariants/) and the checks that the committed synth/
 * matches it read this file; behaviour tests read the test-owned fixture (support/synth.ts).
 */

export const USER_ENVIRONMENTS_FILE = join(__dirname, "../../environments.yaml");

const userDocument: unknown = parseYaml(readFileSync(USER_ENVIRONMENTS_FILE, "utf8"));

/** Today, as `npm run synth:all` sees it: the committed synth/ was made with the real date. */
const today = () => new Date().toISOString().slice(0, 10);

/** Names of the environments the user's file defines, in file order. */
export function userEnvironmentNames(): string[] {
  return environmentNames(userDocument);
}

/** One environment of the user's file, optionally with overrides merged over it. */
export function userEnvironment(name: string, overrides: object = {}): EnvironmentConfig {
  const document = deepMerge(userDocument, { environments: { [name]: overrides } });
  return loadEnvironment({ document, environment: name, today: today() }).config;
}

/** Every environment of the user's file. */
export function userEnvironments(): EnvironmentConfig[] {
  return userEnvironmentNames().map((name) => userEnvironment(name));
}
