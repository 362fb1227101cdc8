// test: game-days (runs local game days; see test/run-tests.mjs)
// k6 load beside the canaries: a real k6 (../shared/bin/k6, v1.3.0 built from source)
// runs experiments/k6/reference.js against the reference cluster's public endpoints
// for baseline, chaos and recovery; its summary and per-request points are kept in
// the run folder and cut into phases in result.json and the summary; without k6 on
// PATH, or with a script that is not there, the run is exit 2 with nothing started.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import type { K6Figures } from '../harness/load/k6.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday, repoRoot } from './cli.ts';

const bin = join(repoRoot, '..', 'shared', 'bin');
const skip = existsSync(join(bin, 'k6')) ? false : `no k6 at ${bin} (the shared folder of this workplace holds one built from source)`;
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state'), PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` };
const dir = mkdtempSync(join(tmpdir(), 'gameday-k6-'));
const experiment = (load: string): string => readFileSync(join(repoRoot, 'test/fixtures/short-power-off.yaml'), 'utf8') + `load: ${load}\n`;

test('k6 load beside the canaries: real k6 against every public endpoint, its figures per phase in result.json and the summary', {
  skip,
  timeout: 180_000,
}, async () => {
  const file = join(dir, 'k6-game-day.yaml');
  writeFileSync(file, experiment(`{ k6: ${join(repoRoot, 'experiments/k6/reference.js')}, vus: 4 }`));
  const out = join(dir, 'run');
  const r = await gameday(['run', file, '--seed', '3', '--out', out, '--quiet'], { env });
  assert.ok(r.code === 0 || r.code === 1, `${r.stdout}\n${r.stderr}`);
  for (const f of ['k6-summary.json', 'k6-points.ndjson']) assert.ok(existsSync(join(out, f)), `${f} kept in the run folder`);
  const summary = JSON.parse(readFileSync(join(out, 'k6-summary.json'), 'utf8')) as { metrics: Record<string, { count?: number }> };
  assert.ok((summary.metrics['http_reqs']?.count ?? 0) > 100, 'k6 sent requests');
  const k6 = (JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult).figures['k6'] as K6Figures;
  assert.equal(k6.exitCode, 0);
  assert.deepEqual(
    k6.phases.map((ph) => ph.phase),
    ['baseline', 'chaos', 'recovery'],
  );
  for (const ph of k6.phases) assert.ok(ph.requests > 10 && ph.p50Ms !== null && ph.checksPassed > 0, JSON.stringify(ph));
  // the power-offs hurt k6's requests too: more of them failed in chaos than in baseline
  const [base, chaos] = k6.phases as [K6Figures['phases'][number], K6Figures['phases'][number]];
  assert.ok(chaos.failedShare + chaos.checksFailed / Math.max(1, chaos.checksPassed + chaos.checksFailed) > base.failedShare, JSON.stringify(k6.phases));
  assert.match(r.stdout, /k6 load {3}reference\.js, 4 VUs\n {4}baseline +[\d.]+ req\/s {2}[\d.]+% failed {2}p50 [\d.]+ms/);
});

test('k6 load: no k6 on PATH, or no such script, is exit 2 with the fix, nothing started', { timeout: 60_000 }, async () => {
  const file = join(dir, 'missing.yaml');
  writeFileSync(file, experiment('{ k6: ./nope.js }'));
  const out = join(dir, 'out-missing');
  const r = await gameday(['run', file, '--out', out, '--quiet'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /load\.k6: no k6 script at .*nope\.js\n {2}fix: give the path of a k6 script/);
  writeFileSync(join(dir, 'load.js'), 'export default function () {}\n');
  const file2 = join(dir, 'nok6.yaml');
  writeFileSync(file2, experiment('{ k6: ./load.js }'));
  const r2 = await gameday(['run', file2, '--out', out, '--quiet'], { env: { ...env, PATH: '/nonexistent' } });
  assert.equal(r2.code, 2, r2.stderr);
  assert.match(r2.stderr, /load: the experiment asks for k6 load, and no k6 is on PATH\n {2}fix: install k6/);
  assert.equal(existsSync(out), false);
});
