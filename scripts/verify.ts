import { parseArgs } from "node:util";
import { formatResult, verify, type CheckResult } from "./verify/checks";
import { WEB_SERVICE_TARGET, withPortForward } from "./verify/port-forward";

/*
 * npm run verify -- <url>                  e.g. https://langfuse.example.com
 * npm run verify -- --port-forward         dev: through kubectl port-forward svc/langfuse-web -n langfuse
 * Options: --timeout <ms> (per request, default 10000), --namespace, --service, --local-port, --kubectl.
 * Exits 1 when any check fails, 2 on a usage error.
 */

const USAGE = "usage: npm run verify -- <url> | --port-forward [--namespace langfuse] [--service langfuse-web] [--local-port <port>] [--kubectl <path>] [--timeout <ms>]";

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return parsed;
}

class UsageError extends Error {}

async function main(args: string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "port-forward": { type: "boolean", default: false },
      namespace: { type: "string" },
      service: { type: "string" },
      "local-port": { type: "string" },
      kubectl: { type: "string" },
      timeout: { type: "string" },
    },
  });
  const timeoutMs = positiveInteger("timeout", values.timeout);
  const portForward = values["port-forward"] ?? false;
  if (portForward === (positionals.length > 0) || positionals.length > 1) throw new UsageError("give either one URL or --port-forward");
  let results: CheckResult[];
  if (portForward) {
    const options = { namespace: values.namespace, service: values.service, kubectl: values.kubectl, localPort: positiveInteger("local-port", values["local-port"]) };
    results = await withPortForward(options, (baseUrl) => {
      print(`port-forward: ${baseUrl} → svc/${options.service ?? WEB_SERVICE_TARGET.service} in namespace ${options.namespace ?? WEB_SERVICE_TARGET.namespace}`);
      return verify(baseUrl, { timeoutMs });
    });
  } else {
    if (!/^https?:\/\//.test(positionals[0])) throw new UsageError(`'${positionals[0]}' is not an http(s) URL`);
    results = await verify(positionals[0], { timeoutMs });
  }
  results.forEach((result) => print(formatResult(result)));
  const failed = results.filter((result) => !result.ok).length;
  print(failed === 0 ? `all ${results.length} checks passed` : `${failed} of ${results.length} checks failed`);
  return failed === 0 ? 0 : 1;
}

/**
 * The command with `args`: prints its lines through `print` (stdout) and `printError` (stderr) and resolves to its exit
 * status: 0 when every check passes, 1 when one fails or the checks cannot run, 2 on a usage error.
 */
export function verifyCommand(args: string[], print: (line: string) => void, printError: (line: string) => void): Promise<number> {
  return main(args, print).catch((error: unknown) => {
    const usage = error instanceof UsageError || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"));
    printError(usage ? `${(error as Error).message}\n${USAGE}` : `verify failed: ${error instanceof Error ? error.message : String(error)}`);
    return usage ? 2 : 1;
  });
}

if (require.main === module) {
  void verifyCommand(process.argv.slice(2), console.log, console.error).then((code) => process.exit(code));
}
