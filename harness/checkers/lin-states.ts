// A key's model states, interned: state id ↔ value, so the search compares numbers.
//
// Appends make most states of a kv history: strings (Porcupine's kv model) or lists
// (gameday's append workload) that grow with every append, and each order of the
// appends is a different value. Building and hashing each such value costs its
// length; here a state made by an append is instead known by a hash computed from its
// parent's (polynomial over the characters or elements, two independent 32-bit
// halves) and its length, and its value is built only when someone asks for it. Two
// states with the same hash are compared by value before they are taken as one, so
// ids stay exact. The same hashes of a read's prefixes say in O(1) whether appends can
// extend a state to what the read returned.
import type { Value } from '../history/op.ts';
import { valueKey } from './calls.ts';
import { HashMap64 } from './hash-set64.ts';
import { fmix } from './lin-events.ts';

const B1 = 0x01000193;
const B2 = 0x5bd1e995;
/** 0: not a sequence; 1: a string; 2: a list */
type SeqKind = 0 | 1 | 2;
const UNBUILT = Symbol('unbuilt');

/** Hash of a string's characters, or of a list's elements each taken as one symbol. */
function seqHash(kind: SeqKind, v: unknown, upTo: number, b: number): number {
  let h = 0;
  if (kind === 1) for (let i = 0; i < upTo; i++) h = (Math.imul(h, b) + (v as string).charCodeAt(i)) | 0;
  else for (let i = 0; i < upTo; i++) h = (Math.imul(h, b) + symbol((v as unknown[])[i], b)) | 0;
  return h;
}
function symbol(x: unknown, b: number): number {
  const s = valueKey(x);
  let h = 0x2545f491;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), b);
  return h ^ (h >>> 15);
}
function pow(b: number, n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = Math.imul(r, b);
  return r;
}
const same = (a: Value, b: Value): boolean => a === b || (typeof a !== 'string' && valueKey(a) === valueKey(b));
const kindOf = (v: unknown): SeqKind => (typeof v === 'string' ? 1 : Array.isArray(v) ? 2 : 0);

export class States {
  private readonly values: Array<Value | typeof UNBUILT> = [];
  /** strings, numbers, null by themselves (a Map tells 1 from "1"); anything else by its text */
  private readonly prims = new Map<string | number | boolean | null, number>();
  private readonly ids = new Map<string, number>();
  /** append transitions reached: (state, element) → state */
  private readonly transitions = new HashMap64(256);
  /** per element: the hashes of what it appends and the bases to the power of its length */
  private readonly piece: Array<readonly [number, number, number, number, number] | undefined> = [];
  // per state: sequence kind, hashes, length; for an unbuilt one, parent and element
  private readonly kind: SeqKind[] = [];
  private readonly h1: number[] = [];
  private readonly h2: number[] = [];
  private readonly len: number[] = [];
  private readonly parent: number[] = [];
  private readonly elem: number[] = [];
  /** sequence states by hash: key → id (→ ids, for the rare keys two values share) */
  private readonly bySeq = new Map<number, number>();
  private readonly shared = new Map<number, number[]>();
  /** per read value: hashes of its prefixes, made when first asked */
  private readonly prefixes = new Map<number, [Int32Array, Int32Array]>();

  get size(): number {
    return this.values.length;
  }

  id(v0: unknown): number {
    const v = v0 === undefined ? null : v0;
    const prim = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    const k = prim ? undefined : valueKey(v);
    let i = k === undefined ? this.prims.get(v as string | number | boolean | null) : this.ids.get(k);
    if (i !== undefined) return i;
    const kind = kindOf(v);
    let hashes: [number, number, number] | undefined;
    if (kind !== 0) {
      const n = lenOf(v);
      hashes = [seqHash(kind, v, n, B1), seqHash(kind, v, n, B2), n];
      i = this.find(seqKey(kind, ...hashes), () => v as Value);
    }
    i ??= this.add(v as Value, kind, -1, -1, hashes);
    if (k === undefined) this.prims.set(v as string | number | boolean | null, i);
    else this.ids.set(k, i);
    return i;
  }

  private add(v: Value | typeof UNBUILT, kind: SeqKind, parent: number, elem: number, hashes?: readonly [number, number, number]): number {
    const i = this.values.length;
    this.values.push(v);
    this.kind.push(kind);
    this.parent.push(parent);
    this.elem.push(elem);
    if (kind === 0) {
      this.h1.push(0);
      this.h2.push(0);
      this.len.push(0);
      return i;
    }
    const [a, b, n] = hashes ?? [seqHash(kind, v, lenOf(v), B1), seqHash(kind, v, lenOf(v), B2), lenOf(v)];
    this.h1.push(a);
    this.h2.push(b);
    this.len.push(n);
    const key = seqKey(kind, a, b, n);
    const was = this.bySeq.get(key);
    if (was === undefined) this.bySeq.set(key, i);
    else this.shared.set(key, [...(this.shared.get(key) ?? [was]), i]);
    return i;
  }

  /** The state with this sequence key whose value is v(), if there is one. */
  private find(key: number, v: () => Value): number | undefined {
    const f = this.bySeq.get(key);
    if (f === undefined) return undefined;
    const want = v();
    for (const c of this.shared.get(key) ?? [f]) if (same(this.value(c), want)) return c;
    return undefined;
  }

  value(id: number): Value {
    const v = this.values[id];
    if (v !== UNBUILT) return v as Value;
    // build from the nearest built ancestor forward
    const chain: number[] = [];
    let p = id;
    while (this.values[p] === UNBUILT) {
      chain.push(p);
      p = this.parent[p] as number;
    }
    let cur = this.values[p] as Value;
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i] as number;
      cur = appended(cur, this.value(this.elem[c] as number));
      this.values[c] = cur;
    }
    return cur;
  }

  /** A state that appends leave as it is (see blindAppends), interned like any other. */
  absorbing(v: Value): number {
    return (this.absorb = this.id(v));
  }
  private absorb = -1;

  /** State after appending element `el` (an interned value) to state `s`. */
  append(s: number, el: number): number {
    if (s === this.absorb) return s;
    // (scrambled, state) is exact (fmix is a bijection) and spreads over the table
    const lo = fmix((s + Math.imul(el, 0x9e3779b1)) | 0);
    const known = this.transitions.get(lo, s, -1);
    if (known >= 0) return known;
    const kind = this.kind[s] as SeqKind;
    const v = this.values[s];
    let r: number;
    if (kind === 0 && v !== null)
      r = this.id(appended(v as Value, this.value(el))); // [cur, x]: rare
    else {
      const k: SeqKind = kind === 0 ? 2 : kind;
      const [a, b, n] = kind === 0 ? [0, 0, 0] : [this.h1[s] as number, this.h2[s] as number, this.len[s] as number];
      const [ph1, ph2, pp1, pp2, m] = this.pieceOf(el, k);
      const a2 = (Math.imul(a, pp1) + ph1) | 0;
      const b2 = (Math.imul(b, pp2) + ph2) | 0;
      r = this.find(seqKey(k, a2, b2, n + m), () => appended(this.value(s), this.value(el))) ?? this.add(UNBUILT, k, s, el, [a2, b2, n + m]);
    }
    this.transitions.add(lo, s, r);
    return r;
  }

  /** What appending element el adds to a sequence of kind k: its two hashes, the two bases to the power of its length, its length. */
  private pieceOf(el: number, k: SeqKind): readonly [number, number, number, number, number] {
    const slot = 2 * el + (k === 1 ? 0 : 1);
    let p = this.piece[slot];
    if (p === undefined) {
      const x = this.value(el);
      const piece = k === 1 ? String(x) : [x];
      const m = k === 1 ? (piece as string).length : 1;
      this.piece[slot] = p = [seqHash(k, piece, m, B1), seqHash(k, piece, m, B2), pow(B1, m), pow(B2, m), m];
    }
    return p;
  }

  /** Whether appends alone may turn state `s` into state `v` (v extends s); false only when they certainly cannot. */
  reaches(s: number, v: number): boolean {
    if (s === v) return true;
    const kv = this.kind[v] as SeqKind;
    const ks = this.kind[s] as SeqKind;
    if (kv === 0) return false;
    if (ks === 0) return kv === 2 && (this.values[s] === null || this.prefixOfList(s, v));
    if (ks !== kv) return false;
    const n = this.len[s] as number;
    if (n >= (this.len[v] as number)) return false;
    const [p1, p2] = this.prefixHashes(v);
    return p1[n] === this.h1[s] && p2[n] === this.h2[s];
  }

  private prefixOfList(s: number, v: number): boolean {
    // a state that is neither null nor a sequence becomes [state, x] by an append
    const to = this.value(v) as unknown as unknown[];
    return to.length > 1 && valueKey(to[0]) === valueKey(this.value(s));
  }

  private prefixHashes(v: number): [Int32Array, Int32Array] {
    let p = this.prefixes.get(v);
    if (p !== undefined) return p;
    const kind = this.kind[v] as SeqKind;
    const val = this.value(v) as unknown;
    const n = this.len[v] as number;
    const a = new Int32Array(n + 1);
    const b = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const c1 = kind === 1 ? (val as string).charCodeAt(i) : symbol((val as unknown[])[i], B1);
      const c2 = kind === 1 ? (val as string).charCodeAt(i) : symbol((val as unknown[])[i], B2);
      a[i + 1] = (Math.imul(a[i] as number, B1) + c1) | 0;
      b[i + 1] = (Math.imul(b[i] as number, B2) + c2) | 0;
    }
    this.prefixes.set(v, (p = [a, b]));
    return p;
  }
}

/** 53 bits of the two hashes, the kind and the length. */
const seqKey = (kind: SeqKind, a: number, b: number, n: number): number => ((a ^ kind) >>> 0) * 0x200000 + ((b + Math.imul(n, 0x9e3779b1)) & 0x1fffff);
const lenOf = (v: unknown): number => (typeof v === 'string' ? v.length : Array.isArray(v) ? v.length : 0);

/** The kv model's append: strings concatenate, lists grow, null becomes a list, anything else a pair. */
export function appended(cur: Value, x: Value): Value {
  if (typeof cur === 'string') return cur + String(x);
  const c = cur as unknown;
  const list = Array.isArray(c) ? [...(c as unknown[]), x] : c === null ? [x] : [c, x];
  return list as unknown as Value;
}
