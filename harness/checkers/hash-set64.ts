// A set of 64-bit keys (two int32 halves) with open addressing in typed arrays: the
// search's memo of explored (linearized set, state) pairs, without allocating an
// object (or a heap number) per entry.

/** Slots for `capacity` keys at most half full: a power of two, at least 16. */
function tableSize(capacity: number): number {
  let c = 16;
  while (c < capacity * 2) c *= 2;
  return c;
}

export class HashSet64 {
  private lo: Int32Array;
  private hi: Int32Array;
  /** slot i is in use iff used[i] === gen: clear() is one increment */
  private used: Uint16Array;
  private gen = 1;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    const c = tableSize(capacity);
    this.lo = new Int32Array(c);
    this.hi = new Int32Array(c);
    this.used = new Uint16Array(c);
    this.mask = c - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes its tables take. */
  get bytes(): number {
    return (this.mask + 1) * 10;
  }

  /** Empties the set, keeping its tables. */
  clear(): void {
    this.size = 0;
    if (++this.gen === 0x10000) {
      this.used.fill(0);
      this.gen = 1;
    }
  }

  /** Adds the key; false if it was already there. */
  add(lo: number, hi: number): boolean {
    if (this.size * 2 >= this.mask) this.grow();
    const g = this.gen;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      if (this.used[i] !== g) {
        this.used[i] = g;
        this.lo[i] = lo;
        this.hi[i] = hi;
        this.size++;
        return true;
      }
      if (this.lo[i] === lo && this.hi[i] === hi) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { lo, hi, used, gen } = this;
    const c = (this.mask + 1) * 2;
    this.lo = new Int32Array(c);
    this.hi = new Int32Array(c);
    this.used = new Uint16Array(c);
    this.gen = 1;
    this.mask = c - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === gen) this.add(lo[i] as number, hi[i] as number);
  }
}

/** A map from 64-bit keys (two int32 halves) to int32 values, the same way. */
export class HashMap64 {
  private lo: Int32Array;
  private hi: Int32Array;
  private val: Int32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    const c = tableSize(capacity);
    this.lo = new Int32Array(c);
    this.hi = new Int32Array(c);
    this.val = new Int32Array(c);
    this.used = new Uint8Array(c);
    this.mask = c - 1;
  }

  /** Bytes its tables take. */
  get bytes(): number {
    return (this.mask + 1) * 13;
  }

  /** Adds the key with value v and returns true; false (and the value stays) if it was there. */
  add(lo: number, hi: number, v: number): boolean {
    if (this.size * 2 >= this.mask) this.grow();
    const i = this.slot(lo, hi);
    if (this.used[i] === 1) return false;
    this.used[i] = 1;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.val[i] = v;
    this.size++;
    return true;
  }

  /** The key's value, or `missing`. */
  get(lo: number, hi: number, missing: number): number {
    const i = this.slot(lo, hi);
    return this.used[i] === 1 ? (this.val[i] as number) : missing;
  }

  /** Sets the value of a key that is there. */
  set(lo: number, hi: number, v: number): void {
    const i = this.slot(lo, hi);
    if (this.used[i] === 1) this.val[i] = v;
  }

  /** the key's slot, or the free slot where it would go */
  private slot(lo: number, hi: number): number {
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    while (this.used[i] === 1 && (this.lo[i] !== lo || this.hi[i] !== hi)) i = (i + 1) & this.mask;
    return i;
  }

  private grow(): void {
    const { lo, hi, val, used } = this;
    const c = (this.mask + 1) * 2;
    this.lo = new Int32Array(c);
    this.hi = new Int32Array(c);
    this.val = new Int32Array(c);
    this.used = new Uint8Array(c);
    this.mask = c - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.add(lo[i] as number, hi[i] as number, val[i] as number);
  }
}
