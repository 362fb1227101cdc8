// Reading a run folder in end-to-end tests: its ndjson files, and the canary calls of
// its history (each invoke paired with its completion).
import { readFileSync } from 'node:fs';
import type { Op } from '../harness/history/op.ts';

export const lines = <T>(p: string): T[] =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

export interface Call {
  readonly invoke: Op;
  readonly done: Op;
}

/** Completed canary calls (final reads left out unless asked for): invoke and completion, paired by process. */
export function calls(history: readonly Op[], finals = false): Call[] {
  const open = new Map<number, Op>();
  const out: Call[] = [];
  for (const op of history) {
    if (op.final && !finals) continue;
    if (op.type === 'invoke') open.set(op.process, op);
    else {
      const invoke = open.get(op.process);
      if (invoke) out.push({ invoke, done: op });
      open.delete(op.process);
    }
  }
  return out;
}
