// Linearizability, key by key (a history is linearizable iff every key's part is:
// P-compositionality), stopping at the first key that fails; keys in rounds of growing
// state caps, so a cheap violation is found before an expensive key is decided. One
// key's check: lin-key.ts. A budget of time and memory (lin-budget.ts) turns into
// `unknown`, never a hang.
import type { Op, Value } from '../history/op.ts';
import { byKey, pairCalls, type Call } from './calls.ts';
import type { CheckResult } from './check.ts';
import { Budget, DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT_MS, DEFERRED } from './lin-budget.ts';
import { checkKey, type Figures, type KeyOutcome } from './lin-key.ts';
import { ModelError, type ModelName } from './lin-model.ts';
import { checkWholeMap } from './lin-whole-map.ts';

export type { ModelName } from './lin-model.ts';

export interface LinOptions {
  readonly model?: ModelName;
  /** Wall-clock budget for the whole check (default 60 s). */
  readonly timeoutMs?: number;
  /** Memory the search may take for what it remembers, in MB (default 512). */
  readonly maxMemoryMB?: number;
  /** Largest number of (linearized set, state) pairs remembered by one search (default: no limit, only time and memory). */
  readonly maxStates?: number;
  /** State of every key before the first call (default null: absent). */
  readonly initial?: Value;
  /** Also check reads marked `consistency: 'eventual'` (default false: they promise nothing). */
  readonly includeEventual?: boolean;
  /** Find the smallest window and the longest prefix on a violation (default true; off: the verdict only). */
  readonly witness?: boolean;
  /**
   * kv model only: search the whole history at once with the entire map as the state,
   * instead of key by key (default false). Same verdict (linearizability is local),
   * usually slower; the witness is the calls pending where the search got furthest.
   */
  readonly wholeMap?: boolean;
  /**
   * Whole-map only: when a branch fails, skip the alternatives of choices on keys that
   * had no part in the failure (default true). false: plain chronological backtracking,
   * as Porcupine searches a map (for comparison).
   */
  readonly backjump?: boolean;
}

/**
 * States a search may remember in each round of keys (then no cap): a first round
 * that decides the cheap keys, violations among them, in a few ms per key, then
 * rounds that grow 8 times.
 */
const ROUND_CAPS = [2_000, 100_000, 800_000, 6_400_000];

export function checkLinearizable(history: readonly Op[], opts: LinOptions = {}): CheckResult {
  const model = opts.model ?? 'kv';
  const budget = new Budget(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.maxStates ?? Infinity, (opts.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB) * 1e6);
  const t0 = performance.now();
  const fig: Figures = { keys: 0, calls: 0, segments: 0, explored: 0, dropped: 0, bounded: 0 };
  let calls = pairCalls(history);
  if (opts.includeEventual !== true) calls = calls.filter((c) => c.consistency !== 'eventual');
  const unknown: string[] = [];
  const figures = (): Record<string, unknown> => ({ ...fig, explored: budget.explored, largestSearch: budget.maxCache, ms: Math.round((performance.now() - t0) * 100) / 100 });
  if (opts.wholeMap === true) return wholeMap(calls, model, opts.initial ?? null, budget, fig, figures, opts.backjump !== false);
  // Keys are checked in rounds: in each, a search may remember at most the round's cap
  // of states, and a key over it waits for the next round, so that one key that is
  // expensive to decide does not hide a cheap violation on another.
  let pending = [...byKey(calls)];
  fig.keys = pending.length;
  for (let round = 0; pending.length > 0 && !budget.timeUp(); round++) {
    budget.roundCap = pending.length === 1 ? Infinity : (ROUND_CAPS[round] ?? Infinity);
    const deferred: typeof pending = [];
    for (const [key, kc] of pending) {
      let r: KeyOutcome;
      const kf: Figures = { keys: 0, calls: 0, segments: 0, explored: 0, dropped: 0, bounded: 0 };
      try {
        r = checkKey(key, kc, model, opts.initial ?? null, budget, kf, opts.witness !== false);
      } catch (err) {
        if (!(err instanceof ModelError)) throw err;
        return { name: 'linearizable', verdict: 'unknown', summary: err.message, details: { model, error: err.message } };
      }
      if (r.verdict === 'unknown' && r.reason.endsWith(DEFERRED)) {
        deferred.push([key, kc]);
        continue;
      }
      for (const f of ['calls', 'segments', 'dropped', 'bounded'] as const) fig[f] += kf[f];
      if (r.verdict === 'fail') {
        const w = r.witness;
        const summary =
          `not linearizable (${model}): key ${JSON.stringify(w.key)}, ${w.stuck.f} by process ${w.stuck.process} ` +
          `(history index ${w.stuck.index}) cannot be ordered; ${w.window.length} call(s) in the smallest window, ` +
          `longest linearizable prefix ${w.prefix.calls} call(s)`;
        return { name: 'linearizable', verdict: 'fail', summary, details: { model, witness: w, figures: figures() } };
      }
      if (r.verdict === 'unknown') {
        unknown.push(r.reason);
        if (budget.timeUp()) break;
      }
    }
    pending = deferred;
  }
  for (const [key] of pending) unknown.push(`key ${JSON.stringify(key ?? null)}: time budget exhausted`);
  if (unknown.length > 0) {
    return { name: 'linearizable', verdict: 'unknown', summary: `undecided within budget: ${unknown[0]}${unknown.length > 1 ? ` (+${unknown.length - 1} more)` : ''}`, details: { model, unknown, figures: figures() } };
  }
  return { name: 'linearizable', verdict: 'pass', summary: `linearizable (${model}): ${fig.keys} key(s), ${fig.calls} call(s)`, details: { model, figures: figures() } };
}

function wholeMap(calls: readonly Call[], model: ModelName, initial: Value, budget: Budget, fig: Figures, figures: () => Record<string, unknown>, backjump: boolean): CheckResult {
  const name = 'linearizable';
  if (model !== 'kv') {
    const error = `whole-map checking needs the kv model, not ${model}`;
    return { name, verdict: 'unknown', summary: error, details: { model, error } };
  }
  let r;
  try {
    r = checkWholeMap(calls, initial, budget, fig, backjump);
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    return { name, verdict: 'unknown', summary: err.message, details: { model, wholeMap: true, error: err.message } };
  }
  fig.segments = 1;
  if (r.verdict === 'unknown') return { name, verdict: 'unknown', summary: `undecided within budget: ${r.reason}`, details: { model, wholeMap: true, unknown: [r.reason], figures: figures() } };
  if (r.verdict === 'pass') return { name, verdict: 'pass', summary: `linearizable (kv, whole map): ${fig.keys} key(s), ${fig.calls} call(s)`, details: { model, wholeMap: true, figures: figures() } };
  const w = r.witness;
  const keys = (w.keys ?? []).map((k) => JSON.stringify(k.key)).join(', ');
  const summary =
    `not linearizable (kv, whole map): ${w.stuck.f} by process ${w.stuck.process} on key ${JSON.stringify(w.key)} ` +
    `(history index ${w.stuck.index}) cannot be ordered; ${w.window.length} call(s) pending where the search got furthest, ` +
    `on key(s) ${keys}; longest linearizable prefix ${w.prefix.calls} call(s)`;
  return { name, verdict: 'fail', summary, details: { model, wholeMap: true, witness: w, figures: figures() } };
}
