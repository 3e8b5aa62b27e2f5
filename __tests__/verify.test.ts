import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatResult, verify } from "../scripts/verify/checks";
import { releaseValues, valueAt } from "../scripts/cost/helm-values";
import { WEB_SERVICE_TARGET, withPortForward } from "../scripts/verify/port-forward";
import { verifyCommand } from "../scripts/verify";
import { NODE_TS_ARGS } from "./support/node-ts";
import { cleanupSynth, environment, resources, synthesize } from "./support/synth";

const run = promisify(execFile);
const HEALTHY_BODY = JSON.stringify({ status: "OK", version: "3.224.1" });

/** A loopback HTTP server; `answer` gets the request path and query. */
async function serve(answer: (url: string) => { status: number; body: string } | "hang"): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const reply = answer(request.url ?? "");
    if (reply === "hang") return;
    response.writeHead(reply.status, { "content-type": "application/json" }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const servers: Server[] = [];
const folders: string[] = [];
let healthy: string;
let databaseDown: string;
let hanging: string;

beforeAll(async () => {
  const started = await Promise.all([
    serve(() => ({ status: 200, body: HEALTHY_BODY })),
    serve((url) => (url.includes("failIfDatabaseUnavailable=true") ? { status: 503, body: JSON.stringify({ status: "Database not available" }) } : { status: 200, body: HEALTHY_BODY })),
    serve(() => "hang"),
  ]);
  servers.push(...started.map(({ server }) => server));
  [healthy, databaseDown, hanging] = started.map(({ url }) => url);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  folders.forEach((folder) => rmSync(folder, { recursive: true, force: true }));
  cleanupSynth();
});

describe("verify", () => {
  it("passes all three checks against a server that answers like Langfuse", async () => {
    const results = await verify(healthy);
    expect(results.map((result) => result.url)).toEqual([
      `${healthy}/api/public/health`,
      `${healthy}/api/public/health?failIfDatabaseUnavailable=true`,
      `${healthy}/api/public/ready`,
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(formatResult(results[0])).toMatch(new RegExp(`^PASS  health +200 +\\d+ ms  ${healthy}/api/public/health  version 3\\.224\\.1$`));
  });

  it("fails the database check on a 503 and shows the body", async () => {
    const results = await verify(`${databaseDown}/`);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    expect(formatResult(results[1])).toMatch(/^FAIL  health\+database +503 +\d+ ms  .*failIfDatabaseUnavailable=true  body: \{"status":"Database not available"\}$/);
  });

  it("fails a check that does not answer within the timeout", async () => {
    const [first] = await verify(hanging, { timeoutMs: 100 });
    expect(first).toMatchObject({ ok: false, status: undefined, problem: "timed out after 100 ms" });
    expect(first.latencyMs).toBeGreaterThanOrEqual(90);
    expect(formatResult(first)).toMatch(/^FAIL  health +--- +\d+ ms .* timed out after 100 ms$/);
  });

  it("fails a 200 whose body is not Langfuse's status", async () => {
    const { server, url } = await serve(() => ({ status: 200, body: "<html>maintenance</html>" }));
    servers.push(server);
    const [first] = await verify(url);
    expect(first).toMatchObject({ ok: false, status: 200, problem: "body: <html>maintenance</html>" });
  });
});

/** The command in this process: its exit status and what it printed to stdout and stderr. */
async function command(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await verifyCommand(args, (line) => stdout.push(`${line}\n`), (line) => stderr.push(`${line}\n`));
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("npm run verify", () => {
  it("exits 0 and prints one line per check when Langfuse is healthy", async () => {
    // The one run in a fresh process, as `npm run verify` starts it; the other exit statuses are checked in-process.
    const { stdout } = await run(process.execPath, [...NODE_TS_ARGS, join(__dirname, "../scripts/verify.ts"), healthy], { encoding: "utf8" });
    expect(stdout.match(/^PASS /gm)).toHaveLength(3);
    expect(stdout).toContain("all 3 checks passed");
  });

  it("exits non-zero when a check fails", async () => {
    const failure = await command(databaseDown, "--timeout", "2000");
    expect(failure).toMatchObject({ code: 1 });
    expect(failure.stdout).toContain("1 of 3 checks failed");
  });

  it("exits 2 on a usage error", async () => {
    const failure = await command("langfuse.example.com");
    expect(failure).toMatchObject({ code: 2 });
    expect(failure.stderr).toContain("'langfuse.example.com' is not an http(s) URL");
  });
});

describe("port-forward mode", () => {
  /** A stand-in for kubectl: records its arguments, serves like Langfuse on the forwarded port, prints kubectl's line. */
  function fakeKubectl(behaviour: "forward" | "fail"): { path: string; argsFile: string } {
    const folder = mkdtempSync(join(tmpdir(), "verify-kubectl-"));
    folders.push(folder);
    const argsFile = join(folder, "args.json");
    const script = `#!${process.execPath}
const { writeFileSync } = require("node:fs");
const args = process.argv.slice(2);
writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(args));
if (${JSON.stringify(behaviour)} === "fail") { console.error('error: services "langfuse-web" not found'); process.exit(1); }
const [local, remote] = args[args.length - 1].split(":");
require("node:http").createServer((q, r) => r.writeHead(200).end(${JSON.stringify(HEALTHY_BODY)}))
  .listen(Number(local), "127.0.0.1", () => console.log("Forwarding from 127.0.0.1:" + local + " -> " + remote));
`;
    const path = join(folder, "kubectl");
    writeFileSync(path, script);
    chmodSync(path, 0o755);
    return { path, argsFile };
  }

  it("forwards svc/langfuse-web port 3000 in namespace langfuse, checks through it, and stops kubectl afterwards", async () => {
    const kubectl = fakeKubectl("forward");
    let baseUrl = "";
    const results = await withPortForward({ kubectl: kubectl.path }, (url) => {
      baseUrl = url;
      return verify(url);
    });
    expect(results.every((result) => result.ok)).toBe(true);
    const args = JSON.parse(readFileSync(kubectl.argsFile, "utf8")) as string[];
    const port = baseUrl.split(":").pop();
    expect(args).toEqual(["port-forward", "svc/langfuse-web", "-n", "langfuse", "--address", "127.0.0.1", `${port}:3000`]);
    const [afterwards] = await verify(baseUrl, { timeoutMs: 1000 });
    expect(afterwards.ok).toBe(false);
    expect(afterwards.problem).toMatch(/ECONNREFUSED/);
  });

  it("targets the web Service of the Langfuse release in the namespace the dev app stack deploys it to", () => {
    const app = synthesize(environment("dev")).app;
    const release = Object.values(resources(app, "helm_release")).find((each) => each.chart === "langfuse");
    const namespace = /^\$\{kubernetes_namespace_v1\.([^.]+)\.metadata\[0\]\.name\}$/.exec(release?.namespace)?.[1];
    expect(namespace, "the release is not in a namespace of the stack").toBeDefined();
    expect(resources(app, "kubernetes_namespace_v1")[namespace!].metadata.name).toBe(WEB_SERVICE_TARGET.namespace);
    // The chart names the web Service <release>-web and serves it on port 3000 unless values change it.
    expect(WEB_SERVICE_TARGET.service).toBe(`${release!.name}-web`);
    const values = releaseValues({ stack: "app", type: "helm_release", name: "langfuse", body: release! });
    expect(values, "the release's values cannot be read").toBeDefined();
    expect(valueAt(values!, "langfuse.web.service.port") ?? 3000).toBe(WEB_SERVICE_TARGET.port);
  });

  it("npm run verify -- --port-forward runs the checks through kubectl and exits 0", async () => {
    const kubectl = fakeKubectl("forward");
    const { code, stdout } = await command("--port-forward", "--kubectl", kubectl.path);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^port-forward: http:\/\/127\.0\.0\.1:\d+ → svc\/langfuse-web in namespace langfuse$/m);
    expect(stdout.match(/^PASS /gm)).toHaveLength(3);
    expect(stdout).toContain("all 3 checks passed");
  });

  it("throws when kubectl port-forward exits before forwarding, with kubectl's message", async () => {
    const kubectl = fakeKubectl("fail");
    await expect(withPortForward({ kubectl: kubectl.path }, verify)).rejects.toThrow('kubectl port-forward exited (1): error: services "langfuse-web" not found');
  });

  it("throws when kubectl is not installed", async () => {
    await expect(withPortForward({ kubectl: "/nonexistent/kubectl" }, verify)).rejects.toThrow("cannot run /nonexistent/kubectl: spawn /nonexistent/kubectl ENOENT");
  });
});
