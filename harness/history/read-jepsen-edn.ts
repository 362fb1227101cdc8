// Reads Jepsen's history.edn: one map per line, e.g.
// {:type :invoke, :f :write, :value 3, :process 0, :time 12, :index 0}
// or the same map as a record, #jepsen.history.Op{...}, as Jepsen 0.3 writes it.
// Jepsen times are nanoseconds; Ops carry milliseconds. Lines whose :process is not a
// number (the nemesis) are skipped. :get / :put from kv workloads map to read / write.
import type { Op, OpF, OpType, Value } from './op.ts';
import { EdnError, Keyword, Tagged, ednToPlain, parseEdn, type Edn } from './read-edn.ts';
import { HistoryFormatError } from './read-error.ts';
import { readLines } from './read-lines.ts';

const F: Record<string, OpF> = { read: 'read', get: 'read', write: 'write', put: 'write', cas: 'cas', delete: 'delete', append: 'append', add: 'append' };
const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

/** A number, a bigint in the range of numbers (a time in ns past 2^53 is 104 days in: rounding it is harmless). */
const num = (e: Edn | undefined): number | undefined => (typeof e === 'number' ? e : typeof e === 'bigint' ? Number(e) : undefined);
const name = (e: Edn | undefined): string | undefined => (e instanceof Keyword ? e.name : typeof e === 'string' ? e : undefined);

/** Converts one EDN map line into an Op, or undefined for lines that are not client operations. */
export function ednLineToOp(text: string, index: number, file: string, line: number, timeScale = 1e-6): Op | undefined {
  if (text.trim() === '') return undefined;
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
  const fn = name(m.get('f'));
  const f = fn === undefined ? undefined : F[fn];
  if (f === undefined) throw new HistoryFormatError(`unsupported :f ${String(m.get('f'))}`, file, line);
  const time = num(m.get('time'));
  const at = num(m.get('index'));
  const key = m.get('key');
  const raw = m.get('value');
  // a keyword value (e.g. :timed-out) says nothing about the data
  const value = raw instanceof Keyword ? null : (ednToPlain(raw ?? null) as Op['value']);
  const op: Op = {
    index: at ?? index,
    type: type as OpType,
    f,
    value,
    process,
    time: time === undefined ? index : time * timeScale,
    ...(key === undefined || key === null ? {} : { key: String(ednToPlain(key) as Value) }),
  };
  return op;
}

export function readJepsenEdn(path: string): Op[] {
  const out: Op[] = [];
  for (const [n, l] of readLines(path)) {
    const op = ednLineToOp(l, out.length, path, n);
    if (op !== undefined) out.push(op);
  }
  return out;
}
