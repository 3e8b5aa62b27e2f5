import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { IMAGE_DIGESTS, pinnedImage } from "../contract/image-digests";
import { cleanupSynth, environment, resources, synthesize, type TfJson } from "./support/synth";

afterAll(cleanupSynth);

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Every container image string the app stack's own Kubernetes objects and add-on values name. */
function imagesOf(app: TfJson): string[] {
  const images: string[] = [];
  const walk = (node: unknown, key?: string) => {
    if (typeof node === "string" && key === "image") images.push(node);
    else if (Array.isArray(node)) node.forEach((child) => walk(child, key));
    else if (node !== null && typeof node === "object") for (const [k, child] of Object.entries(node)) walk(child, k);
  };
  for (const type of ["kubernetes_job_v1", "kubernetes_cron_job_v1", "kubernetes_deployment_v1"]) walk(resources(app, type));
  return images;
}

describe("images this project names itself are pinned by digest, or listed as still to pin", () => {
  it("holds only well-formed digests, and an exact tag for every entry", () => {
    for (const [image, digest] of Object.entries(IMAGE_DIGESTS)) {
      if (digest !== null) expect(digest, image).toMatch(DIGEST);
      // A floating tag (latest, a major only such as node:24-alpine) would move under a digest-less entry.
      expect(image, image).toMatch(/:(v?\d+\.\d+\.\d+[\w.-]*)$/);
    }
  });

  it.each([
    ["dev", environment("dev")],
    ["prod", environment("prod")],
    // The v3→v4 move's copy and check Jobs (a v3 environment; prod: through the pull-through cache).
    ["prod moving its ClickHouse", environment("prod", { langfuse: { line: "v3" }, clickhouse: { migration: { phase: "switched" } }, nodeGroups: { clickhouse: { maxSize: 2 } } })],
  ])("%s: every image of the app stack's jobs comes from the table", (_, config) => {
    const images = imagesOf(synthesize(config).app);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      // The pull-through cache prefix (a reference to the deps stack) may precede a Docker Hub image.
      const bare = image.replace(/^\$\{[^}]+\}\//, "");
      const tagged = bare.replace(/@sha256:[0-9a-f]{64}$/, "");
      const known = Object.keys(IMAGE_DIGESTS).find((entry) => entry === tagged || entry.endsWith(`/${tagged}`) || tagged.endsWith(entry));
      expect(known, image).toBeDefined();
      expect(bare.endsWith(pinnedImage(known!).slice(known!.length)), image).toBe(true);
    }
  });

  it("pins the Cluster Autoscaler of the default Kubernetes version by digest", () => {
    const autoscaler = Object.values(resources(synthesize(environment("prod")).app, "helm_release")).find((r) => r.chart === "cluster-autoscaler")!;
    const values = JSON.parse((autoscaler.values[0] as string).replace(/\$\{([^}]*)\}/g, (_m, expression: string) => "${" + expression.replace(/"/g, "'") + "}"));
    expect(values.image.tag).toMatch(/^v1\.35\.0@sha256:[0-9a-f]{64}$/);
  });

  it("rejects an image missing from the table", () => {
    expect(() => pinnedImage("busybox:1.37.0")).toThrow(/not in IMAGE_DIGESTS/);
  });
});

describe("CI actions are pinned by commit", () => {
  const workflows = join(__dirname, "..", ".github", "workflows");
  const files = readdirSync(workflows).filter((file) => /\.ya?ml$/.test(file));

  it.each(files)("%s: every `uses:` names a 40-character commit and says which release it is", (file) => {
    const text = readFileSync(join(workflows, file), "utf8");
    const document = parseYaml(text);
    const uses = Object.values(document.jobs as Record<string, { steps?: { uses?: string }[] }>).flatMap((job) => (job.steps ?? []).map((step) => step.uses).filter(Boolean)) as string[];
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) {
      expect(use, use).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      // A tag-only reference can be moved by whoever controls the action's repository; the comment keeps it readable.
      expect(text).toMatch(new RegExp(`${use.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} # v\\d+\\.\\d+\\.\\d+`));
    }
  });
});
