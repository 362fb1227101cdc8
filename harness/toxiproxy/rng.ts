// Kept only for harness/checkers/gen-history.ts, whose generated test histories are
// drawn from this stream: the fault proxy and the schedule share schedule/rng.ts.
// Remove this file once gen-history.ts draws from `new Rng(seed)` there.

/** mulberry32, a uniform source in [0, 1). */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
