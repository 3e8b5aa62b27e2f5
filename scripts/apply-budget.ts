import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { APPLY_WAIT_BUDGET_SECONDS } from "../contract/apply-budget";
import { formatWaitPath, longestWaitPath } from "./apply-budget/wait-path";

/*
 * npm run apply-budget -- [--env dev|prod] [--dir synth/<env>]
 * Prints the longest chain of bounded waits of one app apply, read from the synthesized app stack (by default the
 * committed synth/<env>, what Terraform Cloud runs), and exits 1 when it exceeds the budget (docs/app.md).
 */

const USAGE = "usage: npm run apply-budget -- [--env <environment>] [--dir <synth/<environment>>]";

function main(): void {
  const { values } = parseArgs({ options: { env: { type: "string", default: "dev" }, dir: { type: "string" } } });
  const dir = values.dir ?? join("synth", values.env ?? "dev");
  const file = join(dir, "stacks", "app", "cdk.tf.json");
  if (!existsSync(file)) {
    console.error(`${file} not found: run npm run synth:all first, or give --dir. ${USAGE}`);
    process.exit(2);
  }
  const path = longestWaitPath(JSON.parse(readFileSync(file, "utf8")));
  console.log(`Longest chain of waits of an app apply (${dir}), budget ${APPLY_WAIT_BUDGET_SECONDS} s:`);
  console.log(formatWaitPath(path));
  if (path.totalSeconds > APPLY_WAIT_BUDGET_SECONDS) {
    console.error(`over budget by ${path.totalSeconds - APPLY_WAIT_BUDGET_SECONDS} s: bound or parallelize a step (contract/apply-budget.ts)`);
    process.exit(1);
  }
}

main();
