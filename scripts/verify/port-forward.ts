import { spawn } from "node:child_process";
import { createServer } from "node:net";

/*
 * Dev environments have no ingress: reach Langfuse through `kubectl port-forward` to the chart's web service
 * (release `langfuse` → service `langfuse-web`, port 3000), run the checks, and stop kubectl again.
 */

export interface PortForwardOptions {
  /** @default "langfuse" */
  readonly namespace?: string;
  /** @default "langfuse-web" */
  readonly service?: string;
  /** @default 3000 */
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
  const args = ["port-forward", `svc/${options.service ?? "langfuse-web"}`, "-n", options.namespace ?? "langfuse", "--address", "127.0.0.1", `${localPort}:${options.remotePort ?? 3000}`];
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
