// gameday report --index: one page over every game day of a runs folder's index, each
// row linking (relatively) to its run's report.html; bad input is exit 2 with the fix.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeRunFolder } from '../../../dashboards/test-run-folder.ts';
import { writeReport } from '../../../dashboards/report.ts';
import type { IndexEntry } from '../../runner/index.ts';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'gameday-report-index-'));

const entry = (i: number, verdict: string, az2: number, alarmMs: number | null, lost: number): IndexEntry => ({
  runId: `r${i}`,
  folder: `r${i} s${i}`,
  startedAt: `2026-12-0${i}T10:00:00.000Z`,
  experiment: 'experiments/power-off.yaml',
  title: `Power off <${i}>`,
  seed: 100 + i,
  provider: 'local',
  target: 'reference',
  verdict,
  checks: { 'lost-writes': lost ? 'fail' : 'pass', linearizable: 'pass' },
  chaosAvailability: { az1: 0.95, az2: az2 },
  faults: 3,
  medianFirstErrorAfterMs: 20 + i,
  medianAlarmAfterMs: alarmMs,
  lostWrites: lost,
});

function runsFolder(name: string): string {
  const runs = join(tmp, name);
  mkdirSync(runs, { recursive: true });
  const es = [entry(2, 'pass', 0.9, 2400, 0), entry(1, 'pass', 0.8, 3000, 0), entry(3, 'fail', 0.75, null, 4)];
  for (const e of es) {
    const d = writeRunFolder(join(runs, e.folder), { title: e.title, lost: e.lostWrites ? ['k1'] : [] });
    if (e.runId !== 'r2') writeReport(d);
    appendFileSync(join(runs, 'index.ndjson'), JSON.stringify(e) + '\n');
  }
  appendFileSync(join(runs, 'index.ndjson'), 'not json\n');
  return runs;
}

const rows = (html: string): string[] =>
  [...(html.match(/<table class="runs">[\s\S]*?<\/table>/)?.[0] ?? '').matchAll(/<tr><td>[\s\S]*?<\/tr>/g)].map((m) => m[0]);

test('gameday report --index: one row per game day, oldest first, linking to each report.html; trends across runs', () => {
  const runs = runsFolder('runs');
  const r = gameday('report', '--index', '--runs-dir', runs);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${join(runs, 'index.html')}\n`);
  const html = readFileSync(join(runs, 'index.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external assets');
  const rs = rows(html);
  assert.equal(rs.length, 3, 'one row per readable line');
  // oldest first: r1, r2, r3, each with its seed, verdict, availability per AZ, times and lost writes
  assert.match(
    rs[0] ?? '',
    /<td>1<\/td><td>2026-12-01 10:00:00<\/td><td>Power off &lt;1&gt;<br><span class="muted">experiments\/power-off\.yaml<\/span><\/td><td>101<\/td><td><span class="badge pass">PASS<\/span><\/td><td><span class="warn">95\.0%<\/span><\/td><td><span class="bad">80\.0%<\/span><\/td><td>3<\/td><td>21 ms<\/td><td>3\.0 s<\/td><td>0<\/td>/,
  );
  assert.match(
    rs[2] ?? '',
    /<td>103<\/td><td><span class="badge fail">FAIL<\/span><\/td>.*<td>—<\/td><td><span class="bad">4<\/span><\/td><td>lost-writes fail<\/td>/,
  );
  // relative links, segment-encoded; r2 has no report.html and says so
  assert.match(rs[0] ?? '', /<a class="run-report" href="r1%20s1\/report\.html">report<\/a>/);
  assert.match(rs[1] ?? '', /no report\.html/);
  for (const m of html.matchAll(/class="run-report" href="([^"]+)"/g))
    assert.ok(existsSync(join(runs, decodeURIComponent(m[1] as string))), `link ${m[1]} resolves`);
  assert.match(html, /3 game days: 2 passed \(67%\), 1 failed, 0 undecided/);
  assert.match(html, /experiments\/power-off\.yaml<\/td><td>3<\/td><td>2<\/td><td>3\.0 s \(first 1\) → 2\.4 s \(last 2\)<\/td>/);
  assert.equal((html.match(/<figure class="trend">/g) ?? []).length, 3, 'availability, time to alarm and lost writes across runs');
  assert.match(html, /aria-label="availability per AZ during chaos, run by run"/);
  assert.match(html, /1 line\(s\) of index\.ndjson could not be read/);
});

test('gameday report --index --out elsewhere: the links are relative to the page', () => {
  const runs = runsFolder('runs-out');
  const out = join(tmp, 'pages', 'all.html');
  mkdirSync(dirname(out), { recursive: true });
  const r = gameday('report', '--index', '--runs-dir', runs, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /href="\.\.\/runs-out\/r1%20s1\/report\.html"/);
  for (const m of html.matchAll(/class="run-report" href="([^"]+)"/g)) assert.ok(existsSync(resolve(dirname(out), decodeURIComponent(m[1] as string))));
});

test('gameday report --index: no index, a runs folder that is not one, damaged index, bad --out, mixed arguments: exit 2 with the fix', () => {
  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  const cases: [string[], RegExp][] = [
    [
      ['--index', '--runs-dir', empty],
      /error: .*index\.ndjson: .* holds no index\.ndjson: no game day has been recorded there\n {2}fix: run a game day whose run folder is in/,
    ],
    [['--index', '--runs-dir', join(tmp, 'nope')], /error: --runs-dir: .*nope is not a folder\n {2}fix: give the folder your run folders are in/],
    [['--index', '--runs-dir', main], /error: --runs-dir: .* is not a folder/],
    [['--index', '--runs-dir', runsFolder('runs-bad-out'), '--out', join(tmp, 'no-such-dir', 'x.html')], /error: --out: no folder .*no-such-dir to write/],
    [['--index', '--runs-dir', join(tmp, 'runs-bad-out'), '--out', tmp], /error: --out: .* is a folder/],
    [['--index', join(tmp, 'runs-bad-out')], /error: --index: --index reports on a runs folder, and a run folder .* was given too/],
    [['--runs-dir', empty], /error: --runs-dir: --runs-dir is for the index page\n {2}fix: add --index/],
    [[], /error: report: no run folder given\n {2}fix: give one .*, or --index/],
  ];
  const damaged = join(tmp, 'damaged');
  mkdirSync(damaged);
  writeFileSync(join(damaged, 'index.ndjson'), '{oops\n');
  cases.push([['--index', '--runs-dir', damaged], /holds no game day that can be read \(1 damaged line\(s\)\)/]);
  const isDir = join(tmp, 'index-is-dir');
  mkdirSync(join(isDir, 'index.ndjson'), { recursive: true });
  cases.push([['--index', '--runs-dir', isDir], /error: .*: cannot read .*index\.ndjson \(not a file\)/]);
  for (const [args, want] of cases) {
    const r = gameday('report', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
  }
  assert.equal(existsSync(join(empty, 'index.html')), false, 'nothing written');
});
