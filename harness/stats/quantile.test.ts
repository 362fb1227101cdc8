import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantile } from './quantile.ts';

test('quantile: a measured value at rank floor(q·n), the last for q = 1, null for nothing', () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(quantile(xs, 0.5), 6);
  assert.equal(quantile(xs, 0.99), 10);
  assert.equal(quantile(xs, 0), 1);
  assert.equal(quantile(xs, 1), 10);
  assert.equal(quantile([7], 0.5), 7);
  assert.equal(quantile([], 0.5), null);
});
