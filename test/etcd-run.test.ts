// test: alone (runs game days or containers; see test/run-tests.mjs)
// End to end on a real system: a power-off game day on a 3-member etcd (Debian's
// etcd-server, local processes with a client and a peer port each) passes every check
// it promises; partitions of etcd are refused until they can be done (exit 2).
// Skipped, saying why, where no etcd is on PATH (CI installs etcd-server).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import { etcdMissing } from '../targets/etcd/target.ts';
import { gameday } from './cli.ts';

const missing = etcdMissing();
const skip = missing ? `${missing}: install etcd-server (Debian) to run the etcd game days` : false;
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const tmp = (): string => mkdtempSync(join(tmpdir(), 'gameday-etcd-'));

test('etcd: members powered off under canary traffic, every check passes (no lost write, linearizable, members agree)', { skip, timeout: 180_000 }, async () => {
  const out = join(tmp(), 'run');
  const r = await gameday(['run', 'experiments/etcd-power-off.yaml', '--seed', '1', '--duration', '22s', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult & { checks: { name: string; verdict: string; keysChecked?: number }[] };
  assert.equal(result.target.name, 'etcd');
  assert.deepEqual(result.checks.map((c) => [c.name, c.verdict]), [['lost-writes', 'pass'], ['linearizable', 'pass'], ['replicas-agree', 'pass'], ['availability', 'pass'], ['alarms', 'pass']]);
  assert.ok((result.checks[0]?.keysChecked ?? 0) > 50, 'keys were written and read back');
  assert.ok(result.faults.length >= 2 && result.faults.every((f) => f.kind === 'power-off' && /^etcd-\d$/.test(f.nodes[0] ?? '') && f.healedAtMs !== null));
  // every power-off hurt the customers of that member's endpoint, and the alarm came
  assert.ok(result.faults.every((f) => f.alarmOutcome === 'alarm' || f.alarmOutcome === 'already-in-alarm'), JSON.stringify(result.faults.map((f) => f.outcomeText)));
});

test('etcd: a partition is refused before anything starts, saying why', { skip, timeout: 60_000 }, async () => {
  const dir = tmp();
  const out = join(dir, 'run');
  const r = await gameday(['run', 'experiments/etcd-power-off.yaml', '--toxiproxy', 'http://127.0.0.1:8474', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--toxiproxy: target etcd cannot take partitions or link faults yet: every etcd member must be given the same --initial-cluster peer URLs/);
});
