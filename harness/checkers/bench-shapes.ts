// The generated families of `npm run bench:check` (gen-shapes.ts), each in a
// linearizable and a violating version, written to files in Porcupine's formats so that
// both checkers read the same history. RECORDED holds Porcupine's figures as last
// measured here (median ms and verdict, parsing excluded), printed when Go is absent.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PorcupineKind } from './bench-porcupine.ts';
import { casChain, kvShared, longRegister } from './gen-shapes.ts';

export interface ShapeHistory {
  readonly name: string;
  readonly file: string;
  readonly kind: PorcupineKind;
  readonly expected: 'pass' | 'fail';
  /** Porcupine runs (1 where it takes seconds) */
  readonly runs: number;
}

export function shapeHistories(quick: boolean): ShapeHistory[] {
  const dir = join(tmpdir(), 'gameday-bench-shapes');
  mkdirSync(dir, { recursive: true });
  const out: ShapeHistory[] = [];
  const add = (name: string, kind: PorcupineKind, bad: boolean, text: string, runs = 3): void => {
    const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}-${bad ? 'bad' : 'ok'}.${kind === 'etcd' ? 'log' : 'txt'}`);
    writeFileSync(file, text);
    out.push({ name: `${name}, ${bad ? 'violating' : 'linearizable'}`, file, kind, expected: bad ? 'fail' : 'pass', runs });
  };
  // each family over several seeds (one instance of a shape can be easy by chance:
  // kv seed 10 was, under the previous random source)
  const kvSeeds = quick ? [10] : [10, 1, 2, 3, 4, 5];
  const casSeeds = quick ? [] : [1, 2, 3];
  const longSeeds = quick ? [] : [1, 2];
  for (const bad of [false, true]) {
    for (const n of quick ? [20] : [20, 28, 40]) add(`cas chain, ${n} concurrent cas`, 'etcd', bad, casChain(n, { seed: n, bad }), bad && n > 20 ? 1 : 3);
    for (const seed of casSeeds) add(`cas chain, 20 concurrent cas, seed ${seed}`, 'etcd', bad, casChain(20, { seed, bad }));
    for (const c of quick ? [8] : [4, 8, 16]) add(`one key, ${c} clients, 60000 lines`, 'etcd', bad, longRegister(60_000, c, { seed: c, bad }), c > 4 ? 1 : 3);
    for (const seed of longSeeds) add(`one key, 4 clients, 60000 lines, seed ${seed}`, 'etcd', bad, longRegister(60_000, 4, { seed, bad }), 1);
    for (const seed of kvSeeds)
      add(`kv, 50 clients on 10 keys, 4000 lines${seed === 10 ? '' : `, seed ${seed}`}`, 'kv', bad, kvShared(4000, 50, 10, { seed, bad }));
  }
  return out;
}

/** Porcupine on these histories as last measured on this machine (Go 1.19, 2 cores, 20 s timeout, load average 1.8-5.0, 2026-12-01). */
export const RECORDED: Readonly<Record<string, string>> = {
  'cas chain, 20 concurrent cas, linearizable': '0.173 pass',
  'cas chain, 28 concurrent cas, linearizable': '0.138 pass',
  'cas chain, 40 concurrent cas, linearizable': '0.299 pass',
  'cas chain, 20 concurrent cas, seed 1, linearizable': '0.150 pass',
  'cas chain, 20 concurrent cas, seed 2, linearizable': '0.057 pass',
  'cas chain, 20 concurrent cas, seed 3, linearizable': '0.139 pass',
  'one key, 4 clients, 60000 lines, linearizable': '291 pass',
  'one key, 8 clients, 60000 lines, linearizable': '1295 pass',
  'one key, 16 clients, 60000 lines, linearizable': '> 20000 unknown',
  'one key, 4 clients, 60000 lines, seed 1, linearizable': '280 pass',
  'one key, 4 clients, 60000 lines, seed 2, linearizable': '474 pass',
  'kv, 50 clients on 10 keys, 4000 lines, linearizable': '296 pass',
  'kv, 50 clients on 10 keys, 4000 lines, seed 1, linearizable': '168 pass',
  'kv, 50 clients on 10 keys, 4000 lines, seed 2, linearizable': '1207 pass',
  'kv, 50 clients on 10 keys, 4000 lines, seed 3, linearizable': '> 20000 unknown',
  'kv, 50 clients on 10 keys, 4000 lines, seed 4, linearizable': '456 pass',
  'kv, 50 clients on 10 keys, 4000 lines, seed 5, linearizable': '284 pass',
  'cas chain, 20 concurrent cas, violating': '15.04 fail',
  'cas chain, 28 concurrent cas, violating': '11255 fail',
  'cas chain, 40 concurrent cas, violating': '> 20000 unknown',
  'cas chain, 20 concurrent cas, seed 1, violating': '33.13 fail',
  'cas chain, 20 concurrent cas, seed 2, violating': '9.40 fail',
  'cas chain, 20 concurrent cas, seed 3, violating': '5.07 fail',
  'one key, 4 clients, 60000 lines, violating': '849 fail',
  'one key, 8 clients, 60000 lines, violating': '17679 fail',
  'one key, 16 clients, 60000 lines, violating': '> 20000 unknown',
  'one key, 4 clients, 60000 lines, seed 1, violating': '1328 fail',
  'one key, 4 clients, 60000 lines, seed 2, violating': '1213 fail',
  'kv, 50 clients on 10 keys, 4000 lines, violating': '198 fail',
  'kv, 50 clients on 10 keys, 4000 lines, seed 1, violating': '242 fail',
  'kv, 50 clients on 10 keys, 4000 lines, seed 2, violating': '183 fail',
  'kv, 50 clients on 10 keys, 4000 lines, seed 3, violating': '258 fail',
  'kv, 50 clients on 10 keys, 4000 lines, seed 4, violating': '1365 fail',
  'kv, 50 clients on 10 keys, 4000 lines, seed 5, violating': '792 fail',
};
