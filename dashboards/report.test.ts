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
  assert.match(
    html,
    /<td>f1<\/td><td>power-off az2-store-1<\/td><td>\+3\.0s<\/td><td>19<\/td><td>10\dms<\/td><td>alarm after 40\dms \(error-rate az=az1\)<\/td>/,
  );
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

test('report.html: one chart per AZ with a labelled band per fault of faults.ndjson, and the lost writes with value and times', () => {
  const dir = writeRunFolder(join(tmp, 'per-az'), {
    errorWindows: [
      [3000, 4000],
      [6000, 6500],
    ],
    faults: [
      { id: 'f1', node: 'az1-store-1', injectAt: 3000, healAt: 4000 },
      { id: 'f2', node: 'az1-router-1', injectAt: 6000, healAt: null },
    ],
    lost: ['key-a', 'key-b'],
  });
  const html = readFileSync(writeReport(dir), 'utf8');
  const charts = html.match(/<figure class="az-chart" data-az="[^"]+">[\s\S]*?<\/figure>/g) ?? [];
  assert.equal(charts.length, 1, 'the fixture has one canary AZ');
  assert.match(charts[0] ?? '', /data-az="az1"/);
  assert.match(charts[0] ?? '', /aria-label="az1: availability per endpoint"[\s\S]*→ az1-router-1/);
  // each of the AZ's two charts (availability, latency) has one band per injection, labelled with the fault
  assert.equal((charts[0]?.match(/<g class="fault-band" data-fault="f1">/g) ?? []).length, 2);
  assert.equal((charts[0]?.match(/<g class="fault-band" data-fault="f2">/g) ?? []).length, 2);
  assert.match(charts[0] ?? '', /<text class="fault-label"[^>]*>f1 power-off az1-store-1<\/text>/);
  assert.match(charts[0] ?? '', /<title>f2 power-off az1-router-1: injected \+6\.0s, never healed<\/title>/);
  const witness = html.match(/<div class="witness" id="witness-lost-writes">[\s\S]*?<\/div>/)?.[0] ?? '';
  assert.match(witness, /2 acknowledged write\(s\) lost, earliest acknowledgement first/);
  assert.match(
    witness,
    /<tr><td><code>&quot;key-a&quot;<\/code><\/td><td>write <code>&quot;v0&quot;<\/code><\/td><td>p0<\/td><td>\+0\.095s<\/td><td>\+0\.100s<\/td><td><code>null<\/code><\/td><\/tr>/,
  );
  assert.match(witness, /<code>&quot;key-b&quot;<\/code><\/td><td>write <code>&quot;v1&quot;<\/code>/);
});

test('report.html: a linearizability witness shows the calls that cannot be ordered, with times and values, and the longest prefix', () => {
  const call = (index: number, f: string, value: unknown, start: number, end: number | null, result?: unknown) => ({
    index,
    process: index % 3,
    f,
    type: end === null ? 'info' : 'ok',
    value,
    ...(result === undefined ? {} : { result }),
    start,
    end,
  });
  const dir = writeRunFolder(join(tmp, 'lin'), {
    witness: {
      key: 'k9',
      stuck: call(7, 'read', null, 5200, 5210, 'x1'),
      windowFrom: 'history',
      window: [call(3, 'write', 'x2', 5000, 5100), call(7, 'read', null, 5200, 5210, 'x1')],
      prefix: { calls: 5, last: [call(2, 'write', 'x1', 4000, 4100), call(3, 'write', 'x2', 5000, 5100)], stateAfter: 'x2' },
    },
  });
  const html = readFileSync(writeReport(dir), 'utf8');
  const w = html.match(/<div class="witness" id="witness-linearizable">[\s\S]*?<\/div>/)?.[0] ?? '';
  assert.match(
    w,
    /Key <code>&quot;k9&quot;<\/code>: call <b>#7<\/b> \(p1 read → &quot;x1&quot;, invoked \+5\.200s\) cannot be ordered with the calls before it/,
  );
  assert.match(w, /The 2 call\(s\) that cannot be ordered \(from the start of the history\)/);
  assert.match(w, /<tr><td>#3<\/td><td>p0<\/td><td>write <code>&quot;x2&quot;<\/code><\/td><td>ok<\/td><td>\+5\.000s<\/td><td>\+5\.100s<\/td><\/tr>/);
  assert.match(w, /<tr><td>#7 <span class="bad">stuck<\/span><\/td><td>p1<\/td><td>read → <code>&quot;x1&quot;<\/code><\/td>/);
  assert.match(w, /Longest linearizable prefix: <b>5<\/b> call\(s\), leaving <code>&quot;x2&quot;<\/code>; its last steps in order:/);
  assert.match(w, /<tr><td>#2<\/td><td>p2<\/td><td>write <code>&quot;x1&quot;<\/code><\/td><td>ok<\/td><td>\+4\.000s<\/td><td>\+4\.100s<\/td><\/tr>/);
});

test("report.html: k6 figures per phase and the script's named checks, only for a run that had k6", () => {
  const phase = (name: string, rps: number, failed: number, passed: number, fails: number) => ({
    phase: name,
    requests: rps * 5,
    requestsPerSec: rps,
    failedShare: failed,
    p50Ms: 12.5,
    p95Ms: 40,
    p99Ms: 88.25,
    checksPassed: passed,
    checksFailed: fails,
  });
  const dir = writeRunFolder(join(tmp, 'k6'), {
    k6: {
      figures: {
        script: '/x/experiments/k6/reference.js',
        vus: 4,
        exitCode: 0,
        phases: [phase('baseline', 60, 0, 100, 0), phase('chaos', 80, 0.4, 60, 40)],
        files: {},
      },
      rootGroup: { name: '', checks: { 'put is 200': { name: 'put is 200', passes: 160, fails: 40 } }, groups: {} },
    },
  });
  const html = readFileSync(writeReport(dir), 'utf8');
  assert.match(html, /<section id="k6"><h2>k6 load beside the canaries<\/h2>\n<p>reference\.js, 4 VUs/);
  assert.match(
    html,
    /<tr><td>chaos<\/td><td>400<\/td><td>80<\/td><td><span class="bad">40\.0%<\/span><\/td><td>12\.5 ms<\/td><td>40\.0 ms<\/td><td>88\.3 ms<\/td><td>60 \/ 100 \(60\.0%\)<\/td><\/tr>/,
  );
  assert.match(html, /<tr><td>put is 200<\/td><td>160<\/td><td><span class="bad">40<\/span><\/td><\/tr>/);
  const none = readFileSync(writeReport(writeRunFolder(join(tmp, 'no-k6'), {})), 'utf8');
  assert.doesNotMatch(none, /id="k6"/);
});
