// Checks pinned to fail by the experiment: failing as expected passes; passing fails the run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinExpected } from './result.ts';

test('a pinned check that fails counts as a pass; one that passes fails; unknown stays unknown; others are untouched', () => {
  const checks = [
    { name: 'lost-writes', verdict: 'fail' as const, summary: '3 lost' },
    { name: 'linearizable', verdict: 'pass' as const, summary: 'ok' },
    { name: 'alarms', verdict: 'unknown' as const, summary: '?' },
  ];
  const pinned = pinExpected(checks, { 'lost-writes': 'fail', linearizable: 'fail', alarms: 'fail' });
  assert.deepEqual(
    pinned.map((p) => [p.name, p.got, p.check.verdict]),
    [
      ['lost-writes', 'fail', 'pass'],
      ['linearizable', 'pass', 'fail'],
      ['alarms', 'unknown', 'unknown'],
    ],
  );
  assert.match(
    pinned[1]?.check.summary ?? '',
    /expected to fail \(expect: linearizable: fail\), but passed: ok; if the weakness is fixed, remove the expectation/,
  );
  assert.deepEqual(pinExpected(checks, {}), []);
});
