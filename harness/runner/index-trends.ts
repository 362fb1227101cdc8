// How the game days of a runs folder trend, from its index: the pass rate, and per
// experiment the median time to alarm of its earlier runs against its later ones.
// `gameday history` prints it; the index page (`gameday report --index`) shows it.

import type { IndexEntry } from './index.ts';

export interface ExperimentTrend {
  readonly experiment: string;
  readonly runs: number;
  readonly passed: number;
  /** The first half of its runs (oldest first) and the rest; null medians: no alarm timed. */
  readonly earlier: { readonly runs: number; readonly medianAlarmAfterMs: number | null };
  readonly later: { readonly runs: number; readonly medianAlarmAfterMs: number | null };
}

export interface Trends {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly undecided: number;
  readonly experiments: readonly ExperimentTrend[];
}

export const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
};

const alarmMedian = (xs: readonly IndexEntry[]): number | null => median(xs.map((e) => e.medianAlarmAfterMs).filter((v): v is number => v !== null));

/** `entries` oldest first, as readIndex gives them. */
export function indexTrends(entries: readonly IndexEntry[]): Trends {
  const experiments = [...new Set(entries.map((e) => e.experiment))].map((experiment): ExperimentTrend => {
    const runs = entries.filter((e) => e.experiment === experiment);
    const half = Math.floor(runs.length / 2);
    return {
      experiment,
      runs: runs.length,
      passed: runs.filter((e) => e.verdict === 'pass').length,
      earlier: { runs: half, medianAlarmAfterMs: alarmMedian(runs.slice(0, half)) },
      later: { runs: runs.length - half, medianAlarmAfterMs: alarmMedian(runs.slice(half)) },
    };
  });
  return {
    total: entries.length,
    passed: entries.filter((e) => e.verdict === 'pass').length,
    failed: entries.filter((e) => e.verdict === 'fail').length,
    undecided: entries.filter((e) => e.verdict === 'unknown').length,
    experiments,
  };
}
