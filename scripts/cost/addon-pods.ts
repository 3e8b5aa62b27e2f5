import { chartName, releaseValues, valueAt } from "./helm-values";
import { isLangfuseV4Release } from "./langfuse-v4-volumes";
import { isJson, literalNumber, literalString, type Json, type TerraformResource } from "./synthesized";

/*
 * Pods the v4 line adds that have no AWS resource of their own: cert-manager, the ClickHouse operator and
 * ClickHouse Keeper. They run on nodes the node groups already pay for, so each is listed at $0 with what it
 * requests: the figure a capacity check (does it still fit?) needs, and why the estimate does not grow with them.
 */

/** A $0 line: the pods of a release and their summed requests. */
export interface PodLine {
  readonly item: string;
  readonly detail: string;
  readonly monthlyUsd: 0;
}

function millicores(quantity: unknown): number {
  const text = literalString(quantity) ?? String(literalNumber(quantity) ?? "0");
  return text.endsWith("m") ? Number(text.slice(0, -1)) : Number(text) * 1000;
}

function mebibytes(quantity: unknown): number {
  const text = literalString(quantity) ?? "0";
  const units: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024 };
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(text);
  return match ? Number(match[1]) * (match[2] ? units[match[2]] : 1 / (1024 * 1024)) : 0;
}

function requestsAt(values: Json, paths: readonly string[], count = 1): { cpu: number; memory: number } {
  return paths.reduce(
    (sum, path) => {
      const requests = valueAt(values, `${path}.requests`);
      if (!isJson(requests)) return sum;
      return { cpu: sum.cpu + count * millicores(requests.cpu), memory: sum.memory + count * mebibytes(requests.memory) };
    },
    { cpu: 0, memory: 0 },
  );
}

const line = (item: string, pods: number, where: string, requests: { cpu: number; memory: number }): PodLine => ({
  item,
  detail: `${pods} pod${pods === 1 ? "" : "s"} on ${where}, requesting ${requests.cpu}m CPU and ${requests.memory}Mi memory: no AWS resource of their own`,
  monthlyUsd: 0,
});

/** The $0 pod lines of a helm release of the v4 line; none for any other release. */
export function addonPodLines(release: TerraformResource): PodLine[] {
  const values = releaseValues(release);
  if (!values) return [];
  switch (chartName(release)) {
    case "cert-manager":
      return [line("cert-manager (controller, webhook, cainjector)", 3, "the general nodes", requestsAt(values, ["resources", "webhook.resources", "cainjector.resources"]))];
    case "clickhouse-operator-helm":
      return [line("ClickHouse operator", 1, "the general nodes", requestsAt(values, ["manager.resources"]))];
    case "langfuse": {
      if (!isLangfuseV4Release(release) || valueAt(values, "clickhouse.deploy") === false) return [];
      const replicas = literalNumber(valueAt(values, "clickhouse.keeper.replicas")) ?? 3;
      const where = valueAt(values, "clickhouse.keeper.nodeSelector") ? "the ClickHouse node, beside ClickHouse" : "the general nodes";
      return [line("ClickHouse Keeper", replicas, where, requestsAt(values, ["clickhouse.keeper.resources"], replicas))];
    }
    default:
      return [];
  }
}
