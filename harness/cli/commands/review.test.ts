import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeRunFolder } from '../../../dashboards/test-run-folder.ts';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'gameday-review-'));
const f1 = { id: 'f1', node: 'az2-store-1', injectAt: 3000, healAt: 5000 };

test('every fault that caused errors raised an alarm that cleared, nothing unexplained: exit 0', () => {
  const d = writeRunFolder(join(tmp, 'good'), { errorWindows: [[3000, 5000]], faults: [f1] });
  const r = gameday('review', d);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok +f1 +\+3\.0s power-off az2-store-1: 20 canary errors, first after 0ms; alarm after \d+ms \(error-rate (az=az1|endpoint=az1-router-1) \+1 more\); cleared .* after the heal/);
  assert.match(r.stdout, /no alarm fired without a fault in force/);
  assert.match(r.stdout, /verdict: pass/);
});

test('a fault that caused errors but raised no alarm: exit 1 naming the fault; --json says the same', () => {
  const d = writeRunFolder(join(tmp, 'missed'), { errorsAt: [3500, 4500], faults: [f1] });
  const r = gameday('review', d);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /MISSED f1 .*2 canary errors.*NO ALARM/);
  assert.match(r.stdout, /verdict: fail \(f1 \(power-off az2-store-1\): 2 canary errors and no alarm\)/);
  const j = gameday('review', d, '--json');
  assert.equal(j.status, 1);
  const out = JSON.parse(j.stdout) as { verdict: string; faults: { id: string; missed: boolean }[] };
  assert.equal(out.verdict, 'fail');
  assert.deepEqual(out.faults.map((f) => [f.id, f.missed]), [['f1', true]]);
  assert.equal(gameday('review', d, '--min-errors', '3').status, 0, 'fewer errors than --min-errors need no alarm');
});

test('an alarm with no fault in force is reported as unexplained: exit 1', () => {
  const d = writeRunFolder(join(tmp, 'unexplained'), { errorWindows: [[7000, 8000]] });
  const r = gameday('review', d);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /no faults were injected/);
  assert.match(r.stdout, /alarms with no fault in force:\n {4}\+7\.\ds error-rate /);
});

test('bad input exits 2', () => {
  assert.equal(gameday('review', join(tmp, 'nope')).status, 2);
  const d = writeRunFolder(join(tmp, 'no-experiment'), {});
  rmSync(join(d, 'experiment.json'));
  const r = gameday('review', d);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /experiment\.json/);
});
