// junit.xml against the JUnit schema CI servers read (test/fixtures/junit.xsd, checked
// with libxml2's validator in test/junit-schema.ts): a passing run, a failing one
// (a lost write and a stale read as real checkers report them, with text that XML
// must escape or cannot carry at all), a crashed run and an interrupted one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { junitProblems } from '../../test/junit-schema.ts';
import { checkLinearizable } from '../checkers/linearizable.ts';
import { hist, type Line } from '../checkers/test-history.ts';
import { checkLostWrites } from '../checkers/lost-writes.ts';
import type { CheckResult } from '../checkers/check.ts';
import type { RunResult } from './result.ts';
import { formatJunit } from './summary.ts';

const base = {
  gameday: '0.1.0',
  seed: 7,
  runId: 'r7',
  runDir: '/tmp/runs/r7 & co',
  experiment: { title: 'Power off <storage> & "routers" ü', file: 'experiments/power-off.yaml' },
  provider: 'local',
  target: { name: 'reference', bugs: [] },
  startedAt: '2026-12-01T10:00:00.123Z',
  finishedAt: '2026-12-01T10:00:40.000Z',
  warnings: [],
  phases: [],
  faults: [],
  alarms: { changes: [], raised: 0, cleared: 0, stillInAlarm: [] },
  figures: { wallMs: 40_000 },
  files: {},
} as const;

const asCheck = (c: CheckResult, checkMs: number) => ({ ...c.details, name: c.name, verdict: c.verdict, summary: c.summary, checkMs });
const run = (over: object): string => formatJunit({ ...base, verdict: 'pass', interrupted: false, checks: [], ...over } as unknown as RunResult);
const w = (p: number, v: string, key = 'k'): Line[] => [
  ['i', p, 'write', key, v],
  ['ok', p, 'write', key, v],
];
const r = (p: number, v: string | null, key = 'k'): Line[] => [
  ['i', p, 'read', key, null],
  ['ok', p, 'read', key, v],
];

async function valid(xml: string): Promise<void> {
  assert.deepEqual(await junitProblems(xml), [], xml);
}

test('a passing run: every check a test case with its time, no failure', async () => {
  const lin = checkLinearizable(hist([...w(0, 'a'), ...r(1, 'a')]), { model: 'kv', timeoutMs: 5000 });
  const lost = checkLostWrites(
    hist([...w(0, 'a'), ['i', 9, 'read', 'k', null, undefined, { final: true }], ['ok', 9, 'read', 'k', 'a', undefined, { final: true }]]),
  );
  assert.equal(lin.verdict, 'pass', lin.summary);
  assert.equal(lost.verdict, 'pass', lost.summary);
  const xml = run({ checks: [asCheck(lost, 3), asCheck(lin, 1250)] });
  await valid(xml);
  assert.match(xml, /<testsuites name="gameday" tests="2" failures="0" errors="0" skipped="0"/);
});

test('a failing run: failures with message and witness text, a check that could not decide skipped, text XML cannot carry made safe', async () => {
  // the value written holds a bell and an escape character (XML 1.0 allows neither, even escaped), ]]> and markup
  const odd = 'v\u0007\u001b[31m]]><x>&';
  const lost = checkLostWrites(
    hist([...w(0, odd, 'k<1>'), ['i', 9, 'read', 'k<1>', null, undefined, { final: true }], ['ok', 9, 'read', 'k<1>', null, undefined, { final: true }]]),
  );
  const lin = checkLinearizable(hist([...w(0, 'x1'), ...w(0, 'x2'), ...r(1, 'x1')]), { model: 'kv', timeoutMs: 5000 });
  assert.equal(lost.verdict, 'fail', lost.summary);
  assert.equal(lin.verdict, 'fail', lin.summary);
  const xml = run({
    verdict: 'fail',
    checks: [asCheck(lost, 12), asCheck(lin, 40), { name: 'availability', verdict: 'unknown', summary: 'no calls in baseline' }],
  });
  await valid(xml);
  assert.match(xml, /tests="3" failures="2" errors="0" skipped="1"/);
  assert.match(xml, /<failure message="[^"]+" type="lost-writes">[^<]*key &quot;k&lt;1&gt;&quot;/);
  assert.match(xml, /<failure message="[^"]+" type="linearizable">[^<]*cannot be ordered[^<]*longest linearizable prefix/);
  assert.doesNotMatch(xml, /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u, 'no character XML 1.0 forbids');
});

test('a crashed run and an interrupted one: every check an <error> with message and text', async () => {
  const checks = [
    { name: 'lost-writes', verdict: 'unknown', summary: 'no final reads' },
    { name: 'linearizable', verdict: 'unknown', summary: 'not run' },
  ];
  const crashed = run({ verdict: 'unknown', error: 'cluster did not start: node az1-store-1 exited 1: \u001b[31mEADDRINUSE\u001b[0m 127.0.1.2:7001', checks });
  await valid(crashed);
  assert.match(crashed, /tests="2" failures="0" errors="2" skipped="0"/);
  assert.match(
    crashed,
    /<error message="no final reads" type="crashed">cluster did not start: node az1-store-1 exited 1: \\u001b\[31mEADDRINUSE\\u001b\[0m 127/,
    'the colour codes kept as text',
  );
  const stopped = run({ verdict: 'unknown', interrupted: true, checks });
  await valid(stopped);
  assert.match(stopped, /<error message="not run" type="interrupted">not run<\/error>/);
});

test('the schema check can fail: counts that disagree, a failure without a message, markup left unescaped', async () => {
  const good = run({ verdict: 'fail', checks: [{ name: 'lost-writes', verdict: 'fail', summary: 'lost k1' }] });
  await valid(good);
  assert.match((await junitProblems(good.replaceAll('failures="1"', 'failures="0"'))).join('\n'), /testsuite .*: failures="0" but it holds 1/);
  assert.match((await junitProblems(good.replace(/ message="lost k1"/, ''))).join('\n'), /message.*required|required.*message/i);
  assert.notDeepEqual(await junitProblems(good.replace('lost k1', 'lost <k1')), [], 'not well-formed');
  assert.match((await junitProblems(good.replace('<testcase ', '<testcase time="-1" ').replace(/ time="0"/, ''))).join('\n'), /time/);
});
