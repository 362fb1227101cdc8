// One key's part of a history, checked for linearizability: calls compiled for the
// model, open calls pruned (lin-prepare.ts), calls alone in time stepped through, then
// one search (lin-search.ts) over the rest, which can run in slices so that keys take
// turns (linearizable.ts); on a violation, the witness (lin-witness.ts) within a small
// multiple of the verdict's time.
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
// (a floor so that a process descheduled for a moment on a loaded machine still finds the witness of a small history)
const WITNESS_MIN_MS = 100;

/** A key's check that runs in slices (see Search): step() gives its outcome once it is decided. */
export interface KeyCheck {
  step(): KeyOutcome | undefined;
  /** Bytes its search's memo holds while it waits for its next slice. */
  bytes(): number;
}

/** The whole check of one key, to the end. */
export function checkKey(
  key: string | undefined,
  calls: readonly Call[],
  model: ModelName,
  initial: Value,
  budget: Budget,
  fig: Figures,
  witness: boolean,
): KeyOutcome {
  return startKey(key, calls, model, initial, budget, fig, witness, 0).step() as KeyOutcome;
}

/** One key's check, its search run `slice` iterations per step (0: to the end). */
export function startKey(
  key: string | undefined,
  calls: readonly Call[],
  model: ModelName,
  initial: Value,
  budget: Budget,
  fig: Figures,
  witness: boolean,
  slice: number,
): KeyCheck {
  let spent = 0;
  const t0 = performance.now();
  const states = new States();
  const compiled = blindAppends(compileCalls(model, states, calls), states, () => states.absorbing(UNSEEN));
  const pruned = pruneOpen(compiled, states.id(initial), () => states.id(UNREAD), fig);
  const { ops, initial: init } = pruned;
  fig.calls += ops.length;
  const segs = segments(ops);
  fig.segments += segs.length;
  // Segments of one call at the start (a key used by one client at a time) are stepped
  // through without a search: the set of states each can leave. From the first segment
  // of several calls on, one search over the rest of the key, backtracking across
  // segments (as Porcupine's does), not one exhaustive search per segment for every
  // state it can end in: a segment can end in few states through many orders, and the
  // next segment needs only one that works. The memo makes this never explore more
  // than segment by segment would.
  let lead = 0;
  let from: readonly number[] = [init];
  let failed: SearchResult | undefined;
  for (; lead < segs.length && (segs[lead] as LinOp[]).length === 1; lead++) {
    const r = single(states, (segs[lead] as LinOp[])[0] as LinOp, from);
    if (r.kind !== 'ok') {
      failed = r;
      break;
    }
    from = r.ends;
  }
  const rest = failed === undefined ? segs.slice(lead) : [];
  const seg = rest.flat();
  const s = seg.length === 0 ? undefined : new Search(states, seg, from, 'any', budget, slice);
  spent += performance.now() - t0;
  const outcome = (r: SearchResult, inLead: boolean): KeyOutcome => {
    if (r.kind === 'unknown') return { verdict: 'unknown', reason: `key ${JSON.stringify(key ?? null)}: ${r.reason}` };
    if (r.kind === 'ok') return { verdict: 'pass' };
    // the stuck call's segment (the window when no smaller one is found), the states it
    // began from if known, and the calls before it
    let part = segs[lead] as LinOp[];
    let at = 0;
    let first = true;
    if (!inLead) {
      let off = 0;
      for (const sg of rest) {
        if (r.stuck < off + sg.length) {
          part = sg;
          at = r.stuck - off;
          break;
        }
        off += sg.length;
        first = false;
      }
    }
    const before = first ? lead : 0;
    // the witness may take a small multiple of what this key's verdict took
    const wb = new Budget(Math.max(WITNESS_FACTOR * spent, WITNESS_MIN_MS), Infinity, budget.maxBytes);
    const w = witness
      ? linWitness(key, states, segs.flat(), init, part, first ? from : undefined, at, before, wb)
      : bareWitness(key, part[at] as LinOp, before);
    return { verdict: 'fail', witness: w };
  };
  return {
    step(): KeyOutcome | undefined {
      if (failed !== undefined) return outcome(failed, true);
      if (s === undefined) return { verdict: 'pass' };
      const t = performance.now();
      const r = s.step();
      spent += performance.now() - t;
      return r === undefined ? undefined : outcome(r, false);
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
