/** A straight line y = intercept + slope × x. */
export interface Line {
  readonly intercept: number;
  readonly slope: number;
  /** y at `x`. */
  at(x: number): number;
}

/** The least-squares line through the points (x[i], y[i]); needs two distinct x values at least. */
export function fitLine(x: readonly number[], y: readonly number[]): Line {
  if (x.length !== y.length || new Set(x).size < 2) throw new Error(`'x' (${x.length} values, ${new Set(x).size} distinct) needs at least two distinct values, one per y`);
  const n = x.length;
  const meanX = x.reduce((a, b) => a + b, 0) / n;
  const meanY = y.reduce((a, b) => a + b, 0) / n;
  const covariance = x.reduce((sum, xi, i) => sum + (xi - meanX) * (y[i] - meanY), 0);
  const variance = x.reduce((sum, xi) => sum + (xi - meanX) ** 2, 0);
  const slope = covariance / variance;
  const intercept = meanY - slope * meanX;
  return { intercept, slope, at: (value) => intercept + slope * value };
}
