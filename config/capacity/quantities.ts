/*
 * Kubernetes resource quantities as plain numbers: CPU in millicores, memory in MiB. Only the suffixes a pod spec
 * in this project can carry are accepted; anything else is undefined, so callers report the key that holds it.
 */

const MEMORY_UNITS_MIB: Readonly<Record<string, number>> = {
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
  k: 1e3 / 2 ** 20,
  M: 1e6 / 2 ** 20,
  G: 1e9 / 2 ** 20,
  T: 1e12 / 2 ** 20,
  "": 1 / 2 ** 20,
};

/** "250m" → 250, "1" → 1000, "1.5" → 1500; undefined for anything that is not a CPU quantity. */
export function cpuMillis(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  return match[2] === "m" ? value : value * 1000;
}

/** "512Mi" → 512, "26Gi" → 26624, "1G" → 953.67…; undefined for anything that is not a memory quantity. */
export function memoryMiB(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!match) return undefined;
  return Number(match[1]) * MEMORY_UNITS_MIB[match[2] ?? ""];
}

/** CPU request and memory request of one pod. */
export interface PodRequests {
  /** CPU, millicores. */
  readonly cpuMillis: number;
  /** Memory, MiB. */
  readonly memoryMiB: number;
}

/** Requests from a Kubernetes `resources.requests` block whose values are known to be valid. */
export function requestsOf(requests: { readonly cpu: string; readonly memory: string }): PodRequests {
  const cpu = cpuMillis(requests.cpu);
  const memory = memoryMiB(requests.memory);
  if (cpu === undefined || memory === undefined) throw new Error(`not Kubernetes quantities: cpu '${requests.cpu}', memory '${requests.memory}'`);
  return { cpuMillis: cpu, memoryMiB: memory };
}

/** The sum of several pods' requests. */
export function addRequests(...all: readonly PodRequests[]): PodRequests {
  return all.reduce((sum, next) => ({ cpuMillis: sum.cpuMillis + next.cpuMillis, memoryMiB: sum.memoryMiB + next.memoryMiB }), { cpuMillis: 0, memoryMiB: 0 });
}
