// test: game-days (runs local game days; see test/run-tests.mjs)
// A stop condition cuts a short game day short: a router powered off for 10 s raises
// its error-rate alarm, `stop-when: [{ alarm: error-rate, for: 1s }]` ends chaos about
// a second later, every fault is healed, recovery and the checks run, and result.json
// and the summary say which condition stopped it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday } from './cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gameday-stop-'));
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };

test('stop-when ends chaos early, heals every fault, runs recovery and the checks', { timeout: 120_000 }, async () => {
  const file = join(dir, 'stop.yaml');
  writeFileSync(
    file,
    `title: stop condition (tests)
target: { name: reference }
phases: { baseline: 2s, chaos: 14s, recovery: 4s }
canaries: { rate: 15, keys: 24, timeout: 2s }
alarms:
  rules:
    - { kind: error-rate, name: errors, window: 2s, error-rate: 0.3 }
    - { kind: burn-rate, name: slo, slo: 0.99, per: az }
stop-when: [{ alarm: errors, for: 1s }]
faults:
  - { kind: power-off, target: random-router, start: 1s, count: 1, hold: 10s }
  - { kind: power-off, target: random-storage, start: 9s, count: 1, hold: 2s }
`,
  );
  const out = join(dir, 'run');
  const t0 = Date.now();
  const r = await gameday(['run', file, '--seed', '7', '--out', out, '--quiet'], { env });
  const wall = Date.now() - t0;
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.ok(result.stoppedBy, `result.json says what stopped it\n${r.stdout}`);
  assert.equal(result.stoppedBy.alarm, 'errors');
  assert.equal(result.stoppedBy.forMs, 1000);
  assert.match(result.stoppedBy.by, /^errors (az|endpoint)=/);
  assert.ok(result.stoppedBy.atMs - result.stoppedBy.inAlarmSinceMs >= 1000);
  const chaos = result.phases.find((p) => p.name === 'chaos');
  assert.ok(chaos, 'a chaos phase');
  const len = chaos.endMs - chaos.startMs;
  assert.ok(len < 9000, `chaos lasted ${len} ms of 14 s: cut short before the second fault`);
  assert.ok(result.faults.length >= 1 && result.faults.every((f) => f.healedAtMs !== null), `every fault healed: ${JSON.stringify(result.faults)}`);
  assert.ok(!result.faults.some((f) => f.nodes.some((n) => n.includes('store'))), 'the storage power-off planned after the stop never happened');
  const journal = readFileSync(join(out, 'faults.ndjson'), 'utf8');
  assert.match(journal, /stop-condition/, 'the heal says why');
  assert.ok(result.phases.some((p) => p.name === 'recovery') && result.checks.length > 0, 'recovery and the checks ran');
  assert.match(r.stdout, /STOPPED +chaos ended early at \+[\d.]+m?s: stop-when \{ alarm: errors, for: 1s \} met by errors /);
  assert.match(
    r.stdout,
    /rule +slo: burn rate on SLO 99%, 14\.4x over 1h\/5m \(run as 5s\/417ms\) or 6x over 6h\/30m \(run as 30s\/2\.5s\), time scale 0\.001389/,
  );
  assert.equal(r.code, result.verdict === 'pass' ? 0 : 1, 'the checks decide the exit code');
  assert.ok(wall < 25_000 + 10_000, `took ${wall} ms`);
});
