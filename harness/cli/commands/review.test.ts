import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { alarmChange, writeRunFolder } from '../../../dashboards/test-run-folder.ts';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'gameday-review-'));
const f1 = { id: 'f1', node: 'az2-store-1', injectAt: 3000, healAt: 5000 };

test('every fault with customer impact raised an alarm that cleared, nothing unexplained: exit 0 (alarms as recorded, or --replay)', () => {
  const d = writeRunFolder(join(tmp, 'good'), { errorWindows: [[3000, 5000]], faults: [f1], alarms: [alarmChange(3400, 'ALARM'), alarmChange(5600, 'OK')] });
  const r = gameday('review', d);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /alarm review: 2 state changes as recorded live/);
  assert.match(
    r.stdout,
    /ok +f1 +\+3\.0s power-off az2-store-1: 19 canary errors, first after 10\dms; alarm after 40\dms \(error-rate az=az1\); cleared 600ms after the heal/,
  );
  assert.match(r.stdout, /no alarm fired without a fault behind it/);
  assert.match(r.stdout, /verdict: pass/);
  const replay = gameday('review', d, '--replay');
  assert.equal(replay.status, 0, replay.stdout);
  assert.match(replay.stdout, /replayed from the history through the experiment's rules \(alarms\.ndjson recorded 2\)/);
  assert.match(replay.stdout, /alarm after \d+ms \(error-rate (az=az1|endpoint=az1-router-1) \+1 more\)/);
});

test('a fault with customer impact and no alarm: exit 1 naming the fault; --json says the same', () => {
  const d = writeRunFolder(join(tmp, 'missed'), { errorWindows: [[3000, 5000]], faults: [f1] });
  const r = gameday('review', d);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /MISSED f1 .*19 canary errors.*NO ALARM \(19 of 20 canary calls failed in az=az1 \(95\.0%\)\)/);
  assert.match(r.stdout, /verdict: fail \(f1 \(power-off az2-store-1\): 19 of 20 canary calls failed in az=az1 \(95\.0%\) and no alarm\)/);
  const j = gameday('review', d, '--json');
  assert.equal(j.status, 1);
  const out = JSON.parse(j.stdout) as { verdict: string; faults: { id: string; missed: boolean; outcome: string }[] };
  assert.equal(out.verdict, 'fail');
  assert.deepEqual(
    out.faults.map((f) => [f.id, f.missed, f.outcome]),
    [['f1', true, 'missed']],
  );
  assert.equal(gameday('review', d, '--min-errors', '30').status, 0, 'fewer errors than --min-errors need no alarm');
});

test("two canary errors are below the alarm's threshold: not a missed alarm", () => {
  const d = writeRunFolder(join(tmp, 'few'), { errorsAt: [3500, 4500], faults: [f1] });
  const r = gameday('review', d);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok +f1 .*2 canary errors.*no alarm \(errors below the alarm threshold\)/);
});

test('an alarm with no fault behind it is reported: exit 1', () => {
  const d = writeRunFolder(join(tmp, 'unexplained'), { errorWindows: [[7000, 8000]], alarms: [alarmChange(7300, 'ALARM'), alarmChange(8600, 'OK')] });
  const r = gameday('review', d);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /no faults were injected/);
  assert.match(r.stdout, /alarms with no fault behind them:\n {4}\+7\.3s error-rate az=az1/);
});

test('bad input exits 2', () => {
  assert.equal(gameday('review', join(tmp, 'nope')).status, 2);
  const d = writeRunFolder(join(tmp, 'no-experiment'), {});
  rmSync(join(d, 'experiment.json'));
  const r = gameday('review', d);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /experiment\.json/);
});
