import { afterAll, describe, expect, it } from "vitest";
import { configErrorOf } from "./support/errors";
import { buildLangfuseValues, DOCKER_HUB_IMAGES, type LangfuseEndpoints } from "../constructs/langfuse/values";
import { WEBHOOK_PROBE_IMAGE } from "../constructs/platform/platform-addons";
import { cleanupSynth, environment, loadInline, onlyResource, resources, synthesize } from "./support/synth";

afterAll(cleanupSynth);

const credentialArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/docker-hub";
const registryPrefix = "123456789012.dkr.ecr.us-east-1.amazonaws.com/langfuse-dev-cache";
const endpoints: LangfuseEndpoints = {
  databaseHost: "db",
  databasePort: "5432",
  databaseName: "langfuse",
  databaseUsername: "langfuse",
  bucketName: "bucket",
  bucketRegion: "us-east-1",
  langfuseRoleArn: "arn:aws:iam::123456789012:role/langfuse-dev-langfuse",
  redisHost: "",
  redisPort: "",
  imageRegistryPrefix: registryPrefix,
};

describe("the image cache (ECR pull-through cache of Docker Hub)", () => {
  it("is on in prod: a Docker Hub rule with credentials under the environment's prefix", () => {
    const deps = synthesize(environment("prod")).deps;
    const rule = onlyResource(deps, "aws_ecr_pull_through_cache_rule");
    expect(rule).toMatchObject({ ecr_repository_prefix: "langfuse-prod-cache", upstream_registry_url: "registry-1.docker.io" });
    expect(rule.credential_arn).toMatch(/:secret:ecr-pullthroughcache\//);
    const template = onlyResource(deps, "aws_ecr_repository_creation_template");
    expect(template).toMatchObject({ prefix: "langfuse-prod-cache", applied_for: ["PULL_THROUGH_CACHE"] });
    expect(deps.output.image_registry_prefix.value).toContain(".dkr.ecr.us-east-1.amazonaws.com/langfuse-prod-cache");
  });

  it("lets the nodes import images under that prefix only", () => {
    const network = synthesize(environment("prod")).network;
    const policies = JSON.stringify(network.data.aws_iam_policy_document);
    expect(policies).toContain("repository/langfuse-prod-cache/*");
  });

  it("also serves the load balancer webhook probe's image in prod, and leaves dev on Docker Hub", () => {
    const probeImage = (env: "dev" | "prod") => {
      const jobs = Object.entries(resources(synthesize(environment(env)).app, "kubernetes_job_v1"));
      return jobs.find(([name]) => name.includes("webhook-ready"))![1].spec.template.spec.container[0].image;
    };
    expect(probeImage("prod")).toBe(`\${data.tfe_outputs.upstream-deps.nonsensitive_values["image_registry_prefix"]}/${WEBHOOK_PROBE_IMAGE}`);
    expect(probeImage("dev")).toBe(WEBHOOK_PROBE_IMAGE);
  });

  it("is off in dev: no rule, an empty registry output, Docker Hub images", () => {
    const deps = synthesize(environment("dev")).deps;
    expect(resources(deps, "aws_ecr_pull_through_cache_rule")).toEqual({});
    expect(deps.output.image_registry_prefix.value).toBe("");
    const values = buildLangfuseValues(environment("dev"), endpoints);
    expect(values.langfuse.web.image).toBeUndefined();
    expect(values.clickhouse).not.toHaveProperty("image");
  });

  it("points every image of the release at the cache when on", () => {
    const config = environment("dev", { imageCache: { enabled: true, dockerHubCredentialArn: credentialArn } });
    const values = buildLangfuseValues(config, endpoints);
    expect(values.langfuse.web.image).toEqual({ repository: `${registryPrefix}/${DOCKER_HUB_IMAGES.web}` });
    expect(values.langfuse.worker.image).toEqual({ repository: `${registryPrefix}/${DOCKER_HUB_IMAGES.worker}` });
    const [host] = registryPrefix.split("/");
    expect(values.clickhouse).toMatchObject({ image: { registry: host, repository: `langfuse-dev-cache/${DOCKER_HUB_IMAGES.clickhouse}` } });
    expect(values.redis).toMatchObject({ image: { registry: host, repository: `langfuse-dev-cache/${DOCKER_HUB_IMAGES.valkey}` } });
  });

  it("throws when enabled without Docker Hub credentials", () => {
    const error = configErrorOf(() => loadInline({ environments: { dev: { imageCache: { enabled: true } } } }));
    expect(error.key).toBe("environments.dev.imageCache.dockerHubCredentialArn");
    expect(error.fix).toMatch(/ecr-pullthroughcache\/<name>/);
  });

  it("throws when the credential secret is not named for the pull-through cache", () => {
    expect(() => loadInline({ environments: { dev: { imageCache: { enabled: true, dockerHubCredentialArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:dockerhub" } } } })).toThrow(
      /imageCache\.dockerHubCredentialArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dockerhub"/,
    );
  });
});
