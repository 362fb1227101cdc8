// Reads Jepsen's history.edn: one map per line, e.g.
// {:type :invoke, :f :write, :value 3, :process 0, :time 12, :index 0}
// or the same map as a record, #jepsen.history.Op{...}, as Jepsen 0.3 writes it.
// Jepsen times are nanoseconds; Ops carry milliseconds. Lines whose :process is not a
// number (the nemesis) are skipped. :get / :put from kv workloads map to read / write.
// A line in the common shape is read by edn-op-line.ts; any other line, and any line
// that shape reads but this file would refuse, goes to the full reader (read-edn.ts),
// whose messages name the line and the column at fault.
import { type OpLine, readOpLine } from './edn-op-line.ts';
import type { Op, OpF, OpType, Value } from './op.ts';
import { type Edn, EdnError, Keyword, Tagged, ednToPlain, parseEdn } from './read-edn.ts';
import { HistoryFormatError } from './read-error.ts';
import { readLines } from './read-lines.ts';

const F: Readonly<Record<string, OpF>> = {
  read: 'read',
  get: 'read',
  write: 'write',
  put: 'write',
  cas: 'cas',
  delete: 'delete',
  append: 'append',
  add: 'append',
};
const TYPES: ReadonlySet<string> = new Set(['invoke', 'ok', 'fail', 'info']);

/** A number, a bigint in the range of numbers (a time in ns past 2^53 is 104 days in: rounding it is harmless). */
const num = (e: Edn | undefined): number | undefined => (typeof e === 'number' ? e : typeof e === 'bigint' ? Number(e) : undefined);
const name = (e: Edn | undefined): string | undefined => (e instanceof Keyword ? e.name : typeof e === 'string' ? e : undefined);

/** The line read in full (edn-data), checked: its fields, or undefined for a line that is not a client operation. */
function readFull(text: string, file: string, line: number): OpLine | undefined {
  let m: Edn;
  try {
    m = parseEdn(text);
  } catch (err) {
    if (err instanceof EdnError) throw new HistoryFormatError(`not EDN: ${err.message}`, file, line);
    throw err;
  }
  if (m instanceof Tagged && m.value instanceof Map) m = m.value; // a record: #jepsen.history.Op{...}
  if (!(m instanceof Map)) throw new HistoryFormatError('expected an EDN map (or a record of one)', file, line);
  const process = num(m.get('process'));
  if (process === undefined) return undefined;
  const type = name(m.get('type'));
  if (type === undefined || !TYPES.has(type)) throw new HistoryFormatError(`bad :type ${String(m.get('type'))}`, file, line);
  const f = name(m.get('f'));
  if (f === undefined || F[f] === undefined) throw new HistoryFormatError(`unsupported :f ${String(m.get('f'))}`, file, line);
  const key = m.get('key');
  const raw = m.get('value');
  return {
    process,
    type,
    f,
    // a keyword value (e.g. :timed-out) says nothing about the data
    value: raw instanceof Keyword ? null : (ednToPlain(raw ?? null) as Op['value']),
    time: num(m.get('time')),
    index: num(m.get('index')),
    key: key === undefined || key === null ? undefined : String(ednToPlain(key) as Value),
  };
}

/** The common shape's fields, when they make a client operation this file accepts as it stands. */
function readFast(text: string): OpLine | 'skip' | undefined {
  const l = readOpLine(text);
  if (l === undefined) return undefined;
  if (l.process === undefined) return 'skip';
  return l.type !== undefined && TYPES.has(l.type) && l.f !== undefined && F[l.f] !== undefined ? l : undefined;
}

/** Converts one EDN map line into an Op, or undefined for lines that are not client operations. `full` passes over the fast path (for benchmarks and tests). */
export function ednLineToOp(text: string, index: number, file: string, line: number, timeScale = 1e-6, full = false): Op | undefined {
  const fast = full ? undefined : readFast(text);
  if (fast === 'skip') return undefined;
  const l = fast ?? (text.trim() === '' ? undefined : readFull(text, file, line));
  if (l === undefined) return undefined;
  const op: Op = {
    index: l.index ?? index,
    type: l.type as OpType,
    f: F[l.f as string] as OpF,
    value: l.value,
    process: l.process as number,
    time: l.time === undefined ? index : l.time * timeScale,
  };
  return l.key === undefined ? op : { ...op, key: l.key };
}

export function readJepsenEdn(path: string, opts: { readonly full?: boolean } = {}): Op[] {
  const out: Op[] = [];
  const full = opts.full === true;
  for (const [n, l] of readLines(path)) {
    const op = ednLineToOp(l, out.length, path, n, 1e-6, full);
    if (op !== undefined) out.push(op);
  }
  return out;
}
