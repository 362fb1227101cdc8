import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeReport } from './report.ts';
import { alarmChange, writeRunFolder } from './test-run-folder.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gameday-report-'));

test('report.html shows the verdict, the fault, the alarm and the lost keys, and escapes what it takes from files', () => {
  const dir = writeRunFolder(join(tmp, 'one'), {
    title: 'Power off <script>alert("x")</script> & more',
    errorWindows: [[3000, 5000]],
    faults: [{ id: 'f1', node: 'az2-store-1', injectAt: 3000, healAt: 5000 }],
    alarms: [alarmChange(3400, 'ALARM'), alarmChange(5600, 'OK')],
    lost: ['k<img src=x>'],
  });
  const path = writeReport(dir);
  assert.equal(path, join(dir, 'report.html'));
  const html = readFileSync(path, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /FAIL · Power off &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; more/);
  assert.doesNotMatch(html, /<script/i, 'no script tag at all, injected or ours');
  assert.doesNotMatch(html, /<img/i);
  assert.match(html, /k&lt;img src=x&gt;/, 'the lost key is listed, escaped');
  assert.match(html, /az2-store-1/);
  assert.match(html, /f1 power-off/);
  assert.match(html, /error-rate az=az1/);
  assert.match(html, /--seed 42/);
  assert.match(html, /<svg /, 'inline plots');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external assets');
  // on-call row: the fault, its first error and its alarm 400 ms after the injection
  assert.match(html, /<td>f1<\/td><td>power-off az2-store-1<\/td><td>\+3\.0s<\/td><td>19<\/td><td>10\dms<\/td><td>alarm after 40\dms \(error-rate az=az1\)<\/td>/);
});

test('an interrupted run with no traffic still gets a page, and failed fault actions are listed, escaped', () => {
  const dir = writeRunFolder(join(tmp, 'interrupted'), { verdict: 'unknown', endMs: 0 });
  appendFileSync(join(dir, 'faults.ndjson'), JSON.stringify({ time: 5, event: 'inject', id: 'f9', kind: 'pause', nodes: ['n1'], error: 'EPERM <b>' }) + '\n');
  const html = readFileSync(writeReport(dir), 'utf8');
  assert.match(html, /UNKNOWN · fixture game day/);
  assert.match(html, /inject f9 pause n1: EPERM &lt;b&gt;/);
  assert.match(html, /No faults were injected/);
});

test('a run folder without result.json or history.ndjson cannot be reported', () => {
  assert.throws(() => writeReport(join(tmp, 'missing')), /no such run folder/);
});
