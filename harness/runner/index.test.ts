// The runs folder's index across three game days: each run adds its line, `gameday
// history` lists them oldest first with availability per AZ, time to alarm and lost
// writes, and says how they trend; bad input is exit 2.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gameday } from '../../test/cli.ts';
import { addToIndex, readIndex } from './index.ts';
import type { RunResult } from './result.ts';

const run = (dir: string, i: number, verdict: string, alarmMs: number, az2: number, lost: number): RunResult =>
  ({
    gameday: '0.1.0',
    verdict,
    seed: 100 + i,
    runId: `r${i}`,
    runDir: join(dir, `r${i}`),
    experiment: { title: 'Power off', file: 'experiments/power-off.yaml' },
    provider: 'local',
    target: { name: 'reference', bugs: [] },
    startedAt: `2026-12-0${i}T10:00:00.000Z`,
    finishedAt: `2026-12-0${i}T10:01:00.000Z`,
    interrupted: false,
    warnings: [],
    phases: [],
    faults: [{}, {}],
    alarms: { changes: [], raised: 0, cleared: 0, stillInAlarm: [] },
    files: {},
    figures: { wallMs: 40_000, medianFirstErrorAfterMs: 20 + i, medianAlarmAfterMs: alarmMs },
    checks: [
      { name: 'lost-writes', verdict: lost ? 'fail' : 'pass', summary: '', lostAcknowledgedCount: lost },
      {
        name: 'availability',
        verdict: 'pass',
        summary: '',
        table: [
          { az: 'az1', endpoint: 'e1', phase: 'chaos', requests: 100, served: 90 },
          { az: 'az1', endpoint: 'e2', phase: 'chaos', requests: 100, served: 100 },
          { az: 'az2', endpoint: 'e1', phase: 'chaos', requests: 200, served: Math.round(200 * az2) },
          { az: 'az2', endpoint: 'e1', phase: 'baseline', requests: 50, served: 0 },
        ],
      },
    ],
  }) as unknown as RunResult;

test('three game days in a runs folder: the index keeps each, gameday history lists and trends them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-index-'));
  // added out of order: listed oldest first
  for (const [i, v, a, az2, lost] of [
    [2, 'pass', 2400, 0.9, 0],
    [1, 'pass', 3000, 0.8, 0],
    [3, 'fail', 1800, 0.75, 4],
  ] as const)
    addToIndex(run(dir, i, v, a, az2, lost));
  writeFileSync(join(dir, 'index.ndjson'), 'not json\n', { flag: 'a' });
  const { entries, unreadable } = readIndex(dir);
  assert.equal(unreadable, 1);
  assert.deepEqual(
    entries.map((e) => [e.runId, e.verdict, e.chaosAvailability, e.lostWrites, e.checks['lost-writes']]),
    [
      ['r1', 'pass', { az1: 0.95, az2: 0.8 }, 0, 'pass'],
      ['r2', 'pass', { az1: 0.95, az2: 0.9 }, 0, 'pass'],
      ['r3', 'fail', { az1: 0.95, az2: 0.75 }, 4, 'fail'],
    ],
  );
  const r = await gameday(['history', '--runs-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0] ?? '', /^when \(UTC\) +experiment +seed +verdict +az1 chaos +az2 chaos +first err +alarm +lost$/);
  assert.match(lines[1] ?? '', /^2026-12-01 10:00:00 +power-off\.yaml +101 +PASS +95\.0% +80\.0% +21ms +3\.0s +0$/);
  assert.match(lines[3] ?? '', /^2026-12-03 10:00:00 +power-off\.yaml +103 +FAIL +95\.0% +75\.0% +23ms +1\.8s +4$/);
  assert.match(r.stdout, /3 game days: 2 passed \(67%\), 1 failed, 0 undecided/);
  assert.match(r.stdout, /experiments\/power-off\.yaml: 3 run\(s\), 2 passed; median time to alarm 3\.0s in the first 1 → 2\.4s in the last 2/);
  assert.match(r.stdout, /1 line\(s\) of .*index\.ndjson could not be read/);
  const last = await gameday(['history', '--runs-dir', dir, '--last', '1', '--json']);
  assert.deepEqual(
    (JSON.parse(last.stdout) as { runId: string }[]).map((e) => e.runId),
    ['r3'],
  );
});

test('gameday history: a runs folder that is not there, or a bad --last, is exit 2 with the fix', async () => {
  const r = await gameday(['history', '--runs-dir', '/nonexistent/runs']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--runs-dir: \/nonexistent\/runs is not a folder\n {2}fix: give the folder your runs are in/);
  const dir = mkdtempSync(join(tmpdir(), 'gameday-index-'));
  const l = await gameday(['history', '--runs-dir', dir, '--last', '0']);
  assert.equal(l.code, 2, l.stderr);
  const empty = await gameday(['history', '--runs-dir', dir]);
  assert.match(empty.stdout, /no game days recorded/);
});
