import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinWitness } from './lin-witness.ts';
import { checkLinearizable } from './linearizable.ts';
import { concurrentWrites, hist, type Line } from './test-history.ts';

const check = (lines: Line[], model: 'kv' | 'register' | 'cas-register' = 'kv') => checkLinearizable(hist(lines), { model, timeoutMs: 5000 });
const verdict = (lines: Line[]) => check(lines).verdict;
const witness = (lines: Line[]): LinWitness => {
  const r = check(lines);
  assert.equal(r.verdict, 'fail', r.summary);
  return r.details?.['witness'] as LinWitness;
};
const w = (p: number, v: number | null, key = 'k'): Line[] => [
  ['i', p, 'write', key, v],
  ['ok', p, 'write', key, v],
];
const r = (p: number, v: number | null, key = 'k'): Line[] => [
  ['i', p, 'read', key, null],
  ['ok', p, 'read', key, v],
];

test('a sequential history that reads what was written is linearizable', () => {
  assert.equal(verdict([...r(0, null), ...w(0, 1), ...r(1, 1), ...w(1, 2), ...r(0, 2)]), 'pass');
});

test('stale read: fails, naming the key, the read and a small window', () => {
  const wit = witness([...w(0, 1), ...w(0, 2), ...r(1, 1)]);
  assert.equal(wit.key, 'k');
  assert.equal(wit.stuck.f, 'read');
  assert.equal(wit.stuck.result, 1);
  assert.deepEqual(
    wit.window.map((c) => [c.f, c.value ?? c.result]),
    [
      ['write', 2],
      ['read', 1],
    ],
  );
  assert.equal(wit.windowFrom, 'any-state');
  assert.equal(wit.prefix.calls, 2);
  assert.equal(wit.prefix.stateAfter, 2);
});

test('the window leaves out calls long before the failure', () => {
  const wit = witness([...w(0, 1), ...r(1, 1), ...w(0, 5), ...r(1, 5), ...w(0, 2), ...w(0, 3), ...r(1, 2)]);
  assert.deepEqual(
    wit.window.map((c) => c.value ?? c.result),
    [3, 2],
  );
  assert.equal(wit.windowFrom, 'any-state');
});

test('lost write: an acknowledged write then a read of the empty key fails', () => {
  assert.equal(witness([...w(0, 1), ...r(1, null)]).stuck.result, null);
});

test('an indeterminate write may show up later', () => {
  assert.equal(verdict([...w(0, 1), ['i', 1, 'write', 'k', 2], ['info', 1, 'write', 'k', 2], ...r(2, 1), ...r(2, 1), ...r(2, 2)]), 'pass');
});

test('concurrent writes may be read in either order, but not both', () => {
  const conc: Line[] = [
    ['i', 0, 'write', 'k', 1],
    ['i', 1, 'write', 'k', 2],
    ['ok', 1, 'write', 'k', 2],
    ['ok', 0, 'write', 'k', 1],
  ];
  assert.equal(verdict([...conc, ...r(2, 1)]), 'pass');
  assert.equal(verdict([...conc, ...r(2, 2)]), 'pass');
  assert.equal(verdict([...conc, ...r(2, 1), ...r(2, 2)]), 'fail');
});

test('a failed conditional put observed a different value', () => {
  const cas = (p: number, t: 'ok' | 'fail', a: number, b: number): Line[] => [
    ['i', p, 'cas', 'k', [a, b]],
    [t, p, 'cas', 'k', [a, b]],
  ];
  assert.equal(verdict([...w(0, 1), ...cas(1, 'fail', 2, 3), ...r(0, 1)]), 'pass');
  assert.equal(verdict([...w(0, 2), ...cas(1, 'fail', 2, 3), ...r(0, 2)]), 'fail');
  assert.equal(verdict([...w(0, 2), ...cas(1, 'ok', 2, 3), ...r(0, 3)]), 'pass');
  assert.equal(verdict([...w(0, 1), ...cas(1, 'ok', 2, 3)]), 'fail');
});

test('linearizable only if an info write took effect', () => {
  const info: Line[] = [
    ['i', 1, 'write', 'k', 2],
    ['info', 1, 'write', 'k', 2],
  ];
  assert.equal(verdict([...w(0, 1), ...info, ...r(2, 2)]), 'pass');
  assert.equal(verdict([...w(0, 1), ...r(2, 2)]), 'fail');
  // the same with a write that never completed at all
  assert.equal(verdict([...w(0, 1), ['i', 1, 'write', 'k', 2], ...r(2, 2)]), 'pass');
});

test('linearizable only if an info write did not take effect (yet)', () => {
  const info: Line[] = [
    ['i', 1, 'write', 'k', 2],
    ['info', 1, 'write', 'k', 2],
  ];
  assert.equal(verdict([...w(0, 1), ...info, ...r(2, 1), ...r(2, 1)]), 'pass');
  // once seen, its value cannot be unseen
  assert.equal(verdict([...w(0, 1), ...info, ...r(2, 2), ...r(2, 1)]), 'fail');
});

test('identical open writes and failed cas: all placements are considered', () => {
  const lines: Line[] = [
    ...w(0, 1),
    ['i', 1, 'write', 'k', 2],
    ['info', 1, 'write', 'k', 2],
    ['i', 2, 'write', 'k', 2],
    ['info', 2, 'write', 'k', 2],
    ...r(3, 2),
    ...w(3, 1),
    ['i', 3, 'cas', 'k', [1, 9]],
    ['fail', 3, 'cas', 'k', [1, 9]],
    ...r(3, 2),
  ];
  assert.equal(verdict(lines), 'pass');
  assert.equal(verdict([...lines, ...w(3, 1), ...r(3, 2), ...r(3, 1)]), 'fail');
});

test('delete and append in the kv model', () => {
  assert.equal(verdict([...w(0, 1), ['i', 0, 'delete', 'k', null], ['ok', 0, 'delete', 'k', null], ...r(1, null)]), 'pass');
  const app = (x: string): Line[] => [
    ['i', 0, 'append', 'k', x],
    ['ok', 0, 'append', 'k', x],
  ];
  const rd = (v: unknown): Line[] => [
    ['i', 1, 'read', 'k', null],
    ['ok', 1, 'read', 'k', v as number],
  ];
  assert.equal(verdict([...app('a'), ...app('b'), ...rd(['a', 'b'])]), 'pass');
  assert.equal(verdict([...app('a'), ...app('b'), ...rd(['b', 'a'])]), 'fail');
});

test('keys are independent; the first failing key is named', () => {
  const lines: Line[] = [...w(0, 1, 'a'), ...w(1, 1, 'b'), ...r(2, 1, 'a'), ...r(2, null, 'b'), ...r(3, 1, 'b')];
  const res = check(lines);
  assert.equal(res.verdict, 'fail');
  assert.equal((res.details?.['witness'] as LinWitness).key, 'b');
  assert.match(res.summary, /key "b"/);
});

test('eventual reads are not held to linearizability', () => {
  const stale: Line[] = [
    ['i', 1, 'read', 'k', null, undefined, { consistency: 'eventual' }],
    ['ok', 1, 'read', 'k', 1, undefined, { consistency: 'eventual' }],
  ];
  assert.equal(verdict([...w(0, 1), ...w(0, 2), ...stale]), 'pass');
});

test('a model that lacks an operation gives unknown, not a crash', () => {
  const res = check([...w(0, 1), ['i', 0, 'cas', 'k', [1, 2]], ['ok', 0, 'cas', 'k', [1, 2]]], 'register');
  assert.equal(res.verdict, 'unknown');
  assert.match(res.summary, /register model has no "cas"/);
});

test('an exhausted state budget gives unknown', () => {
  const res = checkLinearizable(hist(concurrentWrites(12, 'k')), { model: 'kv', maxStates: 50 });
  assert.equal(res.verdict, 'unknown');
  assert.match(res.summary, /state budget exhausted \(50 states\)/);
});

test('an exhausted memory budget gives unknown; with room the same history fails', () => {
  const h = hist(concurrentWrites(14, 'k'));
  const res = checkLinearizable(h, { model: 'kv', maxMemoryMB: 0.1 });
  assert.equal(res.verdict, 'unknown');
  assert.match(res.summary, /memory budget exhausted \(0\.1 MB/);
  assert.equal(checkLinearizable(h, { model: 'kv' }).verdict, 'fail');
});

test('a cheap violation on one key is found before an expensive key is decided', () => {
  // key "a" needs every subset of 15 writes before it fails; key "b" fails at once
  const lines: Line[] = [
    ...concurrentWrites(15, 'a'),
    ...w(500, 1, 'b').map((l) => [...l.slice(0, 5), 200] as unknown as Line),
    ['i', 501, 'read', 'b', null, 201],
    ['ok', 501, 'read', 'b', 2, 202],
  ];
  const res = checkLinearizable(hist(lines), { model: 'kv', witness: false });
  assert.equal(res.verdict, 'fail');
  assert.match(res.summary, /key "b"/);
  assert.ok((res.details?.['figures'] as { explored: number }).explored < 1_000_000, 'key "a" was put off, not searched to the end');
});

test('a stale read that the search rules out early is still the call named as stuck', () => {
  // after writes 1 and 2, a read of 1 overlaps only a write of 3: no order gives it 1
  const lines: Line[] = [
    ...w(0, 1),
    ...w(0, 2),
    ['i', 1, 'write', 'k', 3, 10],
    ['i', 2, 'read', 'k', null, 11],
    ['ok', 2, 'read', 'k', 1, 12],
    ['ok', 1, 'write', 'k', 3, 13],
  ];
  const wit = witness(lines.map((l, i) => (i < 4 ? ([...l.slice(0, 5), i] as unknown as Line) : l)));
  assert.equal(wit.stuck.f, 'read');
  assert.equal(wit.stuck.result, 1);
});
