/**
 * The construct id of a camelCase key (loadBalancerController → load-balancer-controller). Ids are part of the
 * deployed contract: constructs keyed by a settings or role name derive them here, the same way everywhere.
 */
export function constructIdOf(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
