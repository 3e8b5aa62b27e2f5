import { describe, expect, it } from "vitest";
import { fitLine } from "../bench/least-squares";

describe("the growth fit of the cleanup benchmark (bench/least-squares.ts)", () => {
  it("recovers the slope and intercept of points on a line, and extrapolates along it", () => {
    const line = fitLine([0.15, 0.6, 2.4], [2 + 3 * 0.15, 2 + 3 * 0.6, 2 + 3 * 2.4]);
    expect(line.slope).toBeCloseTo(3, 10);
    expect(line.intercept).toBeCloseTo(2, 10);
    expect(line.at(200)).toBeCloseTo(602, 8);
  });

  it("gives the least-squares line through scattered points", () => {
    // Points (0,1), (1,2), (2,2): slope 0.5, intercept 7/6.
    const line = fitLine([0, 1, 2], [1, 2, 2]);
    expect(line.slope).toBeCloseTo(0.5, 10);
    expect(line.intercept).toBeCloseTo(7 / 6, 10);
  });

  it("refuses fewer than two distinct sizes, or a y per x missing", () => {
    expect(() => fitLine([1, 1], [2, 3])).toThrow("'x' (2 values, 1 distinct) needs at least two distinct values, one per y");
    expect(() => fitLine([1, 2], [2])).toThrow(/needs at least two distinct values, one per y/);
  });
});
