// The structure of one EDN form, checked before edn-data reads it: edn-data reads
// well-formed EDN exactly but passes over some malformed text without a word (a
// `)` closing a `{`, a map with an odd number of forms, an unterminated collection).
// This scan finds those, and numbers, symbolic values and string escapes edn-data
// would refuse without saying where, with the column; it builds nothing.

export class EdnError extends Error {
  override readonly name = 'EdnError';
}

interface Level {
  readonly close: string;
  readonly map: boolean;
  forms: number;
  /** `#_` seen: that many of the next forms do not count. */
  discard: number;
}

// character classes by char code: 1 space (commas are whitespace in EDN), 2 other delimiter
const CLASS = new Uint8Array(128);
for (const c of ' ,\n\t\r') CLASS[c.charCodeAt(0)] = 1;
for (const c of '()[]{}";') CLASS[c.charCodeAt(0)] = 2;
const cls = (code: number): number => (code < 128 ? (CLASS[code] as number) : 0);
const [QUOTE, SEMI, HASH, BACKSLASH, LBRACE, UNDERSCORE, NL] = ['"', ';', '#', '\\', '{', '_', '\n'].map((c) => c.charCodeAt(0)) as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];
/** Integers (with N for a bigint) and floats (with M for a decimal), as EDN writes them. */
const NUMBER = /^[-+]?(0|[1-9][0-9]*)(N|(\.[0-9]+)?([eE][-+]?[0-9]+)?M?)$/;
const SYMBOLIC: ReadonlySet<string> = new Set(['##Inf', '##-Inf', '##NaN']);
/** What may follow a backslash in a string, besides u and four hex digits. */
const ESCAPES = 'trnbf\\"';
const HEX4 = /^[0-9a-fA-F]{4}$/;
const digit = (code: number): boolean => code >= 48 && code <= 57;
/** The closing bracket of an opening one's char code, or '' for any other. */
const closeOf = (code: number): string => (code === 40 ? ')' : code === 91 ? ']' : code === 123 ? '}' : ''); // ( [ {
const isClose = (code: number): boolean => code === 41 || code === 93 || code === 125; // ) ] }

/** Throws an EdnError unless `s` holds exactly one form whose brackets match, strings end and maps pair. */
export function checkEdnShape(s: string): void {
  const fail = (msg: string, at: number): never => {
    throw new EdnError(`${msg} at column ${at + 1}`);
  };
  const stack: Level[] = [{ close: '', map: false, forms: 0, discard: 0 }];
  const formDone = (): void => {
    const l = stack[stack.length - 1] as Level;
    if (l.discard > 0) l.discard--;
    else l.forms++;
  };
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    const k = cls(c);
    if (k === 1) i++;
    else if (c === SEMI) {
      while (i < n && s.charCodeAt(i) !== NL) i++;
    } else if (c === QUOTE) {
      const start = i++;
      for (let d = s.charCodeAt(i); i < n && d !== QUOTE; d = s.charCodeAt(i)) {
        if (d === BACKSLASH) {
          const e = s[i + 1] ?? '';
          if (e === 'u' ? !HEX4.test(s.slice(i + 2, i + 6)) : !ESCAPES.includes(e))
            fail(`bad escape "\\${e === 'u' ? s.slice(i + 1, i + 6) : e}" in a string`, i);
          i += e === 'u' ? 6 : 2;
        } else i++;
      }
      if (i >= n) fail('unterminated string', start);
      i++;
      formDone();
    } else if (k === 2 && closeOf(c) !== '') {
      stack.push({ close: closeOf(c), map: c === LBRACE, forms: 0, discard: 0 });
      i++;
    } else if (c === HASH && s.charCodeAt(i + 1) === LBRACE) {
      stack.push({ close: '}', map: false, forms: 0, discard: 0 });
      i += 2;
    } else if (c === HASH && s.charCodeAt(i + 1) === UNDERSCORE) {
      (stack[stack.length - 1] as Level).discard++;
      i += 2;
    } else if (k === 2 && isClose(c)) {
      const l = stack.pop() as Level;
      const ch = s[i] as string;
      if (stack.length === 0 || l.close !== ch) fail(`unexpected "${ch}"${stack.length === 0 ? '' : `, expected "${l.close}"`}`, i);
      if (l.map && l.forms % 2 !== 0) fail('map with an odd number of forms', i);
      if (l.discard > 0) fail('#_ with no form after it', i);
      formDone();
      i++;
    } else {
      const start = i;
      i += c === BACKSLASH ? 2 : 1; // a character literal takes the next character whatever it is
      while (i < n && cls(s.charCodeAt(i)) === 0) i++;
      if (c === HASH && i - start === 1) fail('"#" with no tag', start);
      if (digit(c) || ((c === 43 || c === 45) && digit(s.charCodeAt(start + 1)))) {
        const token = s.slice(start, i);
        if (!NUMBER.test(token)) fail(`bad number "${token}"`, start); // + -
      } else if (c === HASH && s.charCodeAt(start + 1) === HASH) {
        const token = s.slice(start, i);
        if (!SYMBOLIC.has(token)) fail(`unknown symbolic value ${token}`, start);
      }
      // a tag: the form after it is the one that counts (##Inf and the like are values)
      if (c !== HASH || s.charCodeAt(start + 1) === HASH) formDone();
    }
  }
  const top = stack[stack.length - 1] as Level;
  if (stack.length > 1) fail(`missing "${top.close}"`, n);
  if (top.discard > 0) fail('#_ with no form after it', n);
  if (top.forms === 0) fail('no form', n);
  if (top.forms > 1) fail('trailing text after the form', n);
}
