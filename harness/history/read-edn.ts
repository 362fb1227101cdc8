// EDN, read by edn-data (a maintained EDN library), one form per call, as Jepsen and
// Porcupine histories hold it: maps, vectors, lists, sets, strings, characters,
// keywords, symbols, nil / true / false, ##Inf / ##-Inf / ##NaN, integers of any size (`9007199254740993N`
// and unsuffixed ones past 2^53 stay exact, as bigint), floats, `;` comments, `#_`
// discards and tagged literals: `#inst` (a Date), `#uuid` (its text), and any other
// tag kept as a Tagged value (`#jepsen.history.Op{...}`, a record, is one).
// edn-shape.ts checks the structure first. Keywords become `Keyword`s; map keys are
// written as text (a keyword `:f` → "f", a string → its JSON, anything else → its text).
import { EDNListParser } from 'edn-data/dist/parse.js';
import { checkEdnShape, EdnError } from './edn-shape.ts';

export { EdnError } from './edn-shape.ts';

export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

/** A tagged literal with no reader of its own: `#tag value`. */
export class Tagged {
  constructor(
    readonly tag: string,
    readonly value: Edn,
  ) {}
  toString(): string {
    return `#${this.tag} ${ednText(this.value)}`;
  }
}

export type Edn = null | boolean | number | bigint | string | Date | Keyword | EdnSymbol | Tagged | readonly Edn[] | ReadonlySet<Edn> | EdnMap;
export type EdnMap = ReadonlyMap<string, Edn>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:\d\d)?)?)?)?$/;
const NUMBERISH = /^[+-]?\d/;
const INTEGER = /^[-+]?(0|[1-9][0-9]*)$/;
/** EDN's symbolic values, which edn-data would read as tags. */
const SYMBOLIC: ReadonlyMap<string, number> = new Map([
  ['##Inf', Infinity],
  ['##-Inf', -Infinity],
  ['##NaN', NaN],
]);

const TAGS = {
  inst: (v: unknown): Date => {
    const d = typeof v === 'string' && RFC3339.test(v) ? new Date(v) : undefined;
    if (d === undefined || Number.isNaN(d.getTime())) throw new EdnError(`bad #inst ${JSON.stringify(v)}: expected an RFC 3339 time`);
    return d;
  },
  uuid: (v: unknown): string => {
    if (typeof v !== 'string' || !UUID.test(v)) throw new EdnError(`bad #uuid ${JSON.stringify(v)}`);
    return v.toLowerCase();
  },
};

/** edn-data's reader, with unsuffixed integers past 2^53 kept exact (it would round them) and ##Inf / ##-Inf / ##NaN read (it would take them for tags). */
class Reader extends EDNListParser {
  constructor() {
    super({ mapAs: 'doubleArray', setAs: 'set', listAs: 'array', keywordAs: 'object', symbolAs: 'object', charAs: 'string', tagHandlers: TAGS });
  }
  /** Ready for the next text (one reader serves every call: building one per line costs more than reading it). */
  reset(): this {
    this.stack = [];
    this.mode = 0;
    this.state = '';
    this.result = undefined;
    this.started = false;
    this.done = false;
    return this;
  }
  override match(): void {
    if (this.state.startsWith('##')) {
      const symbolic = SYMBOLIC.get(this.state);
      if (symbolic === undefined) throw new EdnError(`unknown symbolic value ${this.state}`);
      this.result = symbolic;
      this.state = '';
      return;
    }
    if (this.state.length > 15 && INTEGER.test(this.state)) {
      const big = BigInt(this.state);
      this.result = Number.isSafeInteger(Number(big)) ? Number(big) : big;
      this.state = '';
      return;
    }
    super.match();
  }
}

const reader = new Reader();

function convert(v: unknown): Edn {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map(convert);
  if (v instanceof Set) return new Set([...v].map(convert));
  const o = v as { map?: [unknown, unknown][]; key?: string; sym?: string; tag?: string; val?: unknown };
  if (o.map !== undefined) {
    const m = new Map<string, Edn>();
    for (const [k, x] of o.map) m.set(mapKey(convert(k)), convert(x));
    return m;
  }
  if (typeof o.key === 'string') return new Keyword(o.key);
  if (typeof o.sym === 'string') {
    if (NUMBERISH.test(o.sym)) throw new EdnError(`bad number "${o.sym}"`);
    return new EdnSymbol(o.sym);
  }
  if (typeof o.tag === 'string') return new Tagged(o.tag, convert(o.val));
  throw new EdnError(`unreadable value ${String(v)}`);
}

function mapKey(k: Edn): string {
  if (k instanceof Keyword) return k.name;
  if (typeof k === 'string') return JSON.stringify(k);
  return ednText(k);
}

/** EDN text of a value (for map keys and messages). */
export function ednText(v: Edn): string {
  if (v === null) return 'nil';
  if (typeof v === 'bigint') return `${v}N`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Date) return `#inst ${JSON.stringify(v.toISOString())}`;
  if (Array.isArray(v)) return `[${v.map(ednText).join(' ')}]`;
  if (v instanceof Set) return `#{${[...v].map(ednText).join(' ')}}`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${k} ${ednText(x)}`).join(', ')}}`;
  return String(v);
}

/** Parses exactly one EDN form (whitespace and comments around it allowed). */
export function parseEdn(text: string): Edn {
  checkEdnShape(text);
  let out: unknown[];
  try {
    out = reader.reset().next(`(${text}\n)`); // the outer list is the reader's own frame: it yields the forms inside
  } catch (err) {
    if (err instanceof EdnError) throw err;
    throw new EdnError(`not EDN: ${(err as Error).message}`);
  }
  if (out.length !== 1) throw new EdnError(`expected one form, read ${out.length}`);
  return convert(out[0]);
}

/**
 * EDN data as plain values: keywords and symbols to their names, sets and lists to
 * arrays, maps to objects, a tagged value to its value, an #inst to its ISO text,
 * a bigint to a number where that is exact and to its EDN text (`…N`) where not.
 */
export function ednToPlain(v: Edn): unknown {
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.name;
  if (v instanceof Tagged) return ednToPlain(v.value);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : `${v}N`;
  if (Array.isArray(v)) return v.map(ednToPlain);
  if (v instanceof Set) return [...v].map(ednToPlain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, ednToPlain(x)]));
  return v;
}
