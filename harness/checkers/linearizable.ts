// Linearizability, key by key (a history is linearizable iff every key's part is:
// P-compositionality), stopping at the first key that fails; the keys' searches take
// turns in slices, as Porcupine runs them side by side, so a cheap violation is found
// before an expensive key is decided, and no search starts over. One key's check:
// lin-key.ts. A budget of time and memory (lin-budget.ts) turns into
// `unknown`, never a hang.
import type { Op, Value } from '../history/op.ts';
import { byKey, pairCalls, type Call } from './calls.ts';
import type { CheckResult } from './check.ts';
import { Budget, DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT_MS } from './lin-budget.ts';
import { startKey, type Figures, type KeyCheck, type KeyOutcome } from './lin-key.ts';
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
 * Iterations of a key's search per turn: a few milliseconds, so that a key that is
 * expensive to decide does not hide a cheap violation on another for long, while the
 * turns themselves cost nothing to speak of.
 */
const SLICE = 1 << 14;

export function checkLinearizable(history: readonly Op[], opts: LinOptions = {}): CheckResult {
  const model = opts.model ?? 'kv';
  const budget = new Budget(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.maxStates ?? Infinity, (opts.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB) * 1e6);
  const t0 = performance.now();
  const fig: Figures = { keys: 0, calls: 0, segments: 0, explored: 0, dropped: 0, bounded: 0 };
  let calls = pairCalls(history);
  if (opts.includeEventual !== true) calls = calls.filter((c) => c.consistency !== 'eventual');
  const unknown: string[] = [];
  const figures = (): Record<string, unknown> => ({
    ...fig,
    explored: budget.explored,
    largestSearch: budget.maxCache,
    ms: Math.round((performance.now() - t0) * 100) / 100,
  });
  if (opts.wholeMap === true) return wholeMap(calls, model, opts.initial ?? null, budget, fig, figures, opts.backjump !== false);
  // Each key's check runs a slice at a time, the keys in turn (a key decided in its
  // first slice never waits), until one fails or all are decided; the memos of those
  // waiting count against the memory budget of the one running.
  const keys = [...byKey(calls)];
  fig.keys = keys.length;
  const waiting: Array<{ readonly key: string | undefined; readonly check: KeyCheck }> = [];
  let held = 0;
  const decide = (r: KeyOutcome): CheckResult | undefined => {
    if (r.verdict === 'fail') {
      const w = r.witness;
      const summary =
        `not linearizable (${model}): key ${JSON.stringify(w.key)}, ${w.stuck.f} by process ${w.stuck.process} ` +
        `(history index ${w.stuck.index}) cannot be ordered; ${w.window.length} call(s) in the smallest window, ` +
        `longest linearizable prefix ${w.prefix.calls} call(s)`;
      return { name: 'linearizable', verdict: 'fail', summary, details: { model, witness: w, figures: figures() } };
    }
    if (r.verdict === 'unknown') unknown.push(r.reason);
    return undefined;
  };
  try {
    let i = 0;
    for (; i < keys.length && !budget.timeUp(); i++) {
      const [key, kc] = keys[i] as [string | undefined, Call[]];
      budget.held = held;
      const check = startKey(key, kc, model, opts.initial ?? null, budget, fig, opts.witness !== false, SLICE);
      const r = check.step();
      if (r === undefined) {
        waiting.push({ key, check });
        held += check.bytes();
        continue;
      }
      const done = decide(r);
      if (done !== undefined) return done;
    }
    for (; i < keys.length; i++) unknown.push(`key ${JSON.stringify(keys[i]?.[0] ?? null)}: time budget exhausted`);
    while (waiting.length > 0) {
      for (let k = 0; k < waiting.length; ) {
        const { check } = waiting[k] as { check: KeyCheck };
        const was = check.bytes();
        budget.held = held - was;
        const r = check.step();
        if (r === undefined) {
          held += check.bytes() - was;
          k++;
          continue;
        }
        held -= was;
        waiting.splice(k, 1);
        const done = decide(r);
        if (done !== undefined) return done;
      }
    }
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    return { name: 'linearizable', verdict: 'unknown', summary: err.message, details: { model, error: err.message } };
  } finally {
    budget.held = 0;
  }
  if (unknown.length > 0) {
    return {
      name: 'linearizable',
      verdict: 'unknown',
      summary: `undecided within budget: ${unknown[0]}${unknown.length > 1 ? ` (+${unknown.length - 1} more)` : ''}`,
      details: { model, unknown, figures: figures() },
    };
  }
  return {
    name: 'linearizable',
    verdict: 'pass',
    summary: `linearizable (${model}): ${fig.keys} key(s), ${fig.calls} call(s)`,
    details: { model, figures: figures() },
  };
}

function wholeMap(
  calls: readonly Call[],
  model: ModelName,
  initial: Value,
  budget: Budget,
  fig: Figures,
  figures: () => Record<string, unknown>,
  backjump: boolean,
): CheckResult {
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
  if (r.verdict === 'unknown')
    return {
      name,
      verdict: 'unknown',
      summary: `undecided within budget: ${r.reason}`,
      details: { model, wholeMap: true, unknown: [r.reason], figures: figures() },
    };
  if (r.verdict === 'pass')
    return {
      name,
      verdict: 'pass',
      summary: `linearizable (kv, whole map): ${fig.keys} key(s), ${fig.calls} call(s)`,
      details: { model, wholeMap: true, figures: figures() },
    };
  const w = r.witness;
  const keys = (w.keys ?? []).map((k) => JSON.stringify(k.key)).join(', ');
  const summary =
    `not linearizable (kv, whole map): ${w.stuck.f} by process ${w.stuck.process} on key ${JSON.stringify(w.key)} ` +
    `(history index ${w.stuck.index}) cannot be ordered; ${w.window.length} call(s) pending where the search got furthest, ` +
    `on key(s) ${keys}; longest linearizable prefix ${w.prefix.calls} call(s)`;
  return { name, verdict: 'fail', summary, details: { model, wholeMap: true, witness: w, figures: figures() } };
}
