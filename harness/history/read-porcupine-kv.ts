// Reads Porcupine's kv test files: one EDN map per line, get / put / append on string
// keys, file order is time order, every key starts as the empty string "".
import type { Op } from './op.ts';
import { ednLineToOp } from './read-jepsen-edn.ts';
import { readLines } from './read-lines.ts';

export const PORCUPINE_KV_INITIAL = '';

export function readPorcupineKv(path: string): Op[] {
  const out: Op[] = [];
  for (const [n, l] of readLines(path)) {
    const op = ednLineToOp(l, out.length, path, n);
    if (op === undefined) continue;
    // no timestamps: the position is the time; a get's invoke carries nil
    out.push({ ...op, index: out.length, time: out.length, value: op.value ?? null });
  }
  return out;
}
