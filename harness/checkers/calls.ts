// Pairs a history's invoke / completion lines into calls: one operation with the
// interval in which it could have taken effect. A call that never completed, or
// completed `info`, stays open to the end of time (end = +Infinity).
import type { Op, OpF, Value } from '../history/op.ts';

export type CallType = 'ok' | 'fail' | 'info';

export interface Call {
  /** Position in invoke order, 0-based. */
  readonly id: number;
  readonly key: string | undefined;
  readonly f: OpF;
  readonly type: CallType;
  readonly process: number;
  /** Time of the invoke. */
  readonly start: number;
  /** Time of an ok / fail completion; +Infinity for info and never-completed calls. */
  readonly end: number;
  /** Argument: the invoke's value (write value, [expected, new], appended element). */
  readonly input: Op['value'];
  /** Result: the completion's value (what a read returned). */
  readonly output: Op['value'];
  readonly consistency: 'strong' | 'eventual' | undefined;
  /** Completed by a read the harness issued after recovery. */
  readonly final: boolean;
  /** fail / info: what the client saw. A failed cas with an error other than
   * "precondition failed" (e.g. a refused connection) definitely did not run. */
  readonly error: string | undefined;
  /** History indexes of the invoke and completion lines (completion -1 if none). */
  readonly invokeIndex: number;
  readonly completionIndex: number;
}

type MaybeFinal = Op & { readonly final?: boolean };

function makeCall(id: number, inv: Op, c: Op | undefined, start: number): Call {
  const type: CallType = c === undefined || c.type === 'invoke' ? 'info' : c.type;
  return {
    id,
    key: inv.key ?? c?.key,
    f: inv.f,
    type,
    process: inv.process,
    start,
    end: c === undefined || type === 'info' ? Number.POSITIVE_INFINITY : c.time,
    input: inv.value,
    output: c === undefined ? null : c.value,
    consistency: c?.consistency ?? inv.consistency,
    final: (c as MaybeFinal | undefined)?.final === true || (inv as MaybeFinal).final === true,
    error: c?.error,
    invokeIndex: inv.index,
    completionIndex: c === undefined ? -1 : c.index,
  };
}

/**
 * Pairs each invoke with the next completion of the same process. Calls come out in
 * invoke order (history order); a completion with no invoke becomes a call that began
 * `latencyMs` before it (or at the same instant).
 */
export function pairCalls(history: readonly Op[]): Call[] {
  const calls: Call[] = [];
  const open = new Map<number, number>(); // process → slot of its pending invoke
  const invokes: Op[] = [];
  let orphans = false;
  for (const op of history) {
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev !== undefined) calls[prev] = makeCall(prev, invokes[prev] as Op, undefined, (invokes[prev] as Op).time);
      const slot = calls.length;
      calls.push(undefined as unknown as Call); // filled on completion
      invokes[slot] = op;
      open.set(op.process, slot);
      continue;
    }
    const slot = open.get(op.process);
    if (slot !== undefined) {
      open.delete(op.process);
      calls[slot] = makeCall(slot, invokes[slot] as Op, op, (invokes[slot] as Op).time);
    } else {
      orphans = true;
      calls.push(makeCall(calls.length, op, op, op.latencyMs !== undefined ? op.time - op.latencyMs : op.time));
    }
  }
  for (const slot of open.values()) calls[slot] = makeCall(slot, invokes[slot] as Op, undefined, (invokes[slot] as Op).time);
  if (!orphans) return calls;
  return calls.sort((a, b) => a.start - b.start || a.id - b.id).map((c, id) => ({ ...c, id }));
}

/** The value a write-like call leaves behind if it took effect, or undefined if it writes nothing. */
export function writtenValue(c: Call): { readonly v: Value } | undefined {
  if (c.f === 'write') return { v: c.input as Value };
  if (c.f === 'delete') return { v: null };
  if (c.f === 'cas' && Array.isArray(c.input)) return { v: (c.input[1] ?? null) as Value };
  return undefined;
}

/** Canonical text of a value, for comparing and interning. */
export function valueKey(v: unknown): string {
  return v === undefined ? 'null' : JSON.stringify(v);
}

/** Groups calls by key, in order of each key's first call. */
export function byKey(calls: readonly Call[]): Map<string | undefined, Call[]> {
  const m = new Map<string | undefined, Call[]>();
  for (const c of calls) {
    let l = m.get(c.key);
    if (l === undefined) m.set(c.key, (l = []));
    l.push(c);
  }
  return m;
}
