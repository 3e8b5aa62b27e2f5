import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { LANGFUSE_WEB_SERVICE } from "../../constructs/langfuse/release";
import { LANGFUSE_SERVICE_ACCOUNT } from "../../contract/service-accounts";

/*
 * Dev environments have no ingress: reach Langfuse through `kubectl port-forward` to the chart's web service
 * (release `langfuse` → service `langfuse-web`, port 3000), run the checks, and stop kubectl again.
 */

/** Where the app stack puts Langfuse's web Service: the defaults of every option below come from it. */
export const WEB_SERVICE_TARGET = { namespace: LANGFUSE_SERVICE_ACCOUNT.namespace, service: LANGFUSE_WEB_SERVICE.name, port: LANGFUSE_WEB_SERVICE.port } as const;

export interface PortForwardOptions {
  /** @default - the app stack's namespace (WEB_SERVICE_TARGET) */
  readonly namespace?: string;
  /** @default - the chart's web Service (WEB_SERVICE_TARGET) */
  readonly service?: string;
  /** @default - the web Service's port (WEB_SERVICE_TARGET) */
  readonly remotePort?: number;
  /** Local port on 127.0.0.1. @default - a free port */
  readonly localPort?: number;
  /** The kubectl executable. @default "kubectl" */
  readonly kubectl?: string;
  /** How long kubectl may take to start forwarding. @default 20000 */
  readonly readyTimeoutMs?: number;
}

/** A port nothing listens on right now. */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no local port"))));
    });
  });
}

/** Starts kubectl port-forward, runs `work` against http://127.0.0.1:<port>, and always stops kubectl. */
export async function withPortForward<T>(options: PortForwardOptions, work: (baseUrl: string) => Promise<T>): Promise<T> {
  const localPort = options.localPort ?? (await freeLocalPort());
  const target = { namespace: options.namespace ?? WEB_SERVICE_TARGET.namespace, service: options.service ?? WEB_SERVICE_TARGET.service };
  const args = ["port-forward", `svc/${target.service}`, "-n", target.namespace, "--address", "127.0.0.1", `${localPort}:${options.remotePort ?? WEB_SERVICE_TARGET.port}`];
  const child = spawn(options.kubectl ?? "kubectl", args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = options.readyTimeoutMs ?? 20_000;
      const timer = setTimeout(() => reject(new Error(`kubectl port-forward did not start within ${timeoutMs} ms: ${stderr.trim() || "no output"}`)), timeoutMs);
      const settle = (action: () => void) => {
        clearTimeout(timer);
        action();
      };
      // kubectl prints "Forwarding from 127.0.0.1:<port> -> 3000" once it listens.
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("Forwarding from")) settle(resolve);
      });
      child.once("error", (error) => settle(() => reject(new Error(`cannot run ${options.kubectl ?? "kubectl"}: ${error.message}`))));
      child.once("exit", (code) => settle(() => reject(new Error(`kubectl port-forward exited (${code}): ${stderr.trim() || "no output"}`))));
    });
    return await work(`http://127.0.0.1:${localPort}`);
  } finally {
    // No pid: kubectl never started (not installed), so there is nothing to stop.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }
}
