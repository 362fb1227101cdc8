// Reads a run folder written by `gameday run` into one value. The report and the
// on-call review are built from these files alone: result.json and history.ndjson
// are required; faults, alarms, experiment and plan are read when present.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorRateRule } from '../alarms/error-rate.ts';
import type { AlarmRule } from '../alarms/rules.ts';
import type { AlarmChange } from '../alarms/scoped.ts';
import type { AlarmSpec, Experiment } from '../experiment/schema.ts';
import { readFaults, type FaultRecord } from '../faults/journal.ts';
import type { Op } from '../history/op.ts';
import { HistoryFormatError } from '../history/read-error.ts';
import { readGameday } from '../history/read-gameday.ts';
import type { RunResult } from './result.ts';

/** A run folder that cannot be read: names the file and what to do about it. */
export class RunFolderError extends Error {
  override readonly name = 'RunFolderError';
  constructor(
    message: string,
    readonly path: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export interface RunFolder {
  readonly dir: string;
  readonly result: RunResult | undefined;
  readonly experiment: { file?: string; seed?: number; experiment?: Experiment } | undefined;
  readonly history: readonly Op[];
  readonly faults: readonly FaultRecord[];
  readonly alarms: readonly AlarmChange[];
}

export type Need = 'result' | 'experiment';

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new RunFolderError(`not valid JSON (${(err as Error).message})`, path, 'the file is damaged; run the game day again');
  }
}

function readNdjson<T>(path: string): T[] {
  const out: T[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((l, i) => {
      if (l.trim() === '') return;
      try {
        out.push(JSON.parse(l) as T);
      } catch (err) {
        throw new RunFolderError(`line ${i + 1} is not JSON (${(err as Error).message})`, path, 'the file is damaged; run the game day again');
      }
    });
  return out;
}

/** Loads a run folder; `needs` names the files that must be there besides history.ndjson. */
export function loadRunFolder(dir: string, needs: readonly Need[]): RunFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new RunFolderError('no such run folder', dir, 'give a folder written by `gameday run` (its --out, or runs/<id>)');
  const file = (name: string, required: boolean): string | undefined => {
    const p = join(dir, name);
    if (existsSync(p)) return p;
    if (required) throw new RunFolderError(`the run folder holds no ${name}`, p, 'give a folder written by `gameday run`');
    return undefined;
  };
  const hp = file('history.ndjson', true) as string;
  let history: Op[];
  try {
    history = readGameday(hp);
  } catch (err) {
    if (err instanceof HistoryFormatError) throw new RunFolderError(err.message, `${err.file}:${err.line}`, 'the history is damaged; run the game day again');
    throw err;
  }
  const rp = file('result.json', needs.includes('result'));
  const ep = file('experiment.json', needs.includes('experiment'));
  const result = rp ? readJson<RunResult>(rp) : undefined;
  const experiment = ep ? readJson<RunFolder['experiment']>(ep) : undefined;
  if (needs.includes('experiment') && !experiment?.experiment?.alarms)
    throw new RunFolderError('experiment.json has no experiment.alarms', ep ?? dir, 'give a folder written by `gameday run`');
  const fp = file('faults.ndjson', false);
  const ap = file('alarms.ndjson', false);
  return {
    dir,
    result,
    experiment,
    history,
    faults: fp ? readFaults(fp) : faultsFromResult(result),
    alarms: ap ? readNdjson<AlarmChange>(ap) : (result?.alarms.changes ?? []),
  };
}

/** A result.json without faults.ndjson still says when each fault was injected and healed. */
function faultsFromResult(r: RunResult | undefined): FaultRecord[] {
  if (!r) return [];
  return r.faults.flatMap((f) => [
    { time: f.injectedAtMs, event: 'inject' as const, id: f.id, kind: f.kind, nodes: f.nodes },
    ...(f.healedAtMs === null ? [] : [{ time: f.healedAtMs, event: 'heal' as const, id: f.id, kind: f.kind, nodes: f.nodes }]),
  ]);
}

export function alarmSpec(rf: RunFolder): AlarmSpec | undefined {
  return rf.experiment?.experiment?.alarms;
}

/** The run's alarm rules (a run folder from before rule lists held the one error-rate rule). */
export function alarmRules(rf: RunFolder): readonly AlarmRule[] | undefined {
  const e = rf.experiment?.experiment;
  if (!e?.alarms) return undefined;
  return e.alarmRules ?? [errorRateRule(e.alarms)];
}
