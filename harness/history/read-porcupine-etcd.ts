// Reads Porcupine's Jepsen etcd logs (a compare-and-set register):
//   INFO  jepsen.util - <process> <type> <f> <value>
// Other lines are noise. `:fail :read :timed-out` is a read with an unknown result
// (info); `:info ... :timed-out` leaves the operation open. Position is time.
import type { Op, OpF, OpType } from './op.ts';
import { EdnError, ednToPlain, Keyword, parseEdn } from './read-edn.ts';
import { HistoryFormatError } from './read-error.ts';
import { readLines } from './read-lines.ts';

const LINE = /jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;

export function parsePorcupineEtcdLine(text: string, index: number, file: string, line: number): Op | undefined {
  const m = LINE.exec(text);
  if (m === null) return undefined;
  const [, p, t, f, v] = m as unknown as [string, string, OpType, OpF, string];
  let value: unknown;
  try {
    const e = parseEdn(v);
    value = e instanceof Keyword ? undefined : ednToPlain(e);
  } catch (err) {
    if (err instanceof EdnError) throw new HistoryFormatError(`bad value "${v}": ${err.message}`, file, line);
    throw err;
  }
  // a timed-out read constrains nothing: it is indeterminate, not failed
  const type: OpType = t === 'fail' && value === undefined ? 'info' : t;
  return { index, type, f, value: (value ?? null) as Op['value'], process: Number(p), time: index };
}

export function readPorcupineEtcd(path: string): Op[] {
  const out: Op[] = [];
  for (const [n, l] of readLines(path)) {
    const op = parsePorcupineEtcdLine(l, out.length, path, n);
    if (op !== undefined) out.push(op);
  }
  return out;
}
