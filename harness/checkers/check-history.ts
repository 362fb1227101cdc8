// The validity checks a game day runs over its history, in one call: what
// `gameday run` does at the end of a run and `gameday check` re-derives from the
// run folder. Each check runs under runCheck: a checker that throws gives `unknown`.
import type { Op, Value } from '../history/op.ts';
import { runCheck, type CheckResult } from './check.ts';
import { checkLinearizable, type ModelName } from './linearizable.ts';
import { checkLostWrites, type ReplicaReads } from './lost-writes.ts';
import { checkSetFull } from './set-full.ts';

export interface HistoryCheckOptions {
  readonly model?: ModelName;
  readonly initial?: Value;
  readonly timeoutMs?: number;
  readonly maxStates?: number;
  readonly maxMemoryMB?: number;
  /** Run lost-writes and set-full too (they need the harness's final reads). Default true. */
  readonly finalReads?: boolean;
  /** kv model: check linearizability as one map, not key by key (default false). */
  readonly wholeMap?: boolean;
  /** Each replica's value of the keys the final reads flagged (a run folder's replica-reads.json). */
  readonly replicaReads?: ReplicaReads;
}

export function checkHistory(history: readonly Op[], opts: HistoryCheckOptions = {}): CheckResult[] {
  const out: CheckResult[] = [];
  if (opts.finalReads !== false) {
    out.push(runCheck('lost-writes', () => checkLostWrites(history, opts.replicaReads)));
    if (history.some((o) => o.f === 'append')) out.push(runCheck('set-full', () => checkSetFull(history)));
  }
  const lin = {
    model: opts.model ?? 'kv',
    ...(opts.initial === undefined ? {} : { initial: opts.initial }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
    ...(opts.maxMemoryMB === undefined ? {} : { maxMemoryMB: opts.maxMemoryMB }),
    ...(opts.wholeMap === true ? { wholeMap: true } : {}),
  };
  out.push(runCheck('linearizable', () => checkLinearizable(history, lin)));
  return out;
}
