// An unsafe mode the plan cannot exercise is said, and only then.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTopology } from '../../targets/reference/layout.ts';
import type { Plan, PlannedFault } from '../schedule/plan.ts';
import { unsafeModeWarnings } from './warnings.ts';

const topo = buildTopology();
const plan = (...faults: Partial<PlannedFault>[]): Plan => ({
  seed: 1,
  chaosMs: 10_000,
  faults: faults.map((f, i) => ({ id: `f${i + 1}`, kind: 'power-off', selector: 'x', nodes: [], atMs: 0, healAtMs: 1000, ...f })),
});

test('skip-fsync without two storage power-offs close together cannot show, and is said', () => {
  assert.match(
    unsafeModeWarnings(['skip-fsync'], plan({ kind: 'power-off', nodes: ['az1-router-1'] }, { kind: 'pause', nodes: ['az1-store-1'] }), topo).join(),
    /skip-fsync cannot show in this experiment: .*never powers off two storage nodes/,
  );
  // one replica's lost tail is repaired from the others
  assert.match(unsafeModeWarnings(['skip-fsync'], plan({ kind: 'power-off', nodes: ['az2-store-1'] }), topo).join(), /skip-fsync cannot show/);
  assert.match(
    unsafeModeWarnings(
      ['skip-fsync'],
      plan({ kind: 'power-off', nodes: ['az2-store-1'], atMs: 0 }, { kind: 'power-off', nodes: ['az1-store-1'], atMs: 6000 }),
      topo,
    ).join(),
    /skip-fsync cannot show/,
  );
  assert.deepEqual(
    unsafeModeWarnings(
      ['skip-fsync'],
      plan({ kind: 'power-off', nodes: ['az2-store-1'], atMs: 0 }, { kind: 'power-off', nodes: ['az1-store-1'], atMs: 3000 }),
      topo,
    ),
    [],
  );
  assert.deepEqual(unsafeModeWarnings(['skip-fsync'], plan({ kind: 'power-off', nodes: ['az1-store-1', 'az2-store-1'] }), topo), []);
});

test('stale-reads without any fault that makes a replica lag is said; ack-before-quorum without a leader lost is said', () => {
  assert.match(unsafeModeWarnings(['stale-reads'], plan({ kind: 'power-off', nodes: ['az1-router-1'] }), topo).join(), /stale-reads can hardly show/);
  assert.deepEqual(unsafeModeWarnings(['stale-reads'], plan({ kind: 'pause', nodes: ['az1-store-2'] }), topo), []);
  assert.deepEqual(unsafeModeWarnings(['ack-before-quorum'], plan({ kind: 'power-off', nodes: ['az1-store-1'] }), topo), []);
  assert.match(
    unsafeModeWarnings(['ack-before-quorum'], plan({ kind: 'power-off', nodes: ['az1-router-1'] }), topo).join(),
    /ack-before-quorum cannot show in this experiment/,
  );
  assert.match(unsafeModeWarnings(['no-lease'], plan({ kind: 'power-off', nodes: ['az1-store-1'] }), topo).join(), /no-lease cannot show in this experiment/);
  assert.match(unsafeModeWarnings(['forget-term'], plan({ kind: 'pause', nodes: ['az1-store-1'] }), topo).join(), /forget-term cannot show/);
  assert.deepEqual(unsafeModeWarnings([], plan(), topo), []);
});
