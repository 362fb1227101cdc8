// Reads the harness's own history.ndjson: one Op per line (see op.ts).
import type { Op } from './op.ts';
import { HistoryFormatError } from './read-error.ts';
import { readLines } from './read-lines.ts';

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);
const FS = new Set(['read', 'write', 'cas', 'delete', 'append']);

/** Parses one line; `index` is used when the line carries none. */
export function parseGamedayLine(text: string, index: number, file = '<history>', line = index + 1): Op {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new HistoryFormatError(`not JSON (${(err as Error).message})`, file, line);
  }
  const r = o as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) throw new HistoryFormatError('not a JSON object', file, line);
  if (!TYPES.has(r['type'] as string)) throw new HistoryFormatError(`"type" must be invoke, ok, fail or info, not ${JSON.stringify(r['type'])}`, file, line);
  if (!FS.has(r['f'] as string)) throw new HistoryFormatError(`unknown "f" ${JSON.stringify(r['f'])}`, file, line);
  if (typeof r['process'] !== 'number') throw new HistoryFormatError('"process" must be a number', file, line);
  if (typeof r['time'] !== 'number') throw new HistoryFormatError('"time" must be a number', file, line);
  if (r['value'] === undefined) r['value'] = null;
  if (typeof r['index'] !== 'number') r['index'] = index;
  return r as unknown as Op;
}

export function parseGameday(text: string, file = '<history>'): Op[] {
  const out: Op[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() !== '') out.push(parseGamedayLine(l, out.length, file, i + 1));
  });
  return out;
}

export function readGameday(path: string): Op[] {
  const out: Op[] = [];
  for (const [n, l] of readLines(path)) if (l.trim() !== '') out.push(parseGamedayLine(l, out.length, path, n));
  return out;
}
