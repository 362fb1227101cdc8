import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repoRoot } from './cli.ts';
import { findCycles, importGraph } from './import-cycles.ts';

test('no module of the harness, canaries, targets or dashboards imports itself around a loop', () => {
  assert.deepEqual(findCycles(importGraph(repoRoot)), []);
});

test('cycles are found directly and around longer loops, type imports included', () => {
  const g = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['a.ts', 'c.ts']],
    ['c.ts', ['d.ts']],
    ['d.ts', ['e.ts']],
    ['e.ts', ['c.ts', 'f.ts']],
    ['f.ts', []],
  ]);
  assert.deepEqual(findCycles(g), [
    ['a.ts', 'b.ts'],
    ['c.ts', 'd.ts', 'e.ts'],
  ]);
  assert.deepEqual(
    findCycles(
      new Map([
        ['x.ts', ['y.ts']],
        ['y.ts', []],
      ]),
    ),
    [],
  );
});
