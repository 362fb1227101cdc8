// The one percentile of the project: the run's figures, the report's plots and the
// benchmarks all read latencies the same way.

/**
 * The q-quantile (0 <= q <= 1) of ascending `sorted`: the value at rank floor(q·n),
 * the last one for q = 1 (no interpolation: a figure is always a measured value).
 * null when there is nothing to measure.
 */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
