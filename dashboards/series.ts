// Time series for the report's plots, bucketed from the history: canary throughput
// and error rate per AZ, latency p50 / p99 over all canaries, and per AZ the
// availability of each endpoint its canaries call and its own latency.

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
  /** Per AZ: the availability of each endpoint its canaries call, and latency p50 / p99 of its served requests, per bucket. */
  readonly perAz: ReadonlyMap<string, AzSeries>;
}

export interface AzSeries {
  /** endpoint -> served / requests per bucket (null: no requests in it). */
  readonly availability: ReadonlyMap<string, readonly (number | null)[]>;
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
  if (comps.length === 0)
    return {
      bucketMs: bucketMs ?? 1000,
      startMs: 0,
      endMs: 0,
      times: [],
      azs,
      throughput: new Map(),
      errorRate: new Map(),
      p50: [],
      p99: [],
      perAz: new Map(),
    };
  const size = bucketMs ?? bucketSize(endMs - startMs);
  const first = Math.floor(startMs / size) * size;
  // a last bucket cut short by the end of the traffic would read as a drop: leave it out
  const n = Math.max(1, Math.floor((endMs - first) / size));
  const times = Array.from({ length: n }, (_, i) => first + i * size);
  const reqs = new Map(azs.map((a) => [a, new Array<number>(n).fill(0)]));
  const errs = new Map(azs.map((a) => [a, new Array<number>(n).fill(0)]));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const azLat = new Map(azs.map((a) => [a, Array.from({ length: n }, (): number[] => [])]));
  // per AZ, per endpoint: [requests, served] per bucket
  const pair = new Map<string, Map<string, { req: number[]; ok: number[] }>>(azs.map((a) => [a, new Map()]));
  for (const o of comps) {
    const i = Math.floor((o.time - first) / size);
    if (i >= n) continue;
    const az = o.az as string;
    const r = reqs.get(az) as number[];
    r[i] = (r[i] ?? 0) + 1;
    const eps = pair.get(az) as Map<string, { req: number[]; ok: number[] }>;
    const ep = o.endpoint ?? '(no endpoint)';
    let c = eps.get(ep);
    if (!c) eps.set(ep, (c = { req: new Array<number>(n).fill(0), ok: new Array<number>(n).fill(0) }));
    c.req[i] = (c.req[i] ?? 0) + 1;
    if (!isServed(o)) {
      const e = errs.get(az) as number[];
      e[i] = (e[i] ?? 0) + 1;
    } else {
      c.ok[i] = (c.ok[i] ?? 0) + 1;
      if (o.latencyMs !== undefined) {
        lat[i]?.push(o.latencyMs);
        azLat.get(az)?.[i]?.push(o.latencyMs);
      }
    }
  }
  const throughput = new Map(azs.map((a) => [a, (reqs.get(a) as number[]).map((c) => (c * 1000) / size)]));
  const errorRate = new Map(azs.map((a) => [a, (reqs.get(a) as number[]).map((c, i) => (c === 0 ? null : ((errs.get(a) as number[])[i] ?? 0) / c))]));
  const sorted = lat.map((l) => l.sort((x, y) => x - y));
  const perAz = new Map(
    azs.map((a): [string, AzSeries] => {
      const eps = [...(pair.get(a) as Map<string, { req: number[]; ok: number[] }>)].sort(([x], [y]) => x.localeCompare(y));
      const ls = (azLat.get(a) as number[][]).map((l) => l.sort((x, y) => x - y));
      return [
        a,
        {
          availability: new Map(eps.map(([ep, c]) => [ep, c.req.map((q, i) => (q === 0 ? null : (c.ok[i] ?? 0) / q))])),
          p50: ls.map((l) => quantile(l, 0.5)),
          p99: ls.map((l) => quantile(l, 0.99)),
        },
      ];
    }),
  );
  return {
    bucketMs: size,
    startMs,
    endMs,
    times,
    azs,
    throughput,
    errorRate,
    p50: sorted.map((l) => quantile(l, 0.5)),
    p99: sorted.map((l) => quantile(l, 0.99)),
    perAz,
  };
}
