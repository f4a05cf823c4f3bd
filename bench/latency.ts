/** Latency of measured calls, in milliseconds; absent until measured. */
export interface LatencyFigures {
  n?: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  meanMs?: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The figures of `times`, milliseconds in the order measured. */
export function latencyFigures(times: readonly number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    n: times.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1),
    meanMs: times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : undefined,
  };
}
