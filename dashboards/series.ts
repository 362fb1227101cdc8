// Time series for the report's plots, bucketed from the history: canary throughput
// and error rate per AZ, and latency p50 / p99 over all canaries.

import { isServed, type Op } from '../harness/history/op.ts';
import { quantile } from '../harness/stats/quantile.ts';

export interface Bucketed {
  readonly bucketMs: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Bucket start times, ms since the run start. */
  readonly times: readonly number[];
  readonly azs: readonly string[];
  /** Per AZ, per bucket: requests per second, and the share of them that were errors (null: no requests). */
  readonly throughput: ReadonlyMap<string, readonly number[]>;
  readonly errorRate: ReadonlyMap<string, readonly (number | null)[]>;
  readonly p50: readonly (number | null)[];
  readonly p99: readonly (number | null)[];
}

/** A round bucket size giving about `target` buckets over `spanMs`. */
export function bucketSize(spanMs: number, target = 120): number {
  const steps = [250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000];
  return steps.find((s) => spanMs / s <= target) ?? 600_000;
}

export function bucketHistory(history: readonly Op[], bucketMs?: number): Bucketed {
  const comps = history.filter((o) => o.type !== 'invoke' && !o.final && o.az !== undefined);
  const startMs = comps.reduce((m, o) => Math.min(m, o.time), Infinity);
  const endMs = comps.reduce((m, o) => Math.max(m, o.time), -Infinity);
  const azs = [...new Set(comps.map((o) => o.az as string))].sort();
  if (comps.length === 0) return { bucketMs: bucketMs ?? 1000, startMs: 0, endMs: 0, times: [], azs, throughput: new Map(), errorRate: new Map(), p50: [], p99: [] };
  const size = bucketMs ?? bucketSize(endMs - startMs);
  const first = Math.floor(startMs / size) * size;
  // a last bucket cut short by the end of the traffic would read as a drop: leave it out
  const n = Math.max(1, Math.floor((endMs - first) / size));
  const times = Array.from({ length: n }, (_, i) => first + i * size);
  const reqs = new Map(azs.map((a) => [a, new Array<number>(n).fill(0)]));
  const errs = new Map(azs.map((a) => [a, new Array<number>(n).fill(0)]));
  const lat: number[][] = Array.from({ length: n }, () => []);
  for (const o of comps) {
    const i = Math.floor((o.time - first) / size);
    if (i >= n) continue;
    const r = reqs.get(o.az as string) as number[];
    r[i] = (r[i] ?? 0) + 1;
    if (!isServed(o)) {
      const e = errs.get(o.az as string) as number[];
      e[i] = (e[i] ?? 0) + 1;
    } else if (o.latencyMs !== undefined) lat[i]?.push(o.latencyMs);
  }
  const throughput = new Map(azs.map((a) => [a, (reqs.get(a) as number[]).map((c) => (c * 1000) / size)]));
  const errorRate = new Map(azs.map((a) => [a, (reqs.get(a) as number[]).map((c, i) => (c === 0 ? null : ((errs.get(a) as number[])[i] ?? 0) / c))]));
  const sorted = lat.map((l) => l.sort((x, y) => x - y));
  return { bucketMs: size, startMs, endMs, times, azs, throughput, errorRate, p50: sorted.map((l) => quantile(l, 0.5)), p99: sorted.map((l) => quantile(l, 0.99)) };
}
