import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { environmentSynthDirectory } from "../../contract/synth-layout";
import { INVARIANTS } from "../support/invariants";
import { cleanupSynth, synthesize } from "../support/synth";
import { userEnvironments } from "../support/user-environments";
import { filesUnder } from "../support/files";

/*
 * Invariants on the user's own environments.yaml: properties every deployment must keep, whatever the file's
 * environments are called, how many there are, which regions and values they use. A failure here means the
 * configuration (or the committed synth/) is unsafe or stale, not that the code is broken: each message names the
 * environment and the resource. The checks themselves are tested in __tests__/invariant-checks.test.ts.
 */

const REPOSITORY = join(__dirname, "../..");
const configs = userEnvironments();

afterAll(cleanupSynth);

describe.each(configs.map((config) => [config.name, config] as const))("environment %s of environments.yaml", (name, config) => {
  const deployment = () => ({ config, stacks: synthesize(config, configs) });

  it("is committed in synth/ exactly as the code synthesizes it (else: npm run synth:all and commit)", () => {
    const committed = filesUnder(join(REPOSITORY, environmentSynthDirectory(name)));
    const fresh = filesUnder(deployment().stacks.outdir);
    expect([...committed.keys()].sort(), `${name}: files of synth/${name}`).toEqual([...fresh.keys()].sort());
    const stale = [...fresh].filter(([path, bytes]) => !bytes.equals(committed.get(path)!)).map(([path]) => path);
    expect(stale, `${name}: stale files in synth/${name}`).toEqual([]);
  });

  it.each(Object.entries(INVARIANTS))("%s", (_title, invariant) => {
    expect(invariant(deployment())).toEqual([]);
  });
});
