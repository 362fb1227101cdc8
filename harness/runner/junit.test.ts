// The JUnit file CI servers read: a violated check is a <failure> whose text holds its
// witness, a crashed or interrupted run an <error>, a check that could not decide
// <skipped>; times per check; the seed and run folder as properties.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLostWrites } from '../checkers/lost-writes.ts';
import type { Op } from '../history/op.ts';
import type { RunResult } from './result.ts';
import { formatJunit } from './summary.ts';

const base = {
  gameday: '0.1.0',
  seed: 42,
  runId: 'r1',
  runDir: '/tmp/runs/r1',
  experiment: { title: 'T <x>', file: 'experiments/t.yaml' },
  provider: 'local',
  target: { name: 'reference', bugs: [] },
  startedAt: '2026-12-01T10:00:00.123Z',
  finishedAt: '2026-12-01T10:00:40.000Z',
  warnings: [],
  phases: [],
  faults: [],
  alarms: { changes: [], raised: 0, cleared: 0, stillInAlarm: [] },
  figures: { wallMs: 40000 },
  files: {},
} as const;

test('a failed check is a <failure> whose text holds the lost keys; times per check; seed and run folder as properties', () => {
  // a real check's result: an acknowledged write that the final read does not show
  const op = (o: Partial<Op> & Pick<Op, 'index' | 'type' | 'f' | 'time'>): Op =>
    ({ key: 'k007', value: null, process: 3, az: 'az1', endpoint: 'r', ...o }) as Op;
  const lost = checkLostWrites([
    op({ index: 0, type: 'invoke', f: 'write', value: 'az1>r:9', time: 100 }),
    op({ index: 1, type: 'ok', f: 'write', value: 'az1>r:9', time: 120 }),
    op({ index: 2, type: 'invoke', f: 'read', time: 500, process: 9, final: true }),
    op({ index: 3, type: 'ok', f: 'read', value: null, time: 510, process: 9, final: true }),
  ]);
  assert.equal(lost.verdict, 'fail', lost.summary);
  const r = {
    ...base,
    verdict: 'fail',
    interrupted: false,
    checks: [
      { ...lost.details, name: lost.name, verdict: lost.verdict, summary: lost.summary, checkMs: 12 },
      { name: 'linearizable', verdict: 'pass', summary: 'linearizable', checkMs: 1500 },
      { name: 'availability', verdict: 'unknown', summary: 'no calls in baseline' },
    ],
  } as unknown as RunResult;
  const x = formatJunit(r);
  assert.match(x, /<testsuites name="gameday" tests="3" failures="1" errors="0" skipped="1" time="40\.0">/);
  assert.match(x, /<property name="seed" value="42"\/>/);
  assert.match(x, /<property name="run-folder" value="\/tmp\/runs\/r1"\/>/);
  assert.match(
    x,
    /<testcase classname="gameday\.T &lt;x&gt;" name="lost-writes" time="0\.012"><failure message="[^"]*lost[^"]*" type="lost-writes">FAIL {4}lost-writes: [^<]*key &quot;k007&quot;[^<]*az1&gt;r:9[^<]*<\/failure>/,
  );
  assert.match(x, /name="linearizable" time="1\.500"><\/testcase>/);
  assert.match(x, /name="availability" time="0"><skipped message="no calls in baseline"\/>/);
});

test('a crashed or interrupted run is an <error>, not a skipped test', () => {
  const crashed = formatJunit({
    ...base,
    verdict: 'unknown',
    interrupted: false,
    error: 'cluster did not start: node az1-store-1 exited',
    checks: [{ name: 'run', verdict: 'unknown', summary: 'the run failed: cluster did not start' }],
  } as unknown as RunResult);
  assert.match(crashed, /tests="1" failures="0" errors="1" skipped="0"/);
  assert.match(crashed, /<error message="the run failed: cluster did not start" type="crashed">cluster did not start: node az1-store-1 exited<\/error>/);
  assert.doesNotMatch(crashed, /<skipped/);
  const stopped = formatJunit({
    ...base,
    verdict: 'unknown',
    interrupted: true,
    checks: [{ name: 'run', verdict: 'unknown', summary: 'interrupted before the checks' }],
  } as unknown as RunResult);
  assert.match(stopped, /<error message="interrupted before the checks" type="interrupted">/);
});
