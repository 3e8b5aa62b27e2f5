import { readFileSync } from "node:fs";
import { request } from "node:https";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DISK_METRICS_NAMESPACE } from "../../contract/metrics";
import { kubeletsWithClaims, volumeMetrics, type PodItem, type StatsSummary, type VolumeMetric } from "./volumes";

/*
 * The disk-metrics job (a CronJob every 5 minutes, bundled into a ConfigMap and run by a stock node image).
 * It lists the namespace's pods through the API server, reads volume usage straight from the kubelets of their
 * nodes (GET /stats/summary, which the kubelet authorizes as nodes/stats: read-only, unlike nodes/proxy, which
 * would also open exec into every pod of the node), and publishes it to CloudWatch with the IRSA role of its
 * service account, which may only put metrics in DISK_METRICS_NAMESPACE. No exec into any pod.
 */

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
const API_SERVER = "kubernetes.default.svc";
/** The kubelet's authenticated API port; EKS signs its serving certificate with the cluster CA. */
const KUBELET_PORT = 10250;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

function getJson<T>(host: string, port: number, path: string): Promise<T> {
  const token = readFileSync(`${SERVICE_ACCOUNT}/token`, "utf8");
  const ca = readFileSync(`${SERVICE_ACCOUNT}/ca.crt`);
  const target = `https://${host}:${port}${path}`;
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, ca, headers: { Authorization: `Bearer ${token}` }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) reject(new Error(`GET ${target}: HTTP ${res.statusCode} ${body.slice(0, 300)}`));
        else resolve(JSON.parse(body) as T);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${target}: timed out`)));
    req.on("error", (error) => reject(new Error(`GET ${target}: ${error.message}`)));
    req.end();
  });
}

async function main(): Promise<void> {
  const clusterName = required("CLUSTER_NAME");
  const namespace = required("POD_NAMESPACE");
  const pods = await getJson<{ items?: PodItem[] }>(API_SERVER, 443, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`);
  const metrics: VolumeMetric[] = [];
  for (const kubelet of kubeletsWithClaims(pods)) {
    const summary = await getJson<StatsSummary>(kubelet.hostIP, KUBELET_PORT, "/stats/summary");
    metrics.push(...volumeMetrics(summary, clusterName, namespace));
  }
  const cloudwatch = new CloudWatchClient({});
  // PutMetricData takes at most 1000 values per call.
  for (let i = 0; i < metrics.length; i += 1000) {
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: DISK_METRICS_NAMESPACE, MetricData: metrics.slice(i, i + 1000) }));
  }
  console.log(JSON.stringify({ event: "published", namespace: DISK_METRICS_NAMESPACE, values: metrics.length, metrics }));
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ event: "failed", error: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
