// What the linearizability search (lin-search.ts) works out about a segment's calls
// before it starts, and the one question it asks the list of pending calls: which
// calls are identical (twins, identical open calls), which writes and cas overlap each
// read, and whether the calls that may go now could make a read's value.
import { Kind, type LinOp, type States } from './lin-model.ts';

/** Per op: the previous identical open op (-1: none), and the class of identical completed ops (-1: no twin). */
export function classes(ops: readonly LinOp[]): { openPrev: Int32Array; twin: Int32Array; twins: number } {
  const n = ops.length;
  const openPrev = new Int32Array(n).fill(-1);
  const twin = new Int32Array(n).fill(-1);
  const lastOf = new Map<number | string, number>();
  const first = new Map<number | string, number>();
  let classes = 0;
  for (let i = 0; i < n; i++) {
    const o = ops[i] as LinOp;
    // one number while the state ids fit in 24 bits each
    const k =
      o.a < 1 << 24 && o.b < 1 << 24 ? (o.a + o.b * (1 << 24)) * 16 + o.kind * 2 + (o.optional ? 1 : 0) : `${o.optional ? 'o' : 'c'}${o.kind},${o.a},${o.b}`;
    if (o.optional) {
      openPrev[i] = lastOf.get(k) ?? -1;
      lastOf.set(k, i);
      continue;
    }
    const f = first.get(k);
    if (f === undefined) first.set(k, i);
    else {
      if (twin[f] === -1) twin[f] = classes++;
      twin[i] = twin[f] as number;
    }
  }
  return { openPrev, twin, twins: classes };
}

/** The writes and cas overlapping each read, as offsets into a flat list (a read with more than MAX_RESETS: -1, never checked). */
export interface Resets {
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly list: Int32Array;
}
const MAX_RESETS = 16;

/**
 * For each read, the writes and cas that overlap it: once they are all placed, only
 * appends can change the state before it (a write that returned before it began has
 * been placed already).
 */
export function resetsDuring(ops: readonly LinOp[]): Resets {
  const n = ops.length;
  const from = new Int32Array(n).fill(-1);
  const to = new Int32Array(n).fill(-1);
  const resets: number[] = [];
  const open: number[] = [];
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const o = ops[i] as LinOp;
    if (o.kind !== Kind.Write && o.kind !== Kind.Cas) continue;
    resets.push(i); // by start, as ops are
    if (Number.isFinite(o.end)) longest = Math.max(longest, o.end - o.start);
    else open.push(i);
  }
  const list: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = ops[i] as LinOp;
    if (r.kind !== Kind.Read) continue;
    let lo = 0;
    let hi = resets.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if ((ops[resets[m] as number] as LinOp).start <= r.end) lo = m + 1;
      else hi = m;
    }
    const mine: number[] = [];
    for (const w of open) if ((ops[w] as LinOp).start <= r.end) mine.push(w);
    // completed ones that overlap began at most `longest` before it
    for (let k = lo - 1; k >= 0 && mine.length <= MAX_RESETS; k--) {
      const w = ops[resets[k] as number] as LinOp;
      if (w.start < r.start - longest) break;
      if (Number.isFinite(w.end) && w.end >= r.start) mine.push(resets[k] as number);
    }
    if (mine.length > MAX_RESETS) continue;
    from[i] = list.length;
    list.push(...mine);
    to[i] = list.length;
  }
  return { from, to, list: Int32Array.from(list) };
}

/** Whether the calls before return event r (those that may go now) could make the state the read at r returned. */
export function reachable(ops: readonly LinOp[], next: Int32Array, head: number, evOp: Int32Array, r: number, states: States, state: number): boolean {
  const v = (ops[evOp[r] as number] as LinOp).a;
  let appends = false;
  let resets = false;
  for (let q = next[head] as number; q !== r; q = next[q] as number) {
    const op = ops[evOp[q] as number] as LinOp;
    if (op.kind === Kind.Write || op.kind === Kind.Cas) {
      if ((op.kind === Kind.Write ? op.a : op.b) === v) return true;
      resets = true;
    } else if (op.kind === Kind.Append) appends = true;
  }
  return appends && (resets || states.reaches(state, v));
}
