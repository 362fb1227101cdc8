import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSetFull, type Late, type Lost, type Phantom } from './set-full.ts';
import { hist, type Line } from './test-history.ts';

const add = (p: number, x: string, t: 'ok' | 'info' | 'fail' = 'ok', key = 's'): Line[] => [
  ['i', p, 'append', key, x],
  [t, p, 'append', key, x],
];
const read = (p: number, xs: string[], key = 's'): Line[] => [
  ['i', p, 'read', key, null],
  ['ok', p, 'read', key, xs],
];
const run = (lines: Line[]) => checkSetFull(hist(lines));

test('passes when every acknowledged element is read back', () => {
  const r = run([...add(0, 'a'), ...add(1, 'b'), ...read(2, ['a', 'b']), ...read(2, ['b', 'a'])]);
  assert.equal(r.verdict, 'pass', r.summary);
});

test('an info add that never shows up is not lost; one that shows up is fine', () => {
  assert.equal(run([...add(0, 'a', 'info'), ...read(2, [])]).verdict, 'pass');
  assert.equal(run([...add(0, 'a', 'info'), ...read(2, ['a'])]).verdict, 'pass');
});

test('lost: acknowledged, then missing from every later read', () => {
  const r = run([...add(0, 'a'), ...add(0, 'b'), ...read(2, ['a']), ...read(2, ['a'])]);
  assert.equal(r.verdict, 'fail');
  const lost = r.details?.['lost'] as Lost[];
  assert.deepEqual(
    lost.map((l) => [l.key, l.element, l.readsAfter]),
    [['s', 'b', 2]],
  );
  assert.match(r.summary, /key "s" element "b"/);
});

test('lost: seen once, then gone from every later read', () => {
  const r = run([...add(0, 'a', 'info'), ...read(2, ['a']), ...read(2, [])]);
  assert.deepEqual(
    (r.details?.['lost'] as Lost[]).map((l) => l.element),
    ['a'],
  );
});

test('phantom: read but never added (a failed add does not count)', () => {
  const r = run([...add(0, 'a'), ...add(1, 'z', 'fail'), ...read(2, ['a', 'z', 'q'])]);
  assert.equal(r.verdict, 'fail');
  assert.deepEqual((r.details?.['phantom'] as Phantom[]).map((p) => p.element).sort(), ['q', 'z']);
});

test('late: missed by reads after its acknowledgement, then shown; reported with how late', () => {
  const r = run([...add(0, 'a'), ...read(2, []), ...read(2, []), ...read(2, ['a'])]);
  assert.equal(r.verdict, 'pass');
  const late = r.details?.['late'] as Late[];
  assert.equal(late.length, 1);
  assert.equal(late[0]?.missedReads, 2);
  assert.equal(late[0]?.lateByMs, 5); // ack at t=1, the showing read began at t=6
});
