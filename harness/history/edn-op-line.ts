// The common shape of a Jepsen history line, read straight into its fields without
// building EDN values (the full reader, read-edn.ts over edn-data, spends most of a
// 10^6-line read building values a history never looks at):
//
//   {:type :ok, :f :write, :value 3, :process 0, :time 12, :index 0}
//   #jepsen.history.Op{:index 1, :time 2, :type :invoke, :process 1, :f :cas, :value [1 2]}
//
// that is a map (or a jepsen.history.Op record of one) whose keys are keywords and
// whose values are keywords, integers of at most 15 digits, nil / true / false,
// strings without escapes, or vectors of those. Anything else (a float, a bigint, an
// `N` suffix, an escape, a set, a list, a nested map, a comment, another tag, a
// repeated field, malformed text) answers `undefined` and the line goes to the full
// reader, which reads it or names the fault and its column. What this reads, the full
// reader reads the same way (read-edn.test.ts compares the two on generated lines).
import type { Op, Value } from './op.ts';

/** The fields of one op line a history needs, as plain values. */
export interface OpLine {
  /** Absent, or present but not a number (the nemesis): the line is not a client operation. */
  readonly process: number | undefined;
  /** :type and :f as names (a keyword's name, or a string). */
  readonly type: string | undefined;
  readonly f: string | undefined;
  /** A keyword :value (e.g. :timed-out) says nothing about the data: null. */
  readonly value: Op['value'];
  readonly time: number | undefined;
  readonly index: number | undefined;
  /** :key as text; undefined when absent or nil. */
  readonly key: string | undefined;
}

// char codes
const SPACE = 32;
const COMMA = 44;
const TAB = 9;
const QUOTE = 34;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const MINUS = 45;
const HASH = 35;
const ZERO = 48;
const NINE = 57;
const N = 110; // n(il)
const T = 116; // t(rue)
const F = 102; // f(alse)

// 1: may start a keyword's name (a letter); 2: may continue one
const NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z]/.test(ch)) NAME[c] = 1;
  else if (/[0-9*+!_?<>=.-]/.test(ch)) NAME[c] = 2;
}
const isSpace = (c: number): boolean => c === SPACE || c === COMMA || c === TAB;
/** What may follow an atom: a space, the end of the line, or the close of its map or vector. */
const ends = (c: number): boolean => c === SPACE || c === COMMA || c === TAB || c === RBRACE || c === RBRACKET || Number.isNaN(c);
const RECORD = '#jepsen.history.Op';

/** Field numbers, as bits of the `seen` mask. */
const PROCESS = 1;
const TYPE = 2;
const FN = 4;
const VALUE = 8;
const TIME = 16;
const INDEX = 32;
const KEY = 64;
const FIELD_NAME: Readonly<Record<number, string>> = {
  [PROCESS]: 'process',
  [TYPE]: 'type',
  [FN]: 'f',
  [VALUE]: 'value',
  [TIME]: 'time',
  [INDEX]: 'index',
  [KEY]: 'key',
};
/** The field of a name by its length and its second character (the first, for "f"), checked in full after. */
const FIELD_BY_LENGTH: readonly (Readonly<Record<number, number>> | undefined)[] = (() => {
  const out: Record<number, number>[] = [];
  for (const [bit, name] of Object.entries(FIELD_NAME)) {
    const at = (out[name.length] ??= {});
    at[name.charCodeAt(name.length > 1 ? 1 : 0)] = Number(bit);
  }
  return out;
})();

class Scan {
  i = 0;
  /** The last atom read was a keyword (its name is the value). */
  keyword = false;
  constructor(readonly s: string) {}

  space(): void {
    while (isSpace(this.s.charCodeAt(this.i))) this.i++;
  }

  /** Where the keyword's name that starts here ends (and the scan moves there), or -1. */
  nameEnd(): number {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (!(c < 128 && NAME[c] === 1)) return -1;
    let i = this.i + 1;
    for (let d = s.charCodeAt(i); d < 128 && (NAME[d] as number) > 0; d = s.charCodeAt(++i));
    if (!ends(s.charCodeAt(i))) return -1;
    this.i = i;
    return i;
  }

  /** A keyword's name after its colon, or undefined. */
  name(): string | undefined {
    const start = this.i;
    const end = this.nameEnd();
    return end < 0 ? undefined : this.s.slice(start, end);
  }

  /** The field a keyword key names (a FIELD bit; 0 for one a history does not use), or -1. */
  field(): number {
    const s = this.s;
    const start = this.i;
    const end = this.nameEnd();
    if (end < 0) return -1;
    const bit = FIELD_BY_LENGTH[end - start]?.[s.charCodeAt(start + 1 < end ? start + 1 : start)];
    return bit !== undefined && s.startsWith(FIELD_NAME[bit] as string, start) ? bit : 0;
  }

  /** One value as plain data (keywords as their names), or FAIL. */
  value(): unknown {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    this.keyword = false;
    if (c === COLON) {
      this.i++;
      this.keyword = true;
      return this.name() ?? FAIL;
    }
    if (c === QUOTE) {
      const start = this.i + 1;
      const close = s.indexOf('"', start);
      if (close < 0) return FAIL;
      const text = s.slice(start, close);
      if (text.includes('\\')) return FAIL;
      this.i = close + 1;
      return ends(s.charCodeAt(this.i)) ? text : FAIL;
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.integer();
    if (c === LBRACKET) {
      this.i++;
      const out: unknown[] = [];
      for (;;) {
        this.space();
        if (s.charCodeAt(this.i) === RBRACKET) {
          this.i++;
          this.keyword = false;
          return ends(s.charCodeAt(this.i)) ? out : FAIL;
        }
        const v = this.value();
        if (v === FAIL) return FAIL;
        out.push(v);
      }
    }
    const word = c === N ? 'nil' : c === T ? 'true' : c === F ? 'false' : '';
    if (word === '' || !s.startsWith(word, this.i) || !ends(s.charCodeAt(this.i + word.length))) return FAIL;
    this.i += word.length;
    return c === N ? null : c === T;
  }

  /** An integer of at most 15 digits, no leading zero: exact as a number. */
  integer(): number | typeof FAIL {
    const s = this.s;
    let i = this.i;
    const negative = s.charCodeAt(i) === MINUS;
    if (negative) i++;
    const start = i;
    let n = 0;
    for (let d = s.charCodeAt(i); d >= ZERO && d <= NINE; d = s.charCodeAt(++i)) n = n * 10 + (d - ZERO);
    const digits = i - start;
    if (digits === 0 || digits > 15 || (digits > 1 && s.charCodeAt(start) === ZERO) || (negative && n === 0) || !ends(s.charCodeAt(i))) return FAIL;
    this.i = i;
    return negative ? -n : n;
  }
}

const FAIL = Symbol('not the common shape');

const nameOf = (v: unknown, keyword: boolean): string | undefined => (keyword || typeof v === 'string' ? (v as string) : undefined);

/** The fields of a line in the common shape, or undefined for the full reader to read. */
export function readOpLine(text: string): OpLine | undefined {
  const r = new Scan(text);
  const s = text;
  r.space();
  if (s.charCodeAt(r.i) === HASH) {
    if (!s.startsWith(RECORD, r.i)) return undefined;
    r.i += RECORD.length;
    r.space();
  }
  if (s.charCodeAt(r.i) !== LBRACE) return undefined;
  r.i++;
  let seen = 0;
  let process: number | undefined;
  let type: string | undefined;
  let f: string | undefined;
  let value: Op['value'] = null;
  let time: number | undefined;
  let index: number | undefined;
  let key: string | undefined;
  for (;;) {
    r.space();
    const c = s.charCodeAt(r.i);
    if (c === RBRACE) break;
    if (c !== COLON) return undefined;
    r.i++;
    const bit = r.field();
    if (bit < 0) return undefined;
    r.space();
    const v = r.value();
    if (v === FAIL) return undefined;
    if (bit === 0) continue; // a field a history does not use: read, and passed over
    if ((seen & bit) !== 0) return undefined; // a repeated field: the full reader decides
    seen |= bit;
    switch (bit) {
      case PROCESS:
        process = typeof v === 'number' ? v : undefined;
        break;
      case TYPE:
        type = nameOf(v, r.keyword);
        break;
      case FN:
        f = nameOf(v, r.keyword);
        break;
      case VALUE:
        value = r.keyword ? null : (v as Op['value']);
        break;
      case TIME:
        time = typeof v === 'number' ? v : undefined;
        break;
      case INDEX:
        index = typeof v === 'number' ? v : undefined;
        break;
      case KEY:
        key = v === null ? undefined : String(v as Value);
        break;
    }
  }
  r.i++;
  r.space();
  if (r.i < s.length) return undefined; // a comment, or more text: the full reader decides
  return { process, type, f, value, time, index, key };
}
