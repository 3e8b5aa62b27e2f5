import type { CostLine, Estimate } from "./estimate";

/* The estimate as plain text: one block per stack, the total against the goal, then what is not in the total. */

const money = (usd: number) => usd.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const ITEM_WIDTH = 64;
const AMOUNT_WIDTH = 10;

function row(label: string, amount: string, detail = ""): string {
  const item = label.length > ITEM_WIDTH ? `${label.slice(0, ITEM_WIDTH - 1)}…` : label;
  return `  ${item.padEnd(ITEM_WIDTH)} ${amount.padStart(AMOUNT_WIDTH)}  ${detail}`.trimEnd();
}

/** Identical lines (three NAT gateways, five secrets) become one line with a count. */
function grouped(lines: readonly CostLine[]): { item: string; detail: string; monthlyUsd: number }[] {
  const groups = new Map<string, { line: CostLine; count: number }>();
  for (const line of lines) {
    const key = `${line.item}\u0000${line.detail}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { line, count: 1 });
  }
  return [...groups.values()].map(({ line, count }) =>
    count === 1 ? line : { item: `${line.item} (× ${count})`, detail: `${count} × ${line.detail}`, monthlyUsd: count * line.monthlyUsd },
  );
}

function stackBlock(stack: string, lines: readonly CostLine[]): string[] {
  if (lines.length === 0) return [];
  const sorted = grouped(lines).sort((a, b) => b.monthlyUsd - a.monthlyUsd || a.item.localeCompare(b.item));
  const subtotal = lines.reduce((sum, line) => sum + line.monthlyUsd, 0);
  return [stack, ...sorted.map((line) => row(line.item, money(line.monthlyUsd), line.detail)), row("subtotal", money(subtotal)), ""];
}

function goalLine(estimate: Estimate): string[] {
  if (!estimate.goal) return [];
  const { usdPerMonth, baseline } = estimate.goal;
  const difference = usdPerMonth - estimate.totalUsd;
  const verdict = difference > 0 ? `met, $${money(difference)} under` : `NOT met, $${money(-difference)} over`;
  return [`Goal: below $${money(usdPerMonth)}/month (${baseline}): ${verdict}`];
}

/** "aws_iam_role 9, aws_route 5, …" wrapped to the report's width: every zero-cost type is named, none hidden. */
function freeTypeLines(freeByType: Readonly<Record<string, number>>): string[] {
  const lines: string[] = [];
  let current = "";
  for (const [type, count] of Object.entries(freeByType)) {
    const entry = `${type} ${count}`;
    if (current && current.length + entry.length + 2 > ITEM_WIDTH + AMOUNT_WIDTH + 30) {
      lines.push(`  ${current},`);
      current = entry;
    } else current = current ? `${current}, ${entry}` : entry;
  }
  return current ? [...lines, `  ${current}`] : lines;
}

/** The total with every node group at the nodes the capacity model needs at maximum replicas. */
function maxScaleLines(estimate: Estimate, atMax: Estimate | undefined): string[] {
  if (!atMax) return [];
  const nodeLines = atMax.lines.filter((line) => line.item.startsWith("node group "));
  const groups = nodeLines.map((line) => `${line.item.replace("node group ", "")}: ${line.detail.split(" × ").slice(0, 2).join(" × ")}`);
  return [
    row("TOTAL per month at max scale", `$${money(atMax.totalUsd)}`, `+$${money(atMax.totalUsd - estimate.totalUsd)}`),
    `  (web and worker at maxReplicas, nodes as the capacity model needs them: ${groups.join("; ")})`,
  ];
}

/** The report; `atMax` is the same environment priced at maximum scale (npm run cost passes it). */
export function formatReport(estimate: Estimate, atMax?: Estimate): string {
  const out: string[] = [
    `Monthly cost estimate for environment '${estimate.environment}' (USD, list prices as of ${estimate.pricesAsOf})`,
    "",
    ...estimate.stacks.flatMap((stack) => stackBlock(stack, estimate.lines.filter((line) => line.stack === stack))),
    row("TOTAL per month", `$${money(estimate.totalUsd)}`),
    ...goalLine(estimate),
    ...maxScaleLines(estimate, atMax),
    "",
  ];
  if (estimate.warnings.length > 0) out.push("Warnings:", ...estimate.warnings.map((warning) => `  ! ${warning}`), "");
  if (estimate.unpriced.length === 0) {
    out.push("Unpriced: none (every resource is priced above or costs nothing by itself).");
  } else {
    out.push(`Unpriced (${estimate.unpriced.length}, NOT in the total):`, ...estimate.unpriced.map((u) => `  ${u.stack}: ${u.address}: ${u.reason}`));
  }
  out.push(`Free (configuration only, no charge of their own): ${estimate.freeResources} resources`, ...freeTypeLines(estimate.freeByType), "");
  out.push("Assumptions:", ...estimate.assumptions.map((assumption) => `  - ${assumption}`), "");
  out.push("Prices:", ...estimate.priceSources.map((source) => `  - ${source}`));
  return `${out.join("\n")}\n`;
}
