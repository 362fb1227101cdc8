// The key-value workload: which operation a canary issues next, on which key, with
// which value. Values are unique across the fleet (canary id + counter), so a value
// read names exactly the write that produced it.
//
// Most operations work on a small shared set of keys (contention, compare-and-set
// races). `insert` writes a fresh key that is never written again, as a customer
// creating an item would: if such a write is lost, no later write hides it, so the
// final reads see exactly what was lost.

import type { CanarySpec } from '../harness/experiment/schema.ts';
import type { Rng } from '../harness/schedule/rng.ts';

export type NextOp =
  | { readonly f: 'read'; readonly key: string; readonly consistency: 'strong' | 'eventual' }
  | { readonly f: 'write'; readonly key: string; readonly value: string }
  | { readonly f: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string }
  | { readonly f: 'delete'; readonly key: string };

export const keyName = (i: number, prefix = ''): string => `${prefix}k${String(i).padStart(3, '0')}`;

export class KvWorkload {
  private counter = 0;
  /** Last value this canary saw for each key: what its next compare-and-set expects. */
  private readonly seen = new Map<string, string | null>();
  private readonly weights: [NextOp['f'] | 'eventual' | 'insert', number][];
  private readonly total: number;

  constructor(
    readonly canaryId: string,
    private readonly spec: CanarySpec,
    private readonly rng: Rng,
    /** Put before every key: a run on a cluster that keeps earlier data writes keys no earlier run wrote. */
    private readonly keyPrefix = '',
  ) {
    const m = spec.mix;
    this.weights = [
      ['write', m.put],
      ['read', m.get],
      ['cas', m.cas],
      ['delete', m.delete],
      ['eventual', m.eventualGet],
      ['insert', m.insert],
    ];
    this.total = this.weights.reduce((s, [, w]) => s + w, 0);
  }

  next(): NextOp {
    const key = keyName(this.rng.int(0, this.spec.keys - 1), this.keyPrefix);
    let x = this.rng.next() * this.total;
    let f: NextOp['f'] | 'eventual' | 'insert' = 'read';
    for (const [name, w] of this.weights) {
      if (x < w) {
        f = name;
        break;
      }
      x -= w;
    }
    const value = `${this.canaryId}:${++this.counter}`;
    switch (f) {
      case 'write':
        return { f, key, value };
      case 'insert':
        return { f: 'write', key: `${this.keyPrefix}${this.canaryId}#${this.counter}`, value };
      case 'cas':
        return { f, key, expected: this.seen.get(key) ?? null, value };
      case 'delete':
        return { f, key };
      case 'eventual':
        return { f: 'read', key, consistency: 'eventual' };
      default:
        return { f: 'read', key, consistency: 'strong' };
    }
  }

  observe(key: string, value: string | null): void {
    this.seen.set(key, value);
  }
}
