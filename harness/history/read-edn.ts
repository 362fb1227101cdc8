// A small EDN reader: enough for Jepsen / Porcupine history lines, one form per line.
// Maps, vectors, lists, sets, strings, keywords, symbols (nil, true, false), integers
// and floats, `;` comments and `#_` discards. Keywords become `Keyword`s; map keys are
// written as text (a keyword `:f` → "f", anything else → its EDN text).

export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

export type Edn = null | boolean | number | string | Keyword | EdnSymbol | readonly Edn[] | EdnMap;
export type EdnMap = ReadonlyMap<string, Edn>;
export class EdnSymbol {
  constructor(readonly name: string) {}
}

export class EdnError extends Error {
  override readonly name = 'EdnError';
}

const DELIM = new Set([' ', '\t', '\n', '\r', ',', '(', ')', '[', ']', '{', '}', '"', ';']);

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  fail(msg: string): never {
    throw new EdnError(`${msg} at column ${this.i + 1}`);
  }

  skip(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',') this.i++;
      else if (c === ';') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (c === '#' && s[this.i + 1] === '_') {
        this.i += 2;
        this.form();
      } else return;
    }
  }

  token(): string {
    const start = this.i;
    while (this.i < this.s.length && !DELIM.has(this.s[this.i] as string)) this.i++;
    return this.s.slice(start, this.i);
  }

  seq(close: string): Edn[] {
    const out: Edn[] = [];
    for (;;) {
      this.skip();
      if (this.i >= this.s.length) this.fail(`missing "${close}"`);
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.form());
    }
  }

  str(): string {
    let out = '';
    this.i++; // opening quote
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === 'n') out += '\n';
      else if (e === 't') out += '\t';
      else if (e === 'r') out += '\r';
      else if (e === 'u') {
        out += String.fromCharCode(parseInt(this.s.slice(this.i, this.i + 4), 16));
        this.i += 4;
      } else if (e === undefined) this.fail('unterminated string');
      else out += e;
    }
  }

  form(): Edn {
    this.skip();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end of input');
    if (c === '{') {
      this.i++;
      const items = this.seq('}');
      if (items.length % 2 !== 0) this.fail('map with an odd number of forms');
      const m = new Map<string, Edn>();
      for (let k = 0; k < items.length; k += 2) m.set(mapKey(items[k] as Edn), items[k + 1] as Edn);
      return m;
    }
    if (c === '[') return (this.i++, this.seq(']'));
    if (c === '(') return (this.i++, this.seq(')'));
    if (c === '#' && this.s[this.i + 1] === '{') return ((this.i += 2), this.seq('}'));
    if (c === '"') return this.str();
    if (c === ')' || c === ']' || c === '}') this.fail(`unexpected "${c}"`);
    const t = this.token();
    if (t === '') this.fail(`unexpected "${c}"`);
    if (t[0] === ':') return new Keyword(t.slice(1));
    if (t === 'nil') return null;
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (/^[+-]?\d/.test(t)) {
      const n = Number(t.replace(/[NM]$/, ''));
      if (Number.isNaN(n)) this.fail(`bad number "${t}"`);
      return n;
    }
    return new EdnSymbol(t);
  }
}

function mapKey(k: Edn): string {
  if (k instanceof Keyword) return k.name;
  if (typeof k === 'string') return JSON.stringify(k);
  return String(k);
}

/** Parses exactly one EDN form (trailing whitespace and comments allowed). */
export function parseEdn(text: string): Edn {
  const r = new Reader(text);
  const v = r.form();
  r.skip();
  if (r.i < text.length) r.fail('trailing text after the form');
  return v;
}

/** Converts EDN data to plain values: keywords and symbols to their names, sets and lists to arrays. */
export function ednToPlain(v: Edn): unknown {
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.name;
  if (Array.isArray(v)) return v.map(ednToPlain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, ednToPlain(x)]));
  return v;
}
