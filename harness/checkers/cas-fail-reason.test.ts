// A failed compare-and-set means "the value differed" only when the service said so
// (precondition failed). One that failed because the leader was unreachable never
// ran and constrains nothing; the checker must not read it as an observation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op } from '../history/op.ts';
import { checkLinearizable } from './linearizable.ts';

const h = (casError: string): Op[] => [
  { index: 0, type: 'invoke', f: 'write', key: 'k', value: 'a', process: 0, time: 0 },
  { index: 1, type: 'ok', f: 'write', key: 'k', value: 'a', process: 0, time: 1 },
  { index: 2, type: 'invoke', f: 'cas', key: 'k', value: ['a', 'b'], process: 1, time: 2 },
  { index: 3, type: 'fail', f: 'cas', key: 'k', value: ['a', 'b'], process: 1, time: 3, error: casError },
  { index: 4, type: 'invoke', f: 'read', key: 'k', value: null, process: 0, time: 4, consistency: 'strong' },
  { index: 5, type: 'ok', f: 'read', key: 'k', value: 'a', process: 0, time: 5, consistency: 'strong' },
];

test('a cas refused by an unreachable leader constrains nothing', () => {
  assert.equal(checkLinearizable(h('503 replica unreachable (ECONNREFUSED)'), { model: 'kv' }).verdict, 'pass');
});

test('a cas that failed its precondition while the value was the expected one is a violation', () => {
  const r = checkLinearizable(h('precondition failed'), { model: 'kv' });
  assert.equal(r.verdict, 'fail', r.summary);
  assert.match(r.summary, /"k"/);
});
