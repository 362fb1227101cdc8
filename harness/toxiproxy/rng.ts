// Seeded randomness for the fault proxy. Every random choice the proxy makes
// (does a toxic apply to this connection? how much jitter? how big a slice?)
// is derived from the server's seed plus stable keys (proxy name, connection
// number, toxic name), so a run repeats exactly given the same seed and the
// same order of connections per proxy, whatever the interleaving across proxies.

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** FNV-1a over the keys, folded with the seed: a 32-bit stream identifier. */
export function hashKeys(seed: number, keys: readonly (string | number)[]): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  h = Math.imul(h ^ Math.floor(seed / 0x1_0000_0000), 0x01000193) >>> 0;
  for (const key of keys) {
    const s = String(key);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 0xff, 0x01000193) >>> 0; // separator, so ("ab","c") != ("a","bc")
  }
  // murmur3's finaliser: FNV alone mixes its last bytes poorly into the high bits
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: small, fast, good enough for fault injection. */
export function mulberry32(state: number): Rng {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream for the given keys. */
export function rngFor(seed: number, ...keys: (string | number)[]): Rng {
  return mulberry32(hashKeys(seed, keys));
}

/** One uniform draw in [0, 1) for the given keys; the same keys give the same draw. */
export function drawFor(seed: number, ...keys: (string | number)[]): number {
  return rngFor(seed, ...keys)();
}
