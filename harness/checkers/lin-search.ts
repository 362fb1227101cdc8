// The search for a linearization of one segment of one key's history: Wing & Gong's
// algorithm with Lowe's memoisation, as Porcupine does it, over flat typed arrays.
//
// Calls and returns sit in a doubly linked list in time order. Walking it, a call may
// be linearized now if the model accepts it; it is then lifted out of the list and the
// walk restarts. Meeting the return of a call not yet linearized means the last choice
// was wrong: undo it and try the next call. A (set of linearized calls, state) pair
// already explored is never explored again; the set is kept as a 64-bit Zobrist hash.
// Open calls have no return (nothing forces them) and are placed only when that
// changes the state; of several identical open calls, the earliest is placed first.
import { HashSet64 } from './hash-set64.ts';
import { step, type LinOp, type States } from './lin-model.ts';

export class Budget {
  readonly deadline: number;
  explored = 0;
  maxCache = 0;
  constructor(
    timeoutMs: number,
    readonly maxStates: number,
  ) {
    this.deadline = performance.now() + timeoutMs;
  }
  timeUp(): boolean {
    return performance.now() > this.deadline;
  }
}

export type SearchResult =
  | { readonly kind: 'ok'; readonly order: readonly number[]; readonly ends: readonly number[] }
  | { readonly kind: 'fail'; readonly stuck: number }
  | { readonly kind: 'unknown'; readonly reason: string };

// fixed pseudo-random Zobrist keys (xorshift), shared by every search
let zobrist = new Int32Array(0);
export function zobristKeys(n: number): Int32Array {
  if (zobrist.length >= 2 * n) return zobrist;
  const z = new Int32Array(Math.max(2 * n, 2 * zobrist.length, 1024));
  let x = 0x2545f491;
  for (let i = 0; i < z.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    z[i] = x;
  }
  return (zobrist = z);
}

export function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * mode 'any': stop at the first linearization (order = op indexes in linearized order).
 * mode 'all': explore every linearization and return every state one can end in.
 * `ops` must be sorted by start. A failure names the call whose completion could not be
 * reached by any ordering (the furthest the search got).
 */
export function search(states: States, ops: readonly LinOp[], starts: readonly number[], mode: 'any' | 'all', budget: Budget): SearchResult {
  // one memo is kept between searches (cleared, not reallocated) unless it grew large
  const cache = spare ?? new HashSet64(1024);
  spare = undefined;
  cache.clear();
  try {
    return run(states, ops, starts, mode, budget, cache);
  } finally {
    if (cache.capacity <= 1 << 17) spare = cache;
  }
}
let spare: HashSet64 | undefined;

/** When a call began and returned (+Infinity: open). */
type Span = { readonly start: number; readonly end: number };

/** The events of ops sorted by start, in time order: call of op i = 2i, return = 2i+1 (open calls have none). */
export function timeline(ops: readonly Span[]): Int32Array {
  const n = ops.length;
  const rets = new Int32Array(n);
  let R = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const o = ops[i] as Span;
    if (i > 0 && o.start < (ops[i - 1] as Span).start) sorted = false;
    if (Number.isFinite(o.end)) rets[R++] = i;
  }
  const r = rets.subarray(0, R);
  if (R <= 256) {
    // returns come nearly in order: insertion sort by (end, op)
    for (let i = 1; i < R; i++) {
      const x = r[i] as number;
      const ex = (ops[x] as Span).end;
      let j = i - 1;
      for (; j >= 0; j--) {
        const y = r[j] as number;
        const ey = (ops[y] as Span).end;
        if (ey < ex || (ey === ex && y < x)) break;
        r[j + 1] = y;
      }
      r[j + 1] = x;
    }
  } else r.sort((x, y) => (ops[x] as Span).end - (ops[y] as Span).end || x - y);
  const evs = new Int32Array(n + R);
  if (!sorted) {
    // not sorted by start (never so in this checker's own use): sort every event
    let p = 0;
    for (let i = 0; i < n; i++) evs[p++] = 2 * i;
    for (let i = 0; i < R; i++) evs[p++] = 2 * (r[i] as number) + 1;
    const time = (e: number): number => ((e & 1) === 0 ? (ops[e >> 1] as Span).start : (ops[e >> 1] as Span).end);
    return evs.sort((x, y) => time(x) - time(y) || (x & 1) - (y & 1) || x - y);
  }
  // merge calls (in op order) with returns; at equal times calls come first: touching calls count as concurrent
  let c = 0;
  let k = 0;
  for (let p = 0; p < evs.length; p++) {
    if (k >= R || (c < n && (ops[c] as Span).start <= (ops[r[k] as number] as Span).end)) evs[p] = 2 * c++;
    else evs[p] = 2 * (r[k++] as number) + 1;
  }
  return evs;
}

/** The events as a doubly linked list the search unlinks from and relinks into. */
export interface EventList {
  /** number of events */
  readonly E: number;
  /** the list's head sentinel (index E) */
  readonly head: number;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** the op of each event */
  readonly evOp: Int32Array;
  /** 1 where the event is a call */
  readonly isCall: Uint8Array;
  /** a call's return event, -1 for an open call */
  readonly match: Int32Array;
}

export function eventList(ops: readonly Span[]): EventList {
  const n = ops.length;
  const evs = timeline(ops);
  const E = evs.length;
  const head = E;
  const next = new Int32Array(E + 1);
  const prev = new Int32Array(E + 1);
  const evOp = new Int32Array(E);
  const isCall = new Uint8Array(E);
  const match = new Int32Array(E).fill(-1);
  const callPos = new Int32Array(n);
  for (let p = 0; p < E; p++) {
    const e = evs[p] as number;
    evOp[p] = e >> 1;
    if ((e & 1) === 0) {
      isCall[p] = 1;
      callPos[e >> 1] = p;
    } else match[callPos[e >> 1] as number] = p;
    next[p] = p + 1 < E ? p + 1 : -1;
    prev[p] = p === 0 ? head : p - 1;
  }
  next[head] = E > 0 ? 0 : -1;
  return { E, head, next, prev, evOp, isCall, match };
}

/** Lifts event p out of the list. */
export function unlink(next: Int32Array, prev: Int32Array, p: number): void {
  const nx = next[p] as number;
  next[prev[p] as number] = nx;
  if (nx !== -1) prev[nx] = prev[p] as number;
}

/** Puts event p back where it was (undoing unlink, last out first in). */
export function relink(next: Int32Array, prev: Int32Array, p: number): void {
  const nx = next[p] as number;
  next[prev[p] as number] = p;
  if (nx !== -1) prev[nx] = p;
}

function run(states: States, ops: readonly LinOp[], starts: readonly number[], mode: 'any' | 'all', budget: Budget, cache: HashSet64): SearchResult {
  const n = ops.length;
  const { E, head, next, prev, evOp, isCall, match } = eventList(ops);
  // identical open calls: each may only be placed after the previous one
  const classPrev = new Int32Array(n).fill(-1);
  if (ops.some((o) => o.optional)) {
    const lastOf = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const o = ops[i] as LinOp;
      if (!o.optional) continue;
      const k = `${o.kind},${o.a},${o.b}`;
      classPrev[i] = lastOf.get(k) ?? -1;
      lastOf.set(k, i);
    }
  }
  const z = zobristKeys(n);
  const lin = new Uint8Array(n);
  const stackEv = new Int32Array(n);
  const stackState = new Int32Array(n);
  const ends = new Set<number>();
  let maxRet = -1;
  let sp = 0;
  let h1 = 0;
  let h2 = 0;
  let iter = 0;

  for (const s0 of starts) {
    let state = s0;
    if (!cache.add(fmix(s0 + 1), fmix(s0 ^ 0x5bd1e995))) continue;
    let e = next[head] as number;
    for (;;) {
      if ((++iter & 0xfff) === 0 && budget.timeUp()) return { kind: 'unknown', reason: 'time budget exhausted' };
      if (e === -1) {
        if (mode === 'any') {
          budget.explored += cache.size;
          budget.maxCache = Math.max(budget.maxCache, cache.size);
          return { kind: 'ok', order: Array.from(stackEv.subarray(0, sp), (p) => evOp[p] as number), ends: [state] };
        }
        ends.add(state);
      } else if (isCall[e] === 1) {
        const o = evOp[e] as number;
        const op = ops[o] as LinOp;
        const cp = classPrev[o] as number;
        if (!op.optional || cp < 0 || lin[cp] === 1) {
          const ns = step(states, op, state);
          if (ns >= 0 && !(op.optional && ns === state)) {
            const n1 = h1 ^ (z[2 * o] as number);
            const n2 = h2 ^ (z[2 * o + 1] as number);
            if (cache.add(n1 ^ fmix(ns + 1), n2 ^ fmix(ns ^ 0x5bd1e995))) {
              if (cache.size > budget.maxStates) return { kind: 'unknown', reason: `state budget exhausted (${budget.maxStates} states)` };
              stackEv[sp] = e;
              stackState[sp++] = state;
              lin[o] = 1;
              h1 = n1;
              h2 = n2;
              state = ns;
              unlink(next, prev, e);
              const m = match[e] as number;
              if (m >= 0) unlink(next, prev, m);
              e = next[head] as number;
              continue;
            }
          }
        }
        e = next[e] as number;
        continue;
      } else if (e > maxRet) maxRet = e;
      // backtrack: undo the last placement and try the call after it
      if (sp === 0) break;
      const p = stackEv[--sp] as number;
      const o = evOp[p] as number;
      lin[o] = 0;
      h1 ^= z[2 * o] as number;
      h2 ^= z[2 * o + 1] as number;
      state = stackState[sp] as number;
      const m = match[p] as number;
      if (m >= 0) relink(next, prev, m);
      relink(next, prev, p);
      e = next[p] as number;
    }
  }
  budget.explored += cache.size;
  budget.maxCache = Math.max(budget.maxCache, cache.size);
  if (ends.size > 0) return { kind: 'ok', order: [], ends: [...ends] };
  return { kind: 'fail', stuck: maxRet >= 0 ? (evOp[maxRet] as number) : 0 };
}
