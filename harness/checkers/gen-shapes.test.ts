// The generated families of the benchmark, small: each linearizable version passes and
// each violating one fails, read back through the Porcupine formats they are written in.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readHistory } from '../history/read-history.ts';
import { casChain, kvShared, longRegister } from './gen-shapes.ts';
import { checkLinearizable } from './linearizable.ts';

const dir = mkdtempSync(join(tmpdir(), 'gameday-shapes-'));

function verdict(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  const h = readHistory(f);
  return checkLinearizable(h.ops, { model: h.model, initial: h.initial, timeoutMs: 20_000 }).verdict;
}

for (const bad of [false, true]) {
  const want = bad ? 'fail' : 'pass';
  test(`cas chains of 7, 16 and 30 concurrent cas: ${want}`, () => {
    for (const n of [7, 16, 30]) assert.equal(verdict(`cas${n}-${bad}.log`, casChain(n, { seed: n, bad })), want, `${n} cas`);
  });
  test(`one key, 4 and 16 clients, 4000 lines, no open calls: ${want}`, () => {
    for (const c of [4, 16]) assert.equal(verdict(`long${c}-${bad}.log`, longRegister(4000, c, { seed: c, bad })), want, `${c} clients`);
  });
  test(`kv, 50 clients on 10 keys, 1000 lines: ${want}`, () => {
    assert.equal(verdict(`kv-${bad}.txt`, kvShared(1000, 50, 10, { seed: 3, bad })), want);
  });
}

// A segment (calls between two quiet instants) often ends in few states through many
// orders; the next segment needs only one that works. Searching each segment for every
// state it can end in explored 10,000-20,000 states here; one search over the key,
// backtracking into a segment only when a later one fails, explores under 2,000.
test('kv, 10 clients on 2 keys, 1000 lines: one search per key, not every order of each segment', () => {
  for (const seed of [1, 6]) {
    const f = join(dir, `kv-segments-${seed}.txt`);
    writeFileSync(f, kvShared(1000, 10, 2, { seed, bad: false }));
    const h = readHistory(f);
    const r = checkLinearizable(h.ops, { model: h.model, initial: h.initial, timeoutMs: 20_000 });
    assert.equal(r.verdict, 'pass', `seed ${seed}`);
    const explored = (r.details?.['figures'] as { explored: number } | undefined)?.explored ?? Infinity;
    assert.ok(explored < 5000, `seed ${seed}: ${explored} states explored`);
    assert.equal(verdict(`kv-segments-${seed}-bad.txt`, kvShared(1000, 10, 2, { seed, bad: true })), 'fail', `seed ${seed}, violating`);
  }
});

// Appends that a put overwrote before any read saw them: as many orders as there are
// orders of those appends, unless they are taken as one state. Porcupine (20 s) and the
// previous search (60 s, 12 million states on one key) left this history undecided.
test('kv, 50 clients on 10 keys, 4000 lines, seed 3: decided although many appends are never read', () => {
  assert.equal(verdict('kv-unseen-ok.txt', kvShared(4000, 50, 10, { seed: 3, bad: false })), 'pass');
  assert.equal(verdict('kv-unseen-bad.txt', kvShared(4000, 50, 10, { seed: 3, bad: true })), 'fail');
});
