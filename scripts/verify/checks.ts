/*
 * The post-deploy checks: Langfuse's public health and readiness endpoints. `health` says the web container
 * serves requests, `failIfDatabaseUnavailable=true` adds a PostgreSQL round trip, `ready` is what the chart's
 * readiness probe asks (it fails while the container shuts down).
 */

export interface Check {
  readonly name: string;
  /** Path and query appended to the base URL. */
  readonly path: string;
}

export const CHECKS: readonly Check[] = [
  { name: "health", path: "/api/public/health" },
  { name: "health+database", path: "/api/public/health?failIfDatabaseUnavailable=true" },
  { name: "ready", path: "/api/public/ready" },
];

export interface CheckResult {
  readonly check: Check;
  readonly url: string;
  readonly ok: boolean;
  /** HTTP status; undefined when no response arrived. */
  readonly status: number | undefined;
  readonly latencyMs: number;
  /** The Langfuse version the endpoint reports, when it does. */
  readonly version: string | undefined;
  /** Why it failed: a body excerpt, the timeout or the network error. */
  readonly problem: string | undefined;
}

export interface VerifyOptions {
  /** Time allowed per request. @default 10000 */
  readonly timeoutMs?: number;
}

const EXCERPT_LENGTH = 200;

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH)}…` : flat || "(empty body)";
}

function parseStatus(body: string): { status?: unknown; version?: unknown } {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** Joins a base URL ("https://host", "https://host/prefix/") and a check path. */
export function checkUrl(baseUrl: string, check: Check): string {
  return `${baseUrl.replace(/\/+$/, "")}${check.path}`;
}

export async function runCheck(baseUrl: string, check: Check, options: VerifyOptions = {}): Promise<CheckResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const url = checkUrl(baseUrl, check);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    const body = await response.text();
    const latencyMs = elapsed();
    const { status, version } = parseStatus(body);
    // Langfuse answers {"status":"OK","version":"3.x"}; a 200 with another status is a proxy's page, not Langfuse.
    const ok = response.status === 200 && status === "OK";
    return {
      check,
      url,
      ok,
      status: response.status,
      latencyMs,
      version: typeof version === "string" ? version : undefined,
      problem: ok ? undefined : `body: ${excerpt(body)}`,
    };
  } catch (error) {
    const latencyMs = elapsed();
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    const problem = timedOut ? `timed out after ${timeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`;
    return { check, url, ok: false, status: undefined, latencyMs, version: undefined, problem };
  }
}

/** Runs every check one after the other (a cold pod should not see three requests at once). */
export async function verify(baseUrl: string, options: VerifyOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of CHECKS) results.push(await runCheck(baseUrl, check, options));
  return results;
}

/** One line per check: PASS/FAIL, name, status, latency, URL, then the version or the problem. */
export function formatResult(result: CheckResult): string {
  const verdict = result.ok ? "PASS" : "FAIL";
  const status = result.status === undefined ? "---" : String(result.status);
  const tail = result.ok ? (result.version ? `version ${result.version}` : "") : (result.problem ?? "");
  return `${verdict}  ${result.check.name.padEnd(16)} ${status}  ${`${result.latencyMs} ms`.padStart(8)}  ${result.url}  ${tail}`.trimEnd();
}
