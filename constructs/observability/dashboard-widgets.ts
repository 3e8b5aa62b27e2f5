/*
 * A typed model of a CloudWatch dashboard body (the JSON of PutDashboard) and its rendering. Widgets are declared
 * as data and laid out on the dashboard's 24-column grid in declaration order, so the same input always renders
 * the same body: a plan shows no change unless a widget really changed. Values may be Terraform tokens (a cluster
 * name, an ALB suffix); they stay inside JSON strings and Terraform fills them in at apply time.
 */

/** One CloudWatch metric: namespace, name and the full set of dimensions it is published with. */
export interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension name → value, in the order they are rendered. A metric matches only with all of them. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** A metric drawn on a graph. */
export interface MetricLine {
  readonly metric: MetricRef;
  /** Statistic: Sum, Average, Maximum, Minimum, p50, p95 … */
  readonly stat: string;
  readonly label: string;
  /**
   * Id referenced by expressions of the same widget (lowercase first letter).
   * @default - none
   */
  readonly id?: string;
  /**
   * Draw the line; false keeps it only as an input of an expression.
   * @default true
   */
  readonly visible?: boolean;
}

/** A metric math expression over the lines of the same widget. */
export interface ExpressionLine {
  readonly id: string;
  readonly expression: string;
  readonly label: string;
}

export type GraphLine = MetricLine | ExpressionLine;

/** A horizontal line across a graph (a threshold, a limit). */
export interface Threshold {
  readonly label: string;
  readonly value: number;
}

export interface GraphSpec {
  readonly kind: "graph";
  readonly title: string;
  readonly lines: readonly GraphLine[];
  /**
   * Seconds per data point.
   * @default 300
   */
  readonly periodSeconds?: number;
  /** @default - none */
  readonly thresholds?: readonly Threshold[];
  /**
   * Label and lower bound of the left axis.
   * @default - CloudWatch's automatic axis
   */
  readonly axis?: { readonly label: string; readonly min?: number; readonly max?: number };
  /**
   * Grid columns (of 24).
   * @default 8
   */
  readonly width?: number;
}

/** The current state of some alarms. */
export interface AlarmStatusSpec {
  readonly kind: "alarms";
  readonly title: string;
  readonly alarmArns: readonly string[];
}

/** A full-width markdown heading of a section, one grid row per line. */
export interface HeadingSpec {
  readonly kind: "heading";
  readonly markdown: string;
}

export type WidgetSpec = GraphSpec | AlarmStatusSpec | HeadingSpec;

/** Rendered widget, as CloudWatch reads it. */
export interface DashboardWidget {
  readonly type: "metric" | "alarm" | "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface DashboardBody {
  readonly widgets: readonly DashboardWidget[];
}

export const GRID_COLUMNS = 24;
export const DEFAULT_PERIOD_SECONDS = 300;
const GRAPH_HEIGHT = 6;
const ALARMS_HEIGHT = 3;
const DEFAULT_GRAPH_WIDTH = 8;

const isExpression = (line: GraphLine): line is ExpressionLine => "expression" in line;

/** A metric in the dashboard's array form: namespace, name, dimension pairs, then the rendering options. */
function renderLine(line: GraphLine): unknown[] {
  if (isExpression(line)) return [{ expression: line.expression, label: line.label, id: line.id }];
  const { metric } = line;
  const dimensions = Object.entries(metric.dimensions).flat();
  const options: Record<string, unknown> = { stat: line.stat, label: line.label };
  if (line.id !== undefined) options.id = line.id;
  if (line.visible === false) options.visible = false;
  return [metric.namespace, metric.metricName, ...dimensions, options];
}

function graphProperties(spec: GraphSpec, region: string): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    title: spec.title,
    region,
    view: "timeSeries",
    stacked: false,
    period: spec.periodSeconds ?? DEFAULT_PERIOD_SECONDS,
    metrics: spec.lines.map(renderLine),
  };
  if (spec.thresholds?.length) properties.annotations = { horizontal: spec.thresholds.map((t) => ({ label: t.label, value: t.value })) };
  if (spec.axis) properties.yAxis = { left: { label: spec.axis.label, showUnits: false, min: spec.axis.min, max: spec.axis.max } };
  return properties;
}

function size(spec: WidgetSpec): { width: number; height: number } {
  switch (spec.kind) {
    case "heading":
      return { width: GRID_COLUMNS, height: spec.markdown.split("\n").length };
    case "alarms":
      return { width: GRID_COLUMNS, height: ALARMS_HEIGHT };
    case "graph":
      return { width: spec.width ?? DEFAULT_GRAPH_WIDTH, height: GRAPH_HEIGHT };
  }
}

function render(spec: WidgetSpec, region: string, x: number, y: number): DashboardWidget {
  const { width, height } = size(spec);
  switch (spec.kind) {
    case "heading":
      return { type: "text", x, y, width, height, properties: { markdown: spec.markdown } };
    case "alarms":
      return { type: "alarm", x, y, width, height, properties: { title: spec.title, alarms: [...spec.alarmArns] } };
    case "graph":
      return { type: "metric", x, y, width, height, properties: graphProperties(spec, region) };
  }
}

/**
 * Places widgets left to right, wrapping to a new row when one does not fit; a heading always starts a row.
 * Throws on a graph wider than the grid, which CloudWatch would reject at apply time.
 */
export function layoutDashboard(specs: readonly WidgetSpec[], region: string): DashboardBody {
  const widgets: DashboardWidget[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const spec of specs) {
    const { width, height } = size(spec);
    if (width < 1 || width > GRID_COLUMNS) throw new Error(`widget '${"title" in spec ? spec.title : spec.kind}' is ${width} columns wide; use 1 to ${GRID_COLUMNS}`);
    if (x > 0 && (x + width > GRID_COLUMNS || spec.kind === "heading")) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    widgets.push(render(spec, region, x, y));
    x += width;
    rowHeight = Math.max(rowHeight, height);
  }
  return { widgets };
}

/** The dashboard body as CloudWatch's PutDashboard takes it. */
export function renderDashboardBody(specs: readonly WidgetSpec[], region: string): string {
  return JSON.stringify(layoutDashboard(specs, region));
}
