// One key's part of a history, checked for linearizability: calls compiled for the
// model, open calls pruned (lin-prepare.ts), then one search (lin-search.ts) over all
// of them, which can run in slices so that keys take turns (linearizable.ts); on a
// violation, the witness (lin-witness.ts) within a small multiple of the verdict's time.
import type { Value } from '../history/op.ts';
import type { Call } from './calls.ts';
import { Budget } from './lin-budget.ts';
import { compileCalls, States, step, type LinOp, type ModelName } from './lin-model.ts';
import { blindAppends, pruneOpen, segments, UNREAD, UNSEEN, type PruneStats } from './lin-prepare.ts';
import { Search, type SearchResult } from './lin-search.ts';
import { callRef, linWitness, type LinWitness } from './lin-witness.ts';

export type KeyOutcome =
  | { readonly verdict: 'pass' }
  | { readonly verdict: 'fail'; readonly witness: LinWitness }
  | { readonly verdict: 'unknown'; readonly reason: string };

export interface Figures extends PruneStats {
  keys: number;
  calls: number;
  segments: number;
  explored: number;
}

/** The witness may take this many times what the verdict took (and at least WITNESS_MIN_MS). */
const WITNESS_FACTOR = 2;
const WITNESS_MIN_MS = 20;

/** A key's check that runs in slices (see Search): step() gives its outcome once it is decided. */
export interface KeyCheck {
  step(): KeyOutcome | undefined;
  /** Bytes its search's memo holds while it waits for its next slice. */
  bytes(): number;
}

/** The whole check of one key, to the end. */
export function checkKey(key: string | undefined, calls: readonly Call[], model: ModelName, initial: Value, budget: Budget, fig: Figures, witness: boolean): KeyOutcome {
  return startKey(key, calls, model, initial, budget, fig, witness, 0).step() as KeyOutcome;
}

/** One key's check, its search run `slice` iterations per step (0: to the end). */
export function startKey(key: string | undefined, calls: readonly Call[], model: ModelName, initial: Value, budget: Budget, fig: Figures, witness: boolean, slice: number): KeyCheck {
  let spent = 0;
  const t0 = performance.now();
  const states = new States();
  const compiled = blindAppends(compileCalls(model, states, calls), states, () => states.absorbing(UNSEEN));
  const pruned = pruneOpen(compiled, states.id(initial), () => states.id(UNREAD), fig);
  const { ops, initial: init } = pruned;
  fig.calls += ops.length;
  const segs = segments(ops);
  fig.segments += segs.length;
  // One search over the whole key, backtracking across segments (as Porcupine's does),
  // not one exhaustive search per segment for every state it can end in: a segment can
  // end in few states through many orders, and the next segment needs only one that
  // works. The memo makes this never explore more than segment by segment would.
  const seg = segs.length === 1 ? (segs[0] as LinOp[]) : segs.flat();
  const s = seg.length <= 1 ? undefined : new Search(states, seg, [init], 'any', budget, slice);
  spent += performance.now() - t0;
  const outcome = (r: SearchResult): KeyOutcome => {
    if (r.kind === 'unknown') return { verdict: 'unknown', reason: `key ${JSON.stringify(key ?? null)}: ${r.reason}` };
    if (r.kind === 'ok') return { verdict: 'pass' };
    // the witness may take a small multiple of what this key's verdict took
    const wb = new Budget(Math.max(WITNESS_FACTOR * spent, WITNESS_MIN_MS), Infinity, budget.maxBytes);
    // the stuck call's segment: the window when no smaller one is found
    let from = 0;
    let part = seg;
    for (const sg of segs) {
      if (r.stuck < from + sg.length) {
        part = sg;
        break;
      }
      from += sg.length;
    }
    const w = witness ? linWitness(key, states, seg, init, part, part === seg ? [init] : undefined, r.stuck - (part === seg ? 0 : from), 0, wb) : bareWitness(key, seg[r.stuck] as LinOp, 0);
    return { verdict: 'fail', witness: w };
  };
  return {
    step(): KeyOutcome | undefined {
      if (s === undefined) return seg.length === 0 ? { verdict: 'pass' } : outcome(single(states, seg[0] as LinOp, [init]));
      const t = performance.now();
      const r = s.step();
      spent += performance.now() - t;
      return r === undefined ? undefined : outcome(r);
    },
    // a method, not a getter: an object literal with an accessor costs V8 a new hidden
    // class each time (kept in old space: 10^4 keys made the collector take seconds)
    bytes(): number {
      return s?.bytes ?? 0;
    },
  };
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
