// The search for a linearization of one segment of one key's history: Wing & Gong's
// algorithm with Lowe's memoisation, as Porcupine does it, over flat typed arrays,
// with rules that cut the orders it must try (each keeps the verdict exact):
//
// - Calls and returns sit in a doubly linked list in time order (lin-events.ts).
//   Walking it, a call may be linearized now if the model accepts it; it is then
//   lifted out of the list and the walk restarts. Meeting the return of a call not yet
//   linearized means the last choice was wrong: undo it and try the next call. A (set
//   of linearized calls, state) pair already explored is never explored again; the set
//   is kept as a 64-bit Zobrist hash.
// - Observers first: a read (or failed cas) that the state allows, among the calls
//   that may go now, goes now and alone. Any order that places it later stays valid
//   with it moved here (it changes no state, and every pending call returns after it
//   began), so its siblings need no try: the node succeeds iff that child does.
// - Twins: of identical completed calls (same operation, same arguments) that may go
//   now, only the one that returns first is tried, and one that failed here rules out
//   every twin that returns no earlier: swapping the two in any order that starts with
//   the later one gives an order that starts with the earlier one. Many concurrent
//   equal cas calls are then tried once per state, not once per subset.
// - Reachable reads: when the first call to return is a read of a value the state is
//   not, the calls that may go before it must be able to make that value (a write of
//   it, or appends that extend the state to it), or the node is dead. A pending read
//   whose overlapping writes and cas are all placed makes the node dead as soon as the
//   state is not a prefix of its value (appends only extend).
// - Open calls have no return (nothing forces them) and are placed only when that
//   changes the state; of several identical open calls, the earliest is placed first.
import type { Budget } from './lin-budget.ts';
import { eventList, fmix, relink, unlink, zobristKeys } from './lin-events.ts';
import { HashSet64 } from './hash-set64.ts';
import { Kind, step, type LinOp, type States } from './lin-model.ts';
import { classes, reachable, resetsDuring } from './lin-search-facts.ts';

export type SearchResult =
  | { readonly kind: 'ok'; readonly order: readonly number[]; readonly ends: readonly number[] }
  | { readonly kind: 'fail'; readonly stuck: number }
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * mode 'any': stop at the first linearization (order = op indexes in linearized order).
 * mode 'all': explore every linearization and return every state one can end in.
 * `ops` must be sorted by start. A failure names the call whose completion could not be
 * reached by any ordering (the furthest the search got).
 */
export function search(states: States, ops: readonly LinOp[], starts: readonly number[], mode: 'any' | 'all', budget: Budget): SearchResult {
  const s = new Search(states, ops, starts, mode, budget, 0);
  return s.step() as SearchResult;
}

/** Iterations of the search between two looks at the clock (and, for a search in slices, between two slices at most). */
const CHECK_EVERY = 0x1000;

/**
 * A search that can run in slices, so that the searches of many keys take turns (as
 * Porcupine runs them side by side), and a cheap key's violation is found while an
 * expensive key's search waits, without any search starting over.
 */
export class Search {
  private readonly ctx: Ctx;
  private readonly slice: number;
  private readonly cache: HashSet64;
  private readonly budget: Budget;
  private result: SearchResult | undefined;
  /**
   * `slice`: iterations per call of step() (rounded up to CHECK_EVERY), 0 for no limit.
   */
  constructor(states: States, ops: readonly LinOp[], starts: readonly number[], mode: 'any' | 'all', budget: Budget, slice: number) {
    // one memo is kept between searches (cleared, not reallocated) unless it grew large
    this.cache = spare ?? new HashSet64(1024);
    spare = undefined;
    this.cache.clear();
    this.budget = budget;
    this.slice = slice;
    this.ctx = prepare(states, ops, starts, mode, budget, this.cache);
  }
  /** Bytes the search's memo takes. */
  get bytes(): number {
    return this.cache.bytes;
  }
  /** Runs the search for a slice: its result, or undefined if it is not done. */
  step(): SearchResult | undefined {
    if (this.result !== undefined) return this.result;
    let r: SearchResult | undefined;
    try {
      r = run(this.ctx, this.slice);
    } catch (err) {
      this.release();
      throw err;
    }
    if (r === undefined) return undefined;
    this.budget.record(this.cache.size);
    this.result = r;
    this.release();
    return r;
  }
  private release(): void {
    if (this.cache.capacity <= 1 << 17 && spare === undefined) spare = this.cache;
  }
}
let spare: HashSet64 | undefined;

/** Per twin class, of the calls that may go now, the one that returns first, valid for node bestAt[class]. */
interface TwinsNow {
  readonly best: Int32Array;
  readonly bestAt: Int32Array;
  readonly twin: Int32Array;
  readonly end: Float64Array;
}

/** Whether op o is, of its twins among the events from `from` up to `stop` (those that may go now at `node`), the one that returns first (ties: the earliest). */
function firstTwin(t: TwinsNow, o: number, node: number, next: Int32Array, evOp: Int32Array, from: number, stop: number): boolean {
  const { best, bestAt, twin, end } = t;
  const c = twin[o] as number;
  if (bestAt[c] !== node) {
    // one pass over the calls that may go now settles every class at this node
    for (let q = from; q !== stop && q !== -1; q = next[q] as number) {
      const x = evOp[q] as number;
      const k = twin[x] as number;
      if (k === -1) continue;
      if (bestAt[k] !== node) {
        bestAt[k] = node;
        best[k] = x;
      } else if ((end[x] as number) < (end[best[k] as number] as number)) best[k] = x;
    }
  }
  return best[c] === o;
}

/** Twins that failed at the nodes on the path (see run), and the undo log of what each node changed. */
interface TwinLog {
  readonly stamp: Int32Array;
  readonly minEnd: Float64Array;
  readonly cls: number[];
  readonly was: number[];
  readonly end: number[];
}

/** Records that a call of twin class c returning at `end` failed at node `node`; the log's new top. */
function failedTwin(log: TwinLog, top: number, c: number, end: number, node: number): number {
  if (c === -1) return top;
  log.cls[top] = c;
  log.was[top] = log.stamp[c] as number;
  log.end[top] = log.minEnd[c] as number;
  if (log.stamp[c] !== node || end < (log.minEnd[c] as number)) log.minEnd[c] = end;
  log.stamp[c] = node;
  return top + 1;
}

/** A search's arrays, built once, and where its loop stands between two slices. */
type Ctx = ReturnType<typeof prepare>;

function prepare(states: States, ops: readonly LinOp[], starts: readonly number[], mode: 'any' | 'all', budget: Budget, cache: HashSet64) {
  const n = ops.length;
  const { head, next, prev, evOp, isCall, match } = eventList(ops);
  const { openPrev, twin, twins } = classes(ops);
  const end = new Float64Array(n);
  const observer = new Uint8Array(n);
  const obsA = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = ops[i] as LinOp;
    end[i] = o.end;
    observer[i] = !o.optional && (o.kind === Kind.Read || o.kind === Kind.CasFail) ? 1 : 0;
    obsA[i] = o.a;
  }
  const log: TwinLog = { stamp: new Int32Array(twins).fill(-1), minEnd: new Float64Array(twins), cls: [], was: [], end: [] };
  return {
    states,
    ops,
    starts,
    mode,
    budget,
    cache,
    head,
    next,
    prev,
    evOp,
    isCall,
    match,
    openPrev,
    twin,
    end,
    observer,
    obsA,
    during: resetsDuring(ops),
    z: zobristKeys(n),
    lin: new Uint8Array(n),
    stackEv: new Int32Array(n),
    stackState: new Int32Array(n),
    forced: new Uint8Array(n),
    // twins that failed at the node at each depth: per class, the earliest return among
    // them, valid while stamp = that node's id; an undo log restores what a child changed
    nodeOf: new Int32Array(n + 1),
    // the first return in the list at the node at each depth (-1: none): the calls before it may go now
    firstRet: new Int32Array(n + 1),
    log,
    base: new Int32Array(n + 1),
    ends: new Set<number>(),
    // per twin class, the one of those that may go now that returns first, for node bestAt[c]
    twinsNow: { best: new Int32Array(twins), bestAt: new Int32Array(twins).fill(-1), twin, end } as TwinsNow,
    // where the loop stands (saved when a slice ends)
    nodes: 0,
    top: 0,
    maxRet: -1,
    sp: 0,
    h1: 0,
    h2: 0,
    iter: 0,
    state: 0,
    e: -1,
    fresh: true,
    /** the start being searched from, and whether its search has begun */
    si: 0,
    inside: false,
  };
}

/** Runs the search for `slice` iterations (0: to the end): its result, or undefined when the slice ended first. */
function run(c: Ctx, slice: number): SearchResult | undefined {
  const {
    states,
    ops,
    starts,
    mode,
    budget,
    cache,
    head,
    next,
    prev,
    evOp,
    isCall,
    match,
    openPrev,
    twin,
    end,
    observer,
    obsA,
    during,
    z,
    lin,
    stackEv,
    stackState,
    forced,
    nodeOf,
    firstRet,
    log,
    base,
    ends,
    twinsNow,
  } = c;
  const { stamp, minEnd } = log;
  let { nodes, top, maxRet, sp, h1, h2, iter, state, e, fresh, si, inside } = c;
  const pauseAt = slice > 0 ? iter + slice : Infinity;
  // (no closures here: what one captures lives on the heap, and the loop would pay for it)
  for (; si < starts.length; si++) {
    if (!inside) {
      const s0 = starts[si] as number;
      state = s0;
      nodeOf[0] = ++nodes;
      if (!cache.add(fmix(s0 + 1), fmix(s0 ^ 0x5bd1e995))) continue;
      e = next[head] as number;
      fresh = true;
      inside = true;
    }
    for (;;) {
      if ((++iter & (CHECK_EVERY - 1)) === 0) {
        if (budget.timeUp()) return { kind: 'unknown', reason: 'time budget exhausted' };
        if (iter >= pauseAt) {
          Object.assign(c, { nodes, top, maxRet, sp, h1, h2, iter, state, e, fresh, si, inside });
          return undefined;
        }
      }
      let dead = false;
      // the call to place (its event), the state it leads to, and whether it goes alone
      let cand = -1;
      let ns = state;
      let alone = false;
      if (fresh) {
        // a new node: an observer the state allows goes first, alone
        fresh = false;
        let q = e;
        for (; q !== -1 && isCall[q] === 1; q = next[q] as number) {
          const o = evOp[q] as number;
          if (observer[o] === 0) continue;
          const a = obsA[o] as number;
          if ((ops[o] as LinOp).kind === Kind.Read ? state === a : state !== a) {
            cand = q;
            alone = true;
            break;
          }
          // a read whose value only appends could make from here (every write and cas
          // overlapping it is placed), and they cannot
          if ((ops[o] as LinOp).kind === Kind.Read && (during.from[o] as number) >= 0 && !states.reaches(state, a)) {
            let placed = true;
            for (let k = during.from[o] as number; k < (during.to[o] as number) && placed; k++) placed = lin[during.list[k] as number] === 1;
            if (placed) {
              dead = true;
              // the search got no further than this read's return: it is the stuck call
              if ((match[q] as number) > maxRet) maxRet = match[q] as number;
              break;
            }
          }
        }
        // the first call to return, if a read the state does not allow: the calls that
        // may go before it must be able to make its value, or this node is dead
        if (cand < 0 && !dead && q !== -1 && (ops[evOp[q] as number] as LinOp).kind === Kind.Read && !reachable(ops, next, head, evOp, q, states, state)) {
          dead = true;
          if (q > maxRet) maxRet = q;
        }
        firstRet[sp] = q;
      }
      if (cand < 0 && !dead) {
        if (e === -1) {
          if (mode === 'any') return { kind: 'ok', order: Array.from(stackEv.subarray(0, sp), (p) => evOp[p] as number), ends: [state] };
          ends.add(state);
        } else if (isCall[e] === 1) {
          const o = evOp[e] as number;
          const op = ops[o] as LinOp;
          const cp = openPrev[o] as number;
          const c = twin[o] as number;
          // twins: one that failed here and returns no later rules this one out
          if (
            observer[o] === 0 &&
            (cp < 0 || lin[cp] === 1) &&
            (c === -1 ||
              ((stamp[c] !== nodeOf[sp] || (minEnd[c] as number) > (end[o] as number)) &&
                firstTwin(twinsNow, o, nodeOf[sp] as number, next, evOp, next[head] as number, firstRet[sp] as number)))
          ) {
            ns = step(states, op, state);
            if (ns >= 0 && !(op.optional && ns === state)) cand = e;
          }
          if (cand < 0) {
            e = next[e] as number;
            continue;
          }
        } else if (e > maxRet) maxRet = e;
      }
      if (cand >= 0) {
        const o = evOp[cand] as number;
        if (cache.add(h1 ^ (z[2 * o] as number) ^ fmix(ns + 1), h2 ^ (z[2 * o + 1] as number) ^ fmix(ns ^ 0x5bd1e995))) {
          const why = budget.over(cache.size, cache.bytes);
          if (why !== undefined) return { kind: 'unknown', reason: why };
          stackEv[sp] = cand;
          stackState[sp] = state;
          forced[sp++] = alone ? 1 : 0;
          base[sp] = top;
          nodeOf[sp] = ++nodes;
          lin[o] = 1;
          h1 ^= z[2 * o] as number;
          h2 ^= z[2 * o + 1] as number;
          state = ns;
          unlink(next, prev, cand);
          const m = match[cand] as number;
          if (m >= 0) unlink(next, prev, m);
          e = next[head] as number;
          fresh = true;
          continue;
        }
        // explored before, from another path: an observer's node ends as that child did
        if (!alone) {
          top = failedTwin(log, top, twin[o] as number, end[o] as number, nodeOf[sp] as number);
          e = next[e] as number;
          continue;
        }
      }
      // backtrack: undo the last placement and try the call after it; a forced
      // placement had no alternatives, so its node is done too
      let resumed = false;
      while (sp > 0) {
        const p = stackEv[--sp] as number;
        const o = evOp[p] as number;
        lin[o] = 0;
        h1 ^= z[2 * o] as number;
        h2 ^= z[2 * o + 1] as number;
        state = stackState[sp] as number;
        const m = match[p] as number;
        if (m >= 0) relink(next, prev, m);
        relink(next, prev, p);
        // undo what the nodes below recorded about twins
        for (const mark = base[sp + 1] as number; top > mark; ) {
          const c = log.cls[--top] as number;
          stamp[c] = log.was[top] as number;
          minEnd[c] = log.end[top] as number;
        }
        if (forced[sp] === 1) continue;
        top = failedTwin(log, top, twin[o] as number, end[o] as number, nodeOf[sp] as number);
        e = next[p] as number;
        resumed = true;
        break;
      }
      if (!resumed) break;
    }
    inside = false;
  }
  if (ends.size > 0) return { kind: 'ok', order: [], ends: [...ends] };
  return { kind: 'fail', stuck: maxRet >= 0 ? (evOp[maxRet] as number) : 0 };
}
