// One chart per AZ, as its canaries saw the cluster: the availability of each endpoint
// they call and the latency of their served requests, bucket by bucket, with every
// fault of faults.ndjson shaded and labelled where it was in force.

import { faultWindows } from '../harness/alarms/review.ts';
import type { FaultRecord } from '../harness/faults/journal.ts';
import { dur, esc, pct, section } from './html.ts';
import type { Bucketed } from './series.ts';
import { PALETTE, lineChart, type Band } from './svg.ts';

/** The faults of faults.ndjson as bands: one per injection that took (a failed one is listed in the timeline), from its start to its heal or the end of the plot. */
export function faultBands(faults: readonly FaultRecord[], x1: number): Band[] {
  return faultWindows(faults).map((f) => {
    const nodes = f.nodes.join(', ');
    const short = nodes.length > 28 ? `${nodes.slice(0, 26)}…` : nodes;
    return {
      from: f.injectedAtMs,
      to: f.healedAtMs ?? x1,
      id: f.id,
      label: `${f.id} ${f.kind}${short ? ` ${short}` : ''}`,
      title: `${f.id} ${f.kind} ${nodes}: injected +${(f.injectedAtMs / 1000).toFixed(1)}s, ${f.healedAtMs === null ? 'never healed' : `healed +${(f.healedAtMs / 1000).toFixed(1)}s`}`,
    };
  });
}

export function perAzSection(b: Bucketed, bands: readonly Band[], markers: readonly { at: number; label: string }[], x1: number): string {
  if (b.azs.length === 0) return section('per-az', 'Per AZ: availability and latency over time', '<p>No canary traffic in history.ndjson.</p>');
  const pts = (ys: readonly (number | null)[]): [number, number | null][] => ys.map((y, i) => [(b.times[i] ?? 0) + b.bucketMs / 2, y]);
  const figs = b.azs.map((az) => {
    const s = b.perAz.get(az);
    if (!s) return '';
    const eps = [...s.availability];
    const avail = lineChart(
      eps.map(([ep, ys], i) => ({ name: `→ ${ep}`, color: PALETTE[i % PALETTE.length] as string, points: pts(ys) })),
      {
        x0: 0,
        x1,
        yMax: 1,
        yLabel: 'availability',
        yFormat: (y) => pct(y, 0),
        bands,
        markers,
        height: 200,
        title: `${az}: availability per endpoint`,
      },
    );
    const lat = lineChart(
      [
        { name: 'p50', color: PALETTE[0] as string, points: pts(s.p50) },
        { name: 'p99', color: PALETTE[4] as string, points: pts(s.p99) },
      ],
      {
        x0: 0,
        x1,
        yLabel: 'latency ms',
        bands,
        markers,
        height: 160,
        title: `${az}: latency of served requests`,
      },
    );
    return `<figure class="az-chart" data-az="${esc(az)}"><h3>${esc(az)}</h3>${avail}${lat}<figcaption>canaries in ${esc(az)}: served / requests per endpoint they call, and p50 / p99 latency (from the scheduled start) of their served requests; buckets of ${esc(dur(b.bucketMs))}; shaded: faults in force (faults.ndjson)</figcaption></figure>`;
  });
  return section('per-az', 'Per AZ: availability and latency over time', figs.join('\n'));
}
