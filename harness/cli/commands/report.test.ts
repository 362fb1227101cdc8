import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { alarmChange, writeRunFolder } from '../../../dashboards/test-run-folder.ts';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'gameday-report-cmd-'));

test('gameday report writes report.html from the folder and prints its path', () => {
  const d = writeRunFolder(join(tmp, 'run'), {
    errorWindows: [[3000, 5000]],
    faults: [{ id: 'f1', node: 'az1-router-1', injectAt: 3000, healAt: 5000 }],
    alarms: [alarmChange(3400, 'ALARM'), alarmChange(5600, 'OK')],
  });
  const r = gameday('report', d);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${join(d, 'report.html')}\n`);
  assert.match(readFileSync(join(d, 'report.html'), 'utf8'), /PASS · fixture game day/);
  const o = gameday('report', d, '--open-path');
  assert.equal(o.stdout.trim(), pathToFileURL(join(d, 'report.html')).href);
});

test('a missing folder or history exits 2', () => {
  const r = gameday('report', join(tmp, 'nope'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no such run folder/);
  const d = writeRunFolder(join(tmp, 'no-history'), {});
  rmSync(join(d, 'history.ndjson'));
  const h = gameday('report', d);
  assert.equal(h.status, 2);
  assert.match(h.stderr, /holds no history\.ndjson/);
  assert.equal(existsSync(join(d, 'report.html')), false);
});
