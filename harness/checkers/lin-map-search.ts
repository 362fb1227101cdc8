// The search for a linearization of a whole kv history at once: the model state is
// the entire map (every key), not one key's value. Same algorithm as lin-search.ts
// (Wing & Gong, Lowe's memo, events in a linked list), but:
// - the map is one Int32Array of interned values, one slot per key, changed in place
//   by a step and restored on backtrack (a step touches one key: O(1), no copy);
// - the map's 64-bit hash is the XOR over keys of hash(key, value), updated in O(1)
//   when a step changes one key's value;
// - the memo holds (linearized set, map) pairs as that hash XOR the set's Zobrist hash;
// - a read (or failed cas) that fits the map now is placed now, without trying its
//   siblings (moving it earlier never breaks an order);
// - backjumping: a failed branch records the key its failure is about; undoing a
//   choice on another key cannot help, so that choice's alternatives are skipped.
//   (Chronological backtracking, as Porcupine does, is kept for comparison.)
// Checking key by key is equivalent (linearizability is local) and usually much
// cheaper; this search exists to check that claim and to compare with checkers that
// search the whole map.
import { HashMap64 } from './hash-set64.ts';
import { Kind, type LinOp, type States } from './lin-model.ts';
import type { Budget } from './lin-budget.ts';
import { eventList, fmix, relink, unlink, zobristKeys } from './lin-events.ts';

/** One call of the whole history, with the key (an index into the map) it touches. */
export interface MapOp {
  readonly op: LinOp;
  readonly key: number;
}

/** Where the search got furthest before a failure. */
export interface MapFrontier {
  /** the op whose completion no ordering reached */
  readonly stuck: number;
  /** ops invoked before that completion and not linearized there (the stuck op among them), by invoke */
  readonly pending: readonly number[];
  /** how many ops were linearized there, and the last few on the pending ops' keys, in order */
  readonly linearized: number;
  readonly last: readonly number[];
  /** the map there, for the keys the pending ops touch: [key, value id] */
  readonly values: ReadonlyArray<readonly [number, number]>;
}

export type MapSearchResult =
  | { readonly kind: 'ok'; readonly order: readonly number[]; readonly map: Int32Array }
  | ({ readonly kind: 'fail' } & MapFrontier)
  | { readonly kind: 'unknown'; readonly reason: string };

const LAST = 10;
/** a failure's reason when it is not known to be one key */
const ALL = -1;
const LOOK_BACK = 1000;

/**
 * Stops at the first linearization of every op. `ops` must be sorted by start;
 * `states[k]` interns key k's values; `initial[k]` is key k's value before the first op.
 */
export function searchMap(states: readonly States[], ops: readonly MapOp[], initial: Int32Array, budget: Budget, backjump = true): MapSearchResult {
  const n = ops.length;
  const K = initial.length;
  // per-op columns: no object is touched in the hot loop
  const kind = new Uint8Array(n);
  const opA = new Int32Array(n);
  const opB = new Int32Array(n);
  const opKey = new Int32Array(n);
  const optional = new Uint8Array(n);
  // the last append transition each op made (from → to): appends repeat from the same state
  const appFrom = new Int32Array(n).fill(-1);
  const appTo = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const m = ops[i] as MapOp;
    kind[i] = m.op.kind;
    opA[i] = m.op.a;
    opB[i] = m.op.b;
    opKey[i] = m.key;
    optional[i] = m.op.optional ? 1 : 0;
  }
  // events: call of op i = 2i, return = 2i+1 (open calls have none), in time order
  const { E, head, next, prev, evOp, isCall, match } = eventList(ops.map((m) => m.op));
  // identical open calls (same key, same effect): each may only be placed after the previous one
  const classPrev = new Int32Array(n).fill(-1);
  const lastOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (optional[i] === 0) continue;
    const k = `${opKey[i]},${kind[i]},${opA[i]},${opB[i]}`;
    classPrev[i] = lastOf.get(k) ?? -1;
    lastOf.set(k, i);
  }
  // hash(key, value) = fmix(seed of key ^ value), two independent halves
  const seed1 = new Int32Array(K);
  const seed2 = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    seed1[k] = fmix(Math.imul(k + 1, 0x9e3779b1));
    seed2[k] = fmix(Math.imul(k + 1, 0x85ebca77) ^ 0x27d4eb2f);
  }
  const kh1 = (k: number, v: number): number => fmix((seed1[k] as number) ^ v);
  const kh2 = (k: number, v: number): number => fmix(((seed2[k] as number) + Math.imul(v, 0x165667b1)) | 0);

  const z = zobristKeys(n);
  const map = Int32Array.from(initial);
  let s1 = 0;
  let s2 = 0;
  for (let k = 0; k < K; k++) {
    s1 ^= kh1(k, map[k] as number);
    s2 ^= kh2(k, map[k] as number);
  }
  const lin = new Uint8Array(n);
  const stackEv = new Int32Array(n);
  const stackPrev = new Int32Array(n);
  const forced = new Uint8Array(n);
  // Why a node failed: a key whose calls alone, from this node, cannot be ordered
  // (ALL: not known). It is the key of the return that stopped the walk: every call on
  // that key tried there failed for that key (a call whose failure was for another key
  // makes the node fail for that key at once). By locality one key always suffices.
  const unsure = new Uint8Array(n + 1);
  const cache = new HashMap64(Math.min(1 << 16, 4 * n + 16));
  cache.add(s1, s2, 0);
  let frontier: MapFrontier = { stuck: 0, pending: [], linearized: 0, last: [], values: [] };
  let maxRet = -1;
  let sp = 0;
  let h1 = 0;
  let h2 = 0;
  let iter = 0;

  /** the new value of the op's key, or -1 if the op cannot take effect on value s */
  const step = (o: number, s: number): number => {
    switch (kind[o]) {
      case Kind.Read:
        return s === opA[o] ? s : -1;
      case Kind.Write:
        return opA[o] as number;
      case Kind.Cas:
        return s === opA[o] ? (opB[o] as number) : -1;
      case Kind.CasFail:
        return s !== opA[o] ? s : -1;
      default: {
        if (appFrom[o] === s) return appTo[o] as number;
        const r = (states[opKey[o] as number] as States).append(s, opA[o] as number);
        appFrom[o] = s;
        appTo[o] = r;
        return r;
      }
    }
  };

  let e = next[head] as number;
  let reason = 0;
  search: for (;;) {
    if ((++iter & 0xfff) === 0 && budget.timeUp()) return done({ kind: 'unknown', reason: 'time budget exhausted' });
    if (e === -1) return done({ kind: 'ok', order: Array.from(stackEv.subarray(0, sp), (p) => evOp[p] as number), map });
    if (isCall[e] === 1) {
      const o = evOp[e] as number;
      const k = opKey[o] as number;
      const cp = classPrev[o] as number;
      const s = map[k] as number;
      const ns = optional[o] === 1 && cp >= 0 && lin[cp] === 0 ? -1 : step(o, s);
      if (ns < 0 || (optional[o] === 1 && ns === s)) {
        e = next[e] as number;
        continue;
      }
      // an observer that fits now goes now: if any order places it later, moving it
      // here keeps every other call's result and the real-time order, so its siblings
      // need no try (and if it fails, so does this node, for the same reason)
      const observer = kind[o] === Kind.Read || kind[o] === Kind.CasFail;
      const n1 = h1 ^ (z[2 * o] as number);
      const n2 = h2 ^ (z[2 * o + 1] as number);
      let t1 = s1;
      let t2 = s2;
      if (ns !== s) {
        t1 ^= kh1(k, s) ^ kh1(k, ns);
        t2 ^= kh2(k, s) ^ kh2(k, ns);
      }
      if (!cache.add(n1 ^ t1, n2 ^ t2, 0)) {
        // explored before, and failed, for the key it recorded (0: not recorded)
        const m = cache.get(n1 ^ t1, n2 ^ t2, 0) - 2;
        const why = m < 0 ? ALL : m;
        if (observer || (backjump && why !== ALL && why !== k)) {
          reason = why;
        } else {
          if (why === ALL) unsure[sp] = 1;
          e = next[e] as number;
          continue;
        }
      } else {
        const why = budget.over(cache.size, cache.bytes);
        if (why !== undefined) return done({ kind: 'unknown', reason: why });
        stackEv[sp] = e;
        stackPrev[sp] = s;
        forced[sp++] = observer ? 1 : 0;
        unsure[sp] = backjump ? 0 : 1;
        lin[o] = 1;
        h1 = n1;
        h2 = n2;
        s1 = t1;
        s2 = t2;
        map[k] = ns;
        unlink(next, prev, e);
        const m = match[e] as number;
        if (m >= 0) unlink(next, prev, m);
        e = next[head] as number;
        continue;
      }
    } else {
      // the return of a call not placed: this node fails
      if (e > maxRet) {
        maxRet = e;
        frontier = here(e);
      }
      reason = unsure[sp] === 1 ? ALL : (opKey[evOp[e] as number] as number);
    }
    // backtrack: remember why this node failed, undo the placement that led here, and
    // try the call after it; a forced placement had no alternatives, and one on another
    // key than the reason changes nothing that failed: the node before fails too, for
    // the same reason
    while (sp > 0) {
      if (backjump) cache.set(h1 ^ s1, h2 ^ s2, reason + 2);
      const p = stackEv[--sp] as number;
      const o = evOp[p] as number;
      lin[o] = 0;
      h1 ^= z[2 * o] as number;
      h2 ^= z[2 * o + 1] as number;
      const k = opKey[o] as number;
      const s = map[k] as number;
      const was = stackPrev[sp] as number;
      if (s !== was) {
        s1 ^= kh1(k, s) ^ kh1(k, was);
        s2 ^= kh2(k, s) ^ kh2(k, was);
        map[k] = was;
      }
      const m = match[p] as number;
      if (m >= 0) relink(next, prev, m);
      relink(next, prev, p);
      if (forced[sp] === 1 || (backjump && reason !== ALL && reason !== k)) continue;
      if (reason === ALL) unsure[sp] = 1;
      e = next[p] as number;
      continue search;
    }
    break;
  }
  return done({ kind: 'fail', ...frontier });

  /** The search's position at return event r: the calls still in the list before r. */
  function here(r: number): MapFrontier {
    const pending: number[] = [];
    for (let q = next[head] as number; q !== r && q !== -1; q = next[q] as number) if (isCall[q] === 1) pending.push(evOp[q] as number);
    const keys = [...new Set(pending.map((o) => opKey[o] as number))];
    // the last steps on those keys (looking back a bounded way)
    const last: number[] = [];
    for (let i = sp - 1; i >= 0 && i >= sp - LOOK_BACK && last.length < LAST; i--) {
      const o = evOp[stackEv[i] as number] as number;
      if (keys.includes(opKey[o] as number)) last.unshift(o);
    }
    return { stuck: evOp[r] as number, pending, linearized: sp, last, values: keys.map((k) => [k, map[k] as number] as const) };
  }

  function done<R extends MapSearchResult>(r: R): R {
    budget.record(cache.size);
    return r;
  }
}
