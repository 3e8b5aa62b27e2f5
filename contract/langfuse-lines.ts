/*
 * The two Langfuse major lines this project deploys, and the chart and app versions it pins for each. A pin is a
 * pair tested together: chart 2.0.0's values, templates and custom resources are what __tests__ check the v4
 * values against (data/chart-keys/langfuse-2.0.0.json), and 4.4.0 is the app version that chart was released with.
 * Newer releases exist (chart 2.0.1 = app 4.16.0, 2.0.2 = app 4.17.0); moving to one is a deliberate change of
 * `langfuse.chartVersion` and `langfuse.imageTag` together (docs/upgrading.md).
 */

/** A Langfuse major line. */
export type LangfuseLine = "v3" | "v4";

/** What this project pins for a line. */
export interface LinePin {
  /** langfuse-k8s chart version used when `langfuse.chartVersion` is null. */
  readonly chartVersion: string;
  /** Chart versions the line accepts (the values builder of the line is tested against this major.minor). */
  readonly chartVersionPattern: RegExp;
  /** App image tag pinned with the default chart, or undefined to run the chart's appVersion (v3, unchanged). */
  readonly appVersion?: string;
  /** App image tags the line accepts. */
  readonly appVersionPattern?: RegExp;
}

export const LANGFUSE_LINES: Readonly<Record<LangfuseLine, LinePin>> = {
  // The v3 line as deployed before v4 existed here: chart 1.5.41 with its appVersion (3.x). Security patches end January 2027.
  v3: { chartVersion: "1.5.41", chartVersionPattern: /^1\.5\.\d+$/ },
  v4: { chartVersion: "2.0.0", chartVersionPattern: /^2\.0\.\d+$/, appVersion: "4.4.0", appVersionPattern: /^4\.\d+\.\d+$/ },
};

/** The chart version and app image tag an environment's `langfuse` settings resolve to. */
export interface ResolvedRelease {
  readonly line: LangfuseLine;
  readonly chartVersion: string;
  /** Undefined on v3: the chart's appVersion runs. */
  readonly imageTag?: string;
}

/** Resolves null (the pinned default) into the versions the release runs. Validation has checked the values. */
export function resolveRelease(langfuse: { readonly line: LangfuseLine; readonly chartVersion: string | null; readonly imageTag: string | null }): ResolvedRelease {
  const pin = LANGFUSE_LINES[langfuse.line];
  const imageTag = langfuse.imageTag ?? (langfuse.chartVersion === null ? pin.appVersion : undefined);
  return { line: langfuse.line, chartVersion: langfuse.chartVersion ?? pin.chartVersion, ...(imageTag !== undefined && { imageTag }) };
}
