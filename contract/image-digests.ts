/*
 * The one table of image digests, for every image this project names itself (the charts name theirs). A
 * reference by digest is immutable: the image a review approved is the image every node runs, whatever is pushed
 * to the tag later. Digests are of the multi-architecture index (Graviton nodes pull the arm64 image from it).
 *
 * No registry is reachable where this project is built, so a digest enters the table only when several public
 * sources agree on it; `null` marks an image still pinned by tag. TO FILL before a production launch, for each null:
 *   docker buildx imagetools inspect <image> --format '{{json .Manifest.Digest}}'    (or: crane digest <image>)
 * and whenever a tag here changes, its digest changes with it (__tests__/supply-chain.test.ts lists the gaps).
 */
export const IMAGE_DIGESTS: Readonly<Record<string, string | null>> = {
  // Agreed on by seven public repositories that pin this tag.
  "curlimages/curl:8.11.1": "sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
  // Agreed on by two public repositories, one of them naming it the multi-architecture manifest.
  "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0": "sha256:2fc9433dd3b47baef0e68d6b1110b770a3c93db10c7bead4c5bc6cb21c72b875",
  "registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.2": null,
  "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.3": null,
  "registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.5": null,
  "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.3": null,
  "docker.io/bitnamilegacy/clickhouse:25.2.1-debian-12-r0": null,
  // clickhouse-client of the Jobs against the operator's ClickHouse (v4 line, v3→v4 move): a release of chart 2.0.0's
  // 26.4 server line that several public repositories pin by this tag.
  "docker.io/clickhouse/clickhouse-server:26.4.4.38": null,
  // Agreed on by two public repositories (one pulling it from Docker Hub, one from this ECR Public mirror: the
  // mirror serves Docker Hub's official images under the same digests).
  "public.ecr.aws/docker/library/node:24.8.0-alpine3.21": "sha256:f9e76ef2f60fc2003507927805d10e10c78e269186e8111b36f13b0cbe76218c",
};

/** `image@digest` when the table knows the digest, else the image by tag; throws for an image not in the table. */
export function pinnedImage(image: string): string {
  if (!(image in IMAGE_DIGESTS)) throw new Error(`image '${image}' is not in IMAGE_DIGESTS (contract/image-digests.ts); add it with its digest`);
  const digest = IMAGE_DIGESTS[image];
  return digest ? `${image}@${digest}` : image;
}

/** The digest suffix (`@sha256:…`) of an image, or "" when it is still pinned by tag. */
export function digestSuffix(image: string): string {
  const pinned = pinnedImage(image);
  return pinned.slice(image.length);
}
