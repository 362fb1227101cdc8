// The runs folder's index (`<runs folder>/index.ndjson`): one line per game day, added
// when a run ends, so that one game day can be put beside the ones before it
// (`gameday history`). A line holds what a person compares across runs: when, which
// experiment and seed, the verdict and each check's, availability per AZ during chaos,
// time to first error and to alarm, lost writes. The run folder stays the evidence.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RunResult } from './result.ts';

export const INDEX_FILE = 'index.ndjson';

export interface IndexEntry {
  readonly runId: string;
  /** The run folder's name inside the runs folder. */
  readonly folder: string;
  readonly startedAt: string;
  readonly experiment: string;
  readonly title: string;
  readonly seed: number;
  readonly provider: string;
  readonly target: string;
  readonly verdict: string;
  readonly checks: Readonly<Record<string, string>>;
  /** Served / requests during chaos, per AZ (all its endpoints together). */
  readonly chaosAvailability: Readonly<Record<string, number>>;
  readonly faults: number;
  readonly medianFirstErrorAfterMs: number | null;
  readonly medianAlarmAfterMs: number | null;
  readonly lostWrites: number;
}

interface AvailabilityRow {
  readonly az: string;
  readonly phase: string;
  readonly requests: number;
  readonly served: number;
}

/** What the index keeps of a run. */
export function indexEntry(r: RunResult): IndexEntry {
  const checks = Object.fromEntries(r.checks.map((c) => [c.name, c.verdict]));
  const rows = ((r.checks.find((c) => c.name === 'availability')?.['table'] ?? []) as AvailabilityRow[]).filter((x) => x.phase === 'chaos');
  const byAz = new Map<string, { requests: number; served: number }>();
  for (const x of rows) {
    const a = byAz.get(x.az) ?? { requests: 0, served: 0 };
    byAz.set(x.az, { requests: a.requests + x.requests, served: a.served + x.served });
  }
  const lost = r.checks.find((c) => c.name === 'lost-writes');
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    runId: r.runId,
    folder: basename(r.runDir),
    startedAt: r.startedAt,
    experiment: r.experiment.file,
    title: r.experiment.title,
    seed: r.seed,
    provider: r.provider,
    target: r.target.name,
    verdict: r.verdict,
    checks,
    chaosAvailability: Object.fromEntries([...byAz].map(([az, a]) => [az, a.requests ? Math.round((a.served / a.requests) * 10_000) / 10_000 : 1])),
    faults: r.faults.length,
    medianFirstErrorAfterMs: num(r.figures['medianFirstErrorAfterMs']),
    medianAlarmAfterMs: num(r.figures['medianAlarmAfterMs']),
    lostWrites: num(lost?.['lostAcknowledgedCount']) ?? (Array.isArray(lost?.['lost']) ? (lost['lost'] as unknown[]).length : 0),
  };
}

/** Adds the run to its runs folder's index (the folder its run folder sits in). */
export function addToIndex(r: RunResult): string {
  const file = join(dirname(r.runDir), INDEX_FILE);
  appendFileSync(file, JSON.stringify(indexEntry(r)) + '\n');
  return file;
}

/** The index of a runs folder, oldest first; lines that do not parse are skipped and counted. */
export function readIndex(runsDir: string): { entries: IndexEntry[]; unreadable: number } {
  const file = join(runsDir, INDEX_FILE);
  if (!existsSync(file)) return { entries: [], unreadable: 0 };
  let unreadable = 0;
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as IndexEntry];
      } catch {
        unreadable++;
        return [];
      }
    });
  entries.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { entries, unreadable };
}
