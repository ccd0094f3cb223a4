/** Small statistics helpers for the benchmark (pure). */

/** The `p`-th percentile (0–100) of `values`, linear interpolation between ranks; `NaN` when empty. */
export function percentile(values: readonly number[], p: number): number {
  const xs = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  if (xs.length === 1) return xs[0]!;
  const rank = (p / 100) * (xs.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (rank - lo);
}

/** The median of `values` (finite ones only); `NaN` when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** `a / b`, `NaN` when either is not a finite number or `b` is 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}
