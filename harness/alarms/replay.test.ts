// Replaying two rule sets over two constructed runs: pages, pages with no fault behind
// them, precision and recall, checked by hand in the comments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaultRecord } from '../faults/journal.ts';
import type { Op } from '../history/op.ts';
import { replayRuleSets, type ReplayRun } from './replay.ts';
import type { AlarmRule } from './rules.ts';

const AZS = ['az1', 'az2', 'az3'];
const EPS = ['r1', 'r2', 'r3'];
function stream(end: number, fails: (t: number, az: string, ep: string) => boolean): Op[] {
  const out: Op[] = [];
  let i = 0;
  for (let t = 0; t < end; t += 50) {
    for (const az of AZS) {
      for (const ep of EPS) {
        const bad = fails(t, az, ep);
        out.push({
          index: i++,
          type: bad ? 'fail' : 'ok',
          f: 'write',
          key: 'k',
          value: i,
          process: i,
          time: t + 5,
          latencyMs: 5,
          az,
          endpoint: ep,
          ...(bad ? { error: 'ECONNREFUSED' } : {}),
        });
      }
    }
  }
  return out;
}
const fault = (id: string, from: number, to: number): FaultRecord[] => [
  { time: from, event: 'inject', id, kind: 'power-off', nodes: [id] },
  { time: to, event: 'heal', id, kind: 'power-off', nodes: [id] },
];

const sensitive: AlarmRule[] = [
  { kind: 'error-rate', name: 'any-10pct', per: ['az', 'endpoint'], windowMs: 1000, errorRate: 0.1, clearRate: 0.05, minRequests: 5 },
];
const strict: AlarmRule[] = [
  { kind: 'error-rate', name: 'endpoint-50pct', per: ['endpoint'], windowMs: 1000, errorRate: 0.5, clearRate: 0.25, minRequests: 5 },
];

// run 1: f1 powers off endpoint r1 from 2 s to 4 s (every AZ's calls to r1 fail: 100% at r1, 33% in each AZ);
//        from 8 s to 9 s, with no fault, the az3 canary of r3 fails (33% in az3 and at r3)
const run1: ReplayRun = {
  name: 'run1',
  ownRules: sensitive,
  canaryTimeoutMs: 2500,
  faults: fault('f1', 2000, 4000),
  history: stream(12_000, (t, az, ep) => (ep === 'r1' && t >= 2000 && t < 4000) || (az === 'az3' && ep === 'r3' && t >= 8000 && t < 9000)),
};
// run 2: f1 fails one call in five in az2 from 2 s to 4 s (20% in az2; 6.7% at each endpoint), 24 errors
const run2: ReplayRun = {
  name: 'run2',
  ownRules: sensitive,
  canaryTimeoutMs: 2500,
  faults: fault('f1', 2000, 4000),
  history: stream(12_000, (t, az) => az === 'az2' && t >= 2000 && t < 4000 && Math.round(t / 50) % 5 === 0),
};

test('two rule sets over two runs: pages, pages with no fault, precision and recall', () => {
  const rp = replayRuleSets(
    [run1, run2],
    [
      { name: 'a.yaml', rules: sensitive },
      { name: 'b.yaml', rules: strict },
    ],
  );
  assert.equal(rp.faults, 2);
  assert.equal(rp.faultsWithImpact, 2);
  const [a, b] = rp.sets;
  // a: run1 pages az1, az2, az3 and r1 for f1 (4), az3 and r3 for the stray errors (2, no fault); run2 pages az2 for f1 (1)
  assert.deepEqual(a?.total && { pages: a.total.pages, noFault: a.total.pagesWithoutFault, precision: a.total.precision, recall: a.total.recall }, {
    pages: 7,
    noFault: 2,
    precision: 0.714,
    recall: 1,
  });
  assert.deepEqual(
    a?.rules.map((r) => [r.rule, r.pages, r.pagesWithoutFault, r.precision, r.recall]),
    [['any-10pct', 7, 2, 0.714, 1]],
  );
  // b: run1 pages r1 for f1 (1); the stray 33% at r3 and run2's 6.7% per endpoint are under 50%: f1 of run2 is missed
  assert.deepEqual(
    b?.rules.map((r) => [r.rule, r.pages, r.pagesWithoutFault, r.precision, r.recall]),
    [['endpoint-50pct', 1, 0, 1, 0.5]],
  );
  assert.deepEqual(
    b?.faults.map((f) => [f.run, f.id, f.detected, f.impact]),
    [
      ['run1', 'f1', true, true],
      ['run2', 'f1', false, true],
    ],
  );
  // time to detect: f1 of run1, in a, is seen once a 1 s window holds 10% errors: within half a second of 2 s
  const d = a?.faults.find((f) => f.run === 'run1')?.detectMs ?? -1;
  assert.ok(d >= 0 && d <= 500, `detected after ${d} ms`);
  assert.ok((b?.faults[0]?.detectMs ?? -1) >= 0);
});

test('a rule set that never pages has no precision, and recall 0', () => {
  const quiet: AlarmRule[] = [{ kind: 'latency', name: 'slow', per: ['az'], windowMs: 1000, percentile: 99, thresholdMs: 500, minRequests: 5 }];
  const rp = replayRuleSets([run1, run2], [{ name: 'q', rules: quiet }]);
  assert.deepEqual(
    rp.sets[0]?.rules.map((r) => [r.pages, r.precision, r.recall]),
    [[0, null, 0]],
  );
});
