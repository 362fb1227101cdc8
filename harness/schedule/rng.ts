// Every random choice of a run flows from one seed (printed and stored with the run).
// SplitMix32-style generator: small, fast, and forkable into independent streams
// (one per canary, one for the fault plan) so that adding a canary does not change
// the fault plan. The fault proxy draws from the same generator, one stream per
// stable key (proxy, connection, direction, toxic: rngFor), so its choices repeat
// given the seed whatever the interleaving of connections across proxies.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  between(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)] as T;
  }

  /** An independent stream named by `label`: same seed + label → same stream. */
  fork(label: string): Rng {
    let h = this.state ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Rng(h >>> 0);
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/** FNV-1a over the keys, folded with the seed (all 53 bits of it), then murmur3's finaliser: a 32-bit stream identifier. */
export function hashKeys(seed: number, keys: readonly (string | number)[]): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  h = Math.imul(h ^ Math.floor(seed / 0x1_0000_0000), 0x01000193) >>> 0;
  for (const key of keys) {
    const s = String(key);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 0xff, 0x01000193) >>> 0; // separator, so ("ab","c") != ("a","bc")
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** An independent stream for the seed and keys: the same seed and keys give the same stream. */
export function rngFor(seed: number, ...keys: (string | number)[]): Rng {
  return new Rng(hashKeys(seed, keys));
}

/** One uniform draw in [0, 1) for the seed and keys; the same keys give the same draw. */
export function drawFor(seed: number, ...keys: (string | number)[]): number {
  return rngFor(seed, ...keys).next();
}
