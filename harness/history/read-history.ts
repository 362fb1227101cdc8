// Reads a history file in any supported format, guessing the format from its first
// line when none is given, and says which model and initial state fit it.
import { readFileSync } from 'node:fs';
import type { Op, Value } from './op.ts';
import { HistoryFormatError } from './read-error.ts';
import { readGameday } from './read-gameday.ts';
import { readJepsenEdn } from './read-jepsen-edn.ts';
import { readLines } from './read-lines.ts';
import { PORCUPINE_KV_INITIAL, readPorcupineKv } from './read-porcupine-kv.ts';
import { readPorcupineEtcd } from './read-porcupine-etcd.ts';

export const FORMATS = ['gameday', 'jepsen-edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type HistoryFormat = (typeof FORMATS)[number];
export type ModelName = 'register' | 'cas-register' | 'kv';

export interface LoadedHistory {
  readonly format: HistoryFormat;
  readonly ops: Op[];
  /** The model the format implies (a user may override it). */
  readonly model: ModelName;
  /** State of every key before the first operation. */
  readonly initial: Value;
}

/** Guesses the format from the first lines that say something (log noise is passed over). */
export function detectFormat(path: string): HistoryFormat {
  let first = 0;
  for (const [n, l] of readLines(path, 1 << 16)) {
    const t = l.trim();
    if (t === '') continue;
    first ||= n;
    if (t.startsWith('{"') || t.startsWith('{ "')) return 'gameday';
    if (/jepsen\.util\s+-/.test(t)) return 'porcupine-etcd';
    if (/^#jepsen\.history\.Op\s*\{/.test(t)) return 'jepsen-edn';
    if (t.startsWith('{:') || t.startsWith('{ :')) return /:time\b/.test(t) ? 'jepsen-edn' : 'porcupine-kv';
    if (n > 200 || !/\b(INFO|WARN|DEBUG|ERROR)\b/.test(t)) break;
  }
  if (first === 0) throw new HistoryFormatError('the file is empty', path, 1);
  throw new HistoryFormatError('cannot tell the format from the first lines; give --format', path, first);
}

function modelFor(ops: readonly Op[]): ModelName {
  if (ops.some((o) => o.key !== undefined || o.f === 'append' || o.f === 'delete')) return 'kv';
  return ops.some((o) => o.f === 'cas') ? 'cas-register' : 'register';
}

export function readHistory(path: string, format: HistoryFormat = detectFormat(path)): LoadedHistory {
  switch (format) {
    case 'gameday':
      return { format, ops: readGameday(path), model: 'kv', initial: null };
    case 'jepsen-edn': {
      const ops = readJepsenEdn(path);
      return { format, ops, model: modelFor(ops), initial: null };
    }
    case 'porcupine-etcd':
      return { format, ops: readPorcupineEtcd(path), model: 'cas-register', initial: null };
    case 'porcupine-kv':
      return { format, ops: readPorcupineKv(path), model: 'kv', initial: PORCUPINE_KV_INITIAL };
  }
}

/** For tests and tools: the whole file as text. */
export const readText = (path: string): string => readFileSync(path, 'utf8');
