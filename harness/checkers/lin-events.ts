// The events of one search, shared by the per-key and the whole-map searches: calls
// and returns in time order as a doubly linked list the search lifts calls out of
// and puts back, and the fixed Zobrist keys that hash a set of linearized calls.

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
