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
  return [
    ['i', p, 'read', k, null, undefined, fin],
    ['ok', p, 'read', k, v, undefined, fin],
  ];
}

/**
 * A history no search can shortcut: n concurrent writes of 0..n-1 on key k, each value
 * read by a read concurrent with all of them, then a read of a value nobody wrote.
 * Every subset of the writes is a different state of the search before it can fail.
 */
export function concurrentWrites(n: number, k: string, t0 = 0): Line[] {
  const lines: Line[] = [];
  for (let p = 0; p < n; p++) lines.push(['i', p, 'write', k, p, t0 + p]);
  for (let p = 0; p < n; p++) lines.push(['i', 100 + p, 'read', k, null, t0 + n + p]);
  for (let p = 0; p < n; p++) lines.push(['ok', p, 'write', k, p, t0 + 3 * n + p]);
  for (let p = 0; p < n; p++) lines.push(['ok', 100 + p, 'read', k, p, t0 + 4 * n + p]);
  lines.push(['i', 99, 'read', k, null, t0 + 5 * n], ['ok', 99, 'read', k, 99, t0 + 5 * n + 1]);
  return lines;
}
