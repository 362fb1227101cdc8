// Linearizability, key by key (a history is linearizable iff every key's part is:
// P-compositionality), stopping at the first key that fails. Within a key: open calls
// pruned (lin-prepare.ts), the history cut into independent segments, each searched
// (lin-search.ts) from every state the previous segment can end in. A budget of time
// and memory (lin-budget.ts) turns into `unknown`, never a hang.
import type { Op, Value } from '../history/op.ts';
import { byKey, pairCalls, type Call } from './calls.ts';
import type { CheckResult } from './check.ts';
import { compileCalls, ModelError, States, step, type LinOp, type ModelName } from './lin-model.ts';
import { pruneOpen, segments, UNREAD, type PruneStats } from './lin-prepare.ts';
import { Budget, DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT_MS } from './lin-budget.ts';
import { search, type SearchResult } from './lin-search.ts';
import { callRef, linWitness, type LinWitness } from './lin-witness.ts';
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

type KeyOutcome =
  | { readonly verdict: 'pass' }
  | { readonly verdict: 'fail'; readonly witness: LinWitness }
  | { readonly verdict: 'unknown'; readonly reason: string };

interface Figures extends PruneStats {
  keys: number;
  calls: number;
  segments: number;
  explored: number;
}

/** The witness may take this many times what the verdict took (and at least WITNESS_MIN_MS). */
const WITNESS_FACTOR = 2;
const WITNESS_MIN_MS = 20;

function checkKey(key: string | undefined, calls: readonly Call[], model: ModelName, initial: Value, budget: Budget, fig: Figures, witness: boolean): KeyOutcome {
  const t0 = performance.now();
  const states = new States();
  const pruned = pruneOpen(compileCalls(model, states, calls), states.id(initial), () => states.id(UNREAD), fig);
  const { ops, initial: init } = pruned;
  fig.calls += ops.length;
  const segs = segments(ops);
  fig.segments += segs.length;
  let from: readonly number[] = [init];
  let before = 0;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as LinOp[];
    const last = i === segs.length - 1;
    const r = seg.length === 1 ? single(states, seg[0] as LinOp, from) : search(states, seg, from, last ? 'any' : 'all', budget);
    if (r.kind === 'unknown') return { verdict: 'unknown', reason: `key ${JSON.stringify(key ?? null)}: ${r.reason}` };
    if (r.kind === 'fail') {
      const wb = new Budget(Math.max(WITNESS_FACTOR * (performance.now() - t0), WITNESS_MIN_MS), Infinity, budget.maxBytes);
      const w = witness ? linWitness(key, states, segs.flat(), init, seg, from, r.stuck, before, wb) : bareWitness(key, seg[r.stuck] as LinOp, before);
      return { verdict: 'fail', witness: w };
    }
    from = r.ends;
    before += seg.length;
  }
  return { verdict: 'pass' };
}

/** The verdict's evidence without the search for a window: the stuck call alone. */
function bareWitness(key: string | undefined, op: LinOp, before: number): LinWitness {
  const c = callRef(op.call);
  return { key: key ?? null, stuck: c, window: [c], windowFrom: 'history', prefix: { calls: before, last: [], stateAfter: null } };
}

/** A segment of one call (the common case): the states it can leave, without a search. */
function single(states: States, op: LinOp, from: readonly number[]): SearchResult {
  const ends = new Set<number>();
  for (const s of from) {
    if (op.optional) ends.add(s);
    const n = step(states, op, s);
    if (n >= 0) ends.add(n);
  }
  return ends.size > 0 ? { kind: 'ok', order: [0], ends: [...ends] } : { kind: 'fail', stuck: 0 };
}

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
  for (const [key, kc] of byKey(calls)) {
    fig.keys++;
    let r: KeyOutcome;
    try {
      r = checkKey(key, kc, model, opts.initial ?? null, budget, fig, opts.witness !== false);
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      return { name: 'linearizable', verdict: 'unknown', summary: err.message, details: { model, error: err.message } };
    }
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
