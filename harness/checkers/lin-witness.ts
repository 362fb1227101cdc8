// What a person needs to see when a key's history is not linearizable:
// - the call whose completion no ordering can reach (the search got no further);
// - the smallest window of calls, ending there, that cannot be ordered from any state
//   the earlier calls could have left (earlier calls all completed before it began);
//   reads that do not matter to it are left out;
// - the longest prefix that could be linearized, and its last steps in order.
// Its searches share one budget, a small multiple of what the verdict took: when that
// runs out, the window is the stuck call's segment (the calls since the last instant
// none was pending) and the prefix is the one before it, if known.
import type { Value } from '../history/op.ts';
import type { Call } from './calls.ts';
import { Kind, type LinOp, type States } from './lin-model.ts';
import type { Budget } from './lin-budget.ts';
import { search } from './lin-search.ts';
import { UNREAD } from './lin-prepare.ts';

export interface CallRef {
  readonly index: number;
  readonly process: number;
  readonly f: string;
  readonly type: string;
  readonly value: unknown;
  /** what a read returned */
  readonly result?: unknown;
  readonly start: number;
  readonly end: number | null;
}

export interface LinWitness {
  readonly key: string | null;
  /** the call that could not be ordered with the calls before it */
  readonly stuck: CallRef;
  /** calls that cannot be ordered, in invoke order */
  readonly window: readonly CallRef[];
  /**
   * the states the window was tried from: the history's own, or every value of the key;
   * 'search-frontier' (whole-map search): the calls pending where the search got furthest
   */
  readonly windowFrom: 'history' | 'any-state' | 'search-frontier';
  /** whole-map search: the keys the window's calls touch (the stuck call's first) and their values at that point */
  readonly keys?: ReadonlyArray<{ readonly key: string | null; readonly state: Value }>;
  /** the longest linearizable prefix: how many calls, and its last steps, in order */
  readonly prefix: { readonly calls: number; readonly last: readonly CallRef[]; readonly stateAfter: Value };
}

export const callRef = (c: Call): CallRef => ({
  index: c.invokeIndex,
  process: c.process,
  f: c.f,
  type: c.type,
  value: c.input,
  ...(c.f === 'read' ? { result: c.output } : {}),
  start: c.start,
  end: Number.isFinite(c.end) ? c.end : null,
});

/** The calls that matter up to time t: done by t required, pending at t optional (open). */
function upTo(ops: readonly LinOp[], t: number, keep: (o: LinOp) => boolean): LinOp[] {
  return ops.filter((o) => o.start <= t && keep(o)).map((o) => (o.end <= t ? o : { ...o, end: Infinity, optional: true }));
}

const WINDOW_TRIES = 200;
const MINIMISE_MAX = 60;

export function linWitness(
  key: string | undefined,
  states: States,
  all: readonly LinOp[],
  init: number,
  seg: readonly LinOp[],
  starts: readonly number[] | undefined,
  stuck: number,
  callsBefore: number,
  budget: Budget,
): LinWitness {
  const b = seg[stuck] as LinOp;
  const t = b.end;
  const fails = (ops: LinOp[], from: readonly number[]): boolean => search(states, ops, from, 'any', budget).kind === 'fail';
  const anyState = seg.some((o) => o.kind === Kind.Append) ? undefined : Array.from({ length: states.size }, (_, i) => i);

  // smallest window [a, ..] ending at b, cut where all earlier calls have completed
  let window: LinOp[] | undefined;
  let from: 'history' | 'any-state' = 'history';
  // open calls never complete: they do not prevent a cut, and join every window after them
  const cuts: number[] = [0];
  let maxEnd = -Infinity;
  for (let a = 0; a < all.length && (all[a] as LinOp).start <= t; a++) {
    const o = all[a] as LinOp;
    if (a > 0 && maxEnd < o.start) cuts.push(a);
    if (Number.isFinite(o.end)) maxEnd = Math.max(maxEnd, o.end);
  }
  for (const a of cuts.reverse().slice(0, WINDOW_TRIES)) {
    if (budget.timeUp()) break;
    const starting = a === 0 ? [init] : anyState;
    if (starting === undefined) continue;
    const open = all.slice(0, a).filter((o) => !Number.isFinite(o.end));
    const w = upTo([...open, ...all.slice(a)], t, () => true);
    if (fails(w, starting)) {
      window = minimise(w, (ops) => fails(ops, starting), b, budget);
      from = a === 0 ? 'history' : 'any-state';
      break;
    }
  }
  window ??= upTo(seg, t, () => true);

  // the longest linearizable prefix: the whole key up to b if the search is affordable, else b's segment
  const prefixOf = (ops: readonly LinOp[], from: readonly number[]) => {
    const p = upTo(ops, t, (o) => o !== b).map((o) => (o.end < t ? o : { ...o, end: Infinity, optional: true }));
    const r = search(states, p, from, 'any', budget);
    return r.kind === 'ok' ? { order: r.order.map((i) => p[i] as LinOp), end: r.ends[0] as number } : undefined;
  };
  const whole = prefixOf(all, [init]);
  const part = whole ?? (starts === undefined ? undefined : prefixOf(seg, starts));
  const order = part?.order ?? [];
  const before = whole === undefined ? callsBefore : 0;
  return {
    key: key ?? null,
    stuck: callRef(b.call),
    window: window.map((o) => callRef(o.call)).sort((x, y) => x.start - y.start || x.index - y.index),
    windowFrom: from,
    prefix: {
      calls: before + order.length,
      last: order.slice(-10).map((o) => callRef(o.call)),
      stateAfter: part === undefined ? null : shownState(states.value(part.end), order),
    },
  };
}

/** Leaves out observers (reads, failed cas) that the failure does not need; they only add constraints. */
function minimise(ops: LinOp[], fails: (ops: LinOp[]) => boolean, keep: LinOp, budget: Budget): LinOp[] {
  if (ops.length > MINIMISE_MAX) return ops;
  let cur = ops;
  for (const o of ops) {
    if (budget.timeUp()) break;
    if (o === keep || (o.kind !== Kind.Read && o.kind !== Kind.CasFail)) continue;
    const without = cur.filter((x) => x !== o && x.call !== o.call);
    if (fails(without)) cur = without;
  }
  return cur;
}

/** A state as a person knows it: the unread stand-in is shown as the value the last write wrote. */
export function shownState(v: Value, order: readonly LinOp[]): Value {
  if (v !== UNREAD) return v;
  for (let i = order.length - 1; i >= 0; i--) {
    const c = (order[i] as LinOp).call;
    if (c.f === 'write') return c.input as Value;
    if (c.f === 'cas' && Array.isArray(c.input)) return (c.input[1] ?? null) as Value;
  }
  return v;
}
