import { EcrPullThroughCacheRule } from "@cdktf/provider-aws/lib/ecr-pull-through-cache-rule";
import { EcrRepositoryCreationTemplate } from "@cdktf/provider-aws/lib/ecr-repository-creation-template";
import { Construct } from "constructs";

/** ECR's limit on a pull-through cache rule's repository prefix. */
const MAX_REPOSITORY_PREFIX = 30;

export interface ImageCacheProps {
  /**
   * ECR repository prefix of the cache (from the naming helper, at most 30 characters); the node role may import
   * images only under it.
   */
  readonly repositoryPrefix: string;
  /**
   * Secrets Manager secret (name starting with ecr-pullthroughcache/) holding a Docker Hub user and access token:
   * ECR pull-through caching of Docker Hub requires authenticated pulls.
   */
  readonly dockerHubCredentialArn: string;
  /**
   * Days a cached image is kept after the cache first pulled it; the next pull after that fetches it from Docker Hub again.
   * @default 90
   */
  readonly expireAfterDays?: number;
}

/**
 * An ECR pull-through cache of Docker Hub, where every image of the release lives (langfuse/langfuse,
 * langfuse/langfuse-worker, bitnamilegacy/clickhouse, bitnamilegacy/valkey …). After the first pull, a Docker
 * Hub outage, rate limit or repository move (Bitnami's, August 2025) no longer stops a deploy or a node
 * replacement: the image is served from ECR in the cluster's region.
 */
export class ImageCache extends Construct {
  readonly rule: EcrPullThroughCacheRule;

  constructor(scope: Construct, id: string, props: ImageCacheProps) {
    super(scope, id);
    if (props.repositoryPrefix.length > MAX_REPOSITORY_PREFIX) {
      throw new Error(
        `'repositoryPrefix' (${props.repositoryPrefix}) has ${props.repositoryPrefix.length} characters; ECR allows ${MAX_REPOSITORY_PREFIX}: shorten namePrefix or the environment name, or set imageCache.enabled: false`,
      );
    }
    this.rule = new EcrPullThroughCacheRule(this, "docker-hub", {
      ecrRepositoryPrefix: props.repositoryPrefix,
      upstreamRegistryUrl: "registry-1.docker.io",
      credentialArn: props.dockerHubCredentialArn,
    });
    // Repositories the cache creates get encryption and an expiry, so tags the release stopped using do not pile up.
    new EcrRepositoryCreationTemplate(this, "template", {
      prefix: props.repositoryPrefix,
      appliedFor: ["PULL_THROUGH_CACHE"],
      description: "Repositories created by the Docker Hub pull-through cache",
      imageTagMutability: "MUTABLE",
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      lifecyclePolicy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "expire cached images; they are fetched again on the next pull",
            selection: { tagStatus: "any", countType: "sinceImagePushed", countUnit: "days", countNumber: props.expireAfterDays ?? 90 },
            action: { type: "expire" },
          },
        ],
      }),
    });
  }
}
