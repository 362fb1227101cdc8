// faults.ndjson: every injection and every heal, with times, written as it happens.
// A fault injected and never healed in this file is still in force: `gameday heal`
// (and the next `gameday run`) read it to undo what a crashed harness left behind.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface FaultRecord {
  readonly time: number;
  readonly event: 'inject' | 'heal';
  readonly id: string;
  readonly kind: string;
  readonly nodes: readonly string[];
  /** A `leader-of:` fault: the replication group whose leader it hit (the node is in `nodes`). */
  readonly group?: string;
  /** How long the action itself took (e.g. SIGKILL until the process was gone). */
  readonly tookMs?: number;
  /** Why a heal happened: scheduled, end-of-chaos, interrupted, failure, after-crash. */
  readonly reason?: string;
  readonly error?: string;
}

export class FaultJournal {
  private readonly listeners: ((r: FaultRecord) => void)[] = [];

  constructor(
    readonly path: string,
    private readonly clock: () => number,
  ) {}

  /** Called after each record is written (e.g. the run's metrics). */
  onWrite(fn: (r: FaultRecord) => void): void {
    this.listeners.push(fn);
  }

  write(r: Omit<FaultRecord, 'time'>): FaultRecord {
    const rec = { time: Math.round(this.clock() * 1000) / 1000, ...r };
    appendFileSync(this.path, JSON.stringify(rec) + '\n');
    for (const fn of this.listeners) fn(rec);
    return rec;
  }
}

export function readFaults(path: string): FaultRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as FaultRecord];
      } catch {
        return [];
      }
    });
}

/** Faults injected and not yet healed, in injection order. */
export function inForce(records: readonly FaultRecord[]): FaultRecord[] {
  const open = new Map<string, FaultRecord>();
  for (const r of records) {
    if (r.event === 'inject') open.set(r.id, r);
    else open.delete(r.id);
  }
  return [...open.values()];
}
