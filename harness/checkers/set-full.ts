// Set / append completeness, after Jepsen's set-full. Clients add (append) unique
// elements to keys and read whole collections back. Per element:
// - lost: known to be in the set (its add was acknowledged, or a read showed it), and
//   absent from every read that began after that (at least one such read exists);
// - phantom: read, but never added by anyone (or only by adds that definitely failed);
// - late: acknowledged, but reads that began after the acknowledgement missed it
//   before one finally showed it: reported with how late (ms) and how many reads missed.
// Indeterminate adds (info) that never show up are neither lost nor late.
import type { Op } from '../history/op.ts';
import { byKey, pairCalls, valueKey, type Call } from './calls.ts';
import type { CheckResult } from './check.ts';

export interface SetFinding {
  readonly key: string | null;
  readonly element: unknown;
}
export interface Lost extends SetFinding {
  /** time it was known present: acknowledged, or first seen */
  readonly knownAt: number;
  /** reads that began after that, all without it */
  readonly readsAfter: number;
}
export interface Phantom extends SetFinding {
  /** history index of the first read that showed it */
  readonly firstSeenIndex: number;
}
export interface Late extends SetFinding {
  readonly lateByMs: number;
  readonly missedReads: number;
}

interface Elem {
  readonly element: unknown;
  ackEnd: number;
  attempted: boolean;
  firstSeenEnd: number;
  firstSeenIndex: number;
  lastSeenStart: number;
  /** starts of reads that showed it */
  seenStarts: number[];
}

/** Number of sorted values strictly between lo and hi. */
function countBetween(sorted: readonly number[], lo: number, hi: number): number {
  const first = (x: number): number => {
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if ((sorted[m] as number) <= x) a = m + 1;
      else b = m;
    }
    return a;
  };
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if ((sorted[m] as number) < hi) a = m + 1;
    else b = m;
  }
  return Math.max(0, a - first(lo));
}

function checkKey(key: string | undefined, calls: readonly Call[], out: { lost: Lost[]; phantom: Phantom[]; late: Late[] }): number {
  const elems = new Map<string, Elem>();
  const get = (v: unknown): Elem => {
    const k = valueKey(v);
    let e = elems.get(k);
    if (e === undefined)
      elems.set(
        k,
        (e = { element: v, ackEnd: Infinity, attempted: false, firstSeenEnd: Infinity, firstSeenIndex: -1, lastSeenStart: -Infinity, seenStarts: [] }),
      );
    return e;
  };
  const readStarts: number[] = [];
  for (const c of calls) {
    if (c.f === 'append' && c.type !== 'fail') {
      const e = get(c.input);
      e.attempted = true;
      if (c.type === 'ok') e.ackEnd = Math.min(e.ackEnd, c.end);
    } else if (c.f === 'read' && c.type === 'ok' && Array.isArray(c.output)) {
      readStarts.push(c.start);
      for (const v of c.output as readonly unknown[]) {
        const e = get(v);
        if (c.end < e.firstSeenEnd) {
          e.firstSeenEnd = c.end;
          e.firstSeenIndex = c.completionIndex;
        }
        e.lastSeenStart = Math.max(e.lastSeenStart, c.start);
        e.seenStarts.push(c.start);
      }
    }
  }
  readStarts.sort((a, b) => a - b);
  const lastRead = readStarts.length > 0 ? (readStarts[readStarts.length - 1] as number) : -Infinity;
  const k = key ?? null;
  for (const e of elems.values()) {
    if (!e.attempted) {
      if (e.firstSeenIndex >= 0) out.phantom.push({ key: k, element: e.element, firstSeenIndex: e.firstSeenIndex });
      continue;
    }
    const known = Math.min(e.ackEnd, e.firstSeenEnd);
    if (Number.isFinite(known) && lastRead > known && !(e.lastSeenStart > known)) {
      out.lost.push({ key: k, element: e.element, knownAt: known, readsAfter: countBetween(readStarts, known, Infinity) });
      continue;
    }
    if (Number.isFinite(e.ackEnd)) {
      const ack = e.ackEnd;
      const shown = e.seenStarts.filter((s) => s > ack).reduce((m, s) => Math.min(m, s), Infinity);
      const missed = Number.isFinite(shown) ? countBetween(readStarts, ack, shown) : 0;
      if (missed > 0) out.late.push({ key: k, element: e.element, lateByMs: shown - ack, missedReads: missed });
    }
  }
  return elems.size;
}

export function checkSetFull(history: readonly Op[]): CheckResult {
  const out = { lost: [] as Lost[], phantom: [] as Phantom[], late: [] as Late[] };
  let keys = 0;
  let elements = 0;
  for (const [key, calls] of byKey(pairCalls(history))) {
    if (!calls.some((c) => c.f === 'append')) continue;
    keys++;
    elements += checkKey(key, calls, out);
  }
  const worstLate = out.late.reduce((m, l) => Math.max(m, l.lateByMs), 0);
  const details = { keys, elements, lost: out.lost, phantom: out.phantom, late: out.late, worstLateMs: worstLate };
  const lateText = out.late.length > 0 ? `; ${out.late.length} late (worst ${worstLate} ms)` : '';
  if (out.lost.length === 0 && out.phantom.length === 0) {
    return { name: 'set-full', verdict: 'pass', summary: `${elements} element(s) on ${keys} key(s): none lost, no phantoms${lateText}`, details };
  }
  const first = out.lost[0] ?? out.phantom[0];
  const what = out.lost.length > 0 ? 'lost' : 'phantom';
  const summary = `${out.lost.length} lost, ${out.phantom.length} phantom element(s)${lateText}; first ${what}: key ${JSON.stringify(first?.key ?? null)} element ${JSON.stringify(first?.element)}`;
  return { name: 'set-full', verdict: 'fail', summary, details };
}
