// Makes a key's history cheap to search before the search starts.
//
// Open calls (info: may take effect at any later time, or never) are what make
// linearizability checking explode: each one stays pending to the end of the
// history, so no part of it can be checked apart from the rest, and every subset of
// them is a different search state. Two facts about registers remove most of them:
// - values that no call ever compares with (no read returns it, no cas, failed or
//   not, expects it) are indistinguishable: every call accepts or rejects them alike.
//   They all become one value, "unread", so that open writes of them are identical
//   and the search tries one, not every subset;
// - an open write of an unread value can be linearized "never": dropping it leaves
//   every other call's result unchanged, unless a failed cas could tell the
//   difference (then it is kept, as one of the identical open writes);
// - an open write whose value is written by no other call, and which some completed
//   call observes, must take effect before the first such observer completes: it is
//   no longer open.
// Then the history splits into segments at every instant where no call is pending:
// each segment is searched alone, carrying the set of states its predecessor can end in.
import { valueKey } from './calls.ts';
import { Kind, type LinOp, type States } from './lin-model.ts';

export interface PruneStats {
  /** open calls dropped as unobservable */
  dropped: number;
  /** open calls closed at their first observer */
  bounded: number;
}

/** The one state that stands for every value no call compares with. */
export const UNREAD = '(a value never read)';

/** The one state that stands for every state an append no call can see has made (see blindAppends). */
export const UNSEEN = '(appended to by a call no read saw)';

/**
 * An append whose element no compared value contains (no read returned a state with
 * it, no cas expected one) leaves a state that no read or cas can match until a write
 * replaces it, however the appends after it go. Every such append becomes a write of
 * one state, UNSEEN, which appends keep (States.absorbing): the orders of those appends
 * are then one, and the calls identical (twins). Porcupine's kv histories have many:
 * appends that a put overwrote before anyone read them.
 */
export function blindAppends(ops: readonly LinOp[], states: States, unseen: () => number): LinOp[] {
  if (!ops.some((o) => o.kind === Kind.Append)) return [...ops];
  const strings: string[] = [];
  const items = new Set<string>();
  for (const o of ops) {
    if (o.kind !== Kind.Read && o.kind !== Kind.Cas && o.kind !== Kind.CasFail) continue;
    const v = states.value(o.a) as unknown;
    if (v === UNSEEN) return [...ops];
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) for (const x of v) items.add(valueKey(x));
  }
  // a string state with the element appended contains it; a list state has it as an item
  const text = strings.join('\u0000');
  const seen = new Map<number, boolean>();
  return ops.map((o) => {
    if (o.kind !== Kind.Append) return o;
    let s = seen.get(o.a);
    if (s === undefined) {
      const e = states.value(o.a);
      const t = String(e);
      s = t === '' || t.includes('\u0000') || text.includes(t) || items.has(valueKey(e));
      seen.set(o.a, s);
    }
    return s ? o : { ...o, kind: Kind.Write, a: unseen() };
  });
}

export interface Pruned {
  readonly ops: LinOp[];
  readonly initial: number;
}

export function pruneOpen(ops: readonly LinOp[], initial: number, unread: () => number, stats: PruneStats): Pruned {
  if (ops.some((o) => o.kind === Kind.Append)) return { ops: [...ops], initial };
  const compared = new Set<number>();
  const writers = new Map<number, number>();
  const firstObserverEnd = new Map<number, number>();
  let casFail = false;
  for (const o of ops) {
    if (o.kind === Kind.Read || o.kind === Kind.Cas || o.kind === Kind.CasFail) compared.add(o.a);
    if ((o.kind === Kind.Read || o.kind === Kind.Cas) && !o.optional) firstObserverEnd.set(o.a, Math.min(firstObserverEnd.get(o.a) ?? Infinity, o.end));
    if (o.kind === Kind.CasFail) casFail = true;
    const w = written(o);
    if (w >= 0) writers.set(w, (writers.get(w) ?? 0) + 1);
  }
  const anon = (v: number): number => (compared.has(v) ? v : unread());
  const out: LinOp[] = [];
  for (const o0 of ops) {
    let o = o0;
    if (o.kind === Kind.Write && !compared.has(o.a)) o = { ...o, a: anon(o.a) };
    if (o.kind === Kind.Cas && !compared.has(o.b)) o = { ...o, b: anon(o.b) };
    const w = written(o);
    if (!o.optional || w < 0) {
      out.push(o);
      continue;
    }
    if (o.kind === Kind.Cas && o.a === o.b) {
      stats.dropped++; // takes effect or not, the state is the same
      continue;
    }
    if (!compared.has(w) && !casFail) {
      stats.dropped++;
      continue;
    }
    const by = firstObserverEnd.get(w);
    if (writers.get(w) === 1 && w !== initial && by !== undefined) {
      stats.bounded++;
      out.push({ ...o, end: by, optional: false });
      continue;
    }
    out.push(o);
  }
  return { ops: out, initial: anon(initial) };
}

function written(o: LinOp): number {
  return o.kind === Kind.Write ? o.a : o.kind === Kind.Cas ? o.b : -1;
}

/** Sorts by start and cuts wherever every earlier call completed before the next began. */
export function segments(ops: readonly LinOp[]): LinOp[][] {
  const sorted = [...ops].sort((x, y) => x.start - y.start || x.call.id - y.call.id);
  const out: LinOp[][] = [];
  let cur: LinOp[] = [];
  let maxEnd = -Infinity;
  for (const o of sorted) {
    if (cur.length > 0 && maxEnd < o.start) {
      out.push(cur);
      cur = [];
    }
    cur.push(o);
    maxEnd = Math.max(maxEnd, o.end);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
