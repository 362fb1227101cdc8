// Test helper: small literal histories written one line per operation.
//   ['i', 0, 'write', 'k', 1]   process 0 invokes write(1) on key k
//   ['ok', 0, 'write', 'k', 1]  ... and it completes
// Times are the line numbers unless a sixth element gives one. Extra fields
// (final, consistency) go in a seventh element.
import type { Op, OpF, OpType } from '../history/op.ts';

export type Line = readonly [string, number, OpF, string | null, Op['value'], (number | undefined)?, Partial<Op>?];

const TYPES: Record<string, OpType> = { i: 'invoke', invoke: 'invoke', ok: 'ok', fail: 'fail', info: 'info' };

export function hist(lines: readonly Line[]): Op[] {
  return lines.map(([t, process, f, key, value, time, extra], index) => {
    const type = TYPES[t];
    if (type === undefined) throw new Error(`bad op type ${t}`);
    const op: Op = { index, type, f, value, process, time: time ?? index, ...(key === null ? {} : { key }), ...extra };
    return op;
  });
}

/** A final (post-recovery, strong) read of key k returning v, by process p. */
export function finalRead(p: number, k: string, v: Op['value']): Line[] {
  const fin = { final: true, consistency: 'strong' } as Partial<Op>;
  return [['i', p, 'read', k, null, undefined, fin], ['ok', p, 'read', k, v, undefined, fin]];
}
